package io.cnv2.cli;

import io.cnv2.AtomicFiles;
import io.cnv2.BadInputException;
import io.cnv2.accuracy.SweepCheckpoint;
import io.cnv2.accuracy.ThresholdSweep;
import io.cnv2.config.Json;
import io.cnv2.report.ReportPages;
import io.cnv2.data.Sample;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import io.cnv2.spark.SparkEmulation;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cnv2 sweep}: the per-layer threshold search of the Cnvlutin paper. On a validation
 * subset, each conv and fully connected layer's threshold is raised alone through the grid and
 * the largest that keeps top-1 within the budget of the zero-threshold top-1 is kept; the
 * per-layer choices are combined, and while the combination loses more than the budget the
 * largest threshold steps down one grid point; the table found is confirmed on the test images.
 * Every evaluated point (thresholds, top-1, speedup) is appended to a checkpoint file as soon as
 * it is finished, so a sweep that is killed resumes without computing a finished point again.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Search per-layer ineffectual-activation thresholds within an accuracy budget (resumable).")
final class SweepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SessionOptions session;

    @Mixin
    ReportOption report;

    @Mixin
    ProgressOption progress;

    @Mixin
    SparkOption spark;

    @Option(names = "--budget", paramLabel = "POINTS", defaultValue = "0.01",
            description = "Top-1 loss allowed, as a fraction (0.01 = one point; default).")
    double budget;

    @Option(names = "--grid", paramLabel = "T,T,...", split = ",", defaultValue = "0,0.05,0.1,0.2,0.3,0.5,0.75,1",
            description = "Thresholds tried per layer, real units (default 0,0.05,0.1,0.2,0.3,0.5,0.75,1).")
    double[] grid;

    @Option(names = "--validation", paramLabel = "N",
            description = "Images the search runs on (the first N); the rest confirm the result (default: 1000, or half "
                    + "the images when there are fewer than 2000). Grid mode uses every image.")
    Integer validationOption;
    int validation;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "search",
            description = "search (per-layer, the default) or grid (one threshold for every layer, each grid value: "
                    + "the speedup vs top-1 curve).")
    String mode;

    @Option(names = "--checkpoint", paramLabel = "FILE", required = true,
            description = "Finished points, one JSON line each; an existing file is resumed.")
    Path checkpoint;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the threshold table found (use with --thresholds).")
    Path out;

    @Option(names = "--json", paramLabel = "OUT", description = "Write the sweep (every point, the curve, the result).")
    Path json;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        if (!(budget >= 0 && budget < 1)) {
            throw new BadInputException("option --budget must be a fraction from 0 to 1, got " + budget);
        }
        double[] ts = ThresholdSweep.checkGrid(grid, "option --grid");
        report.check();
        spark.check();
        for (Path p : new Path[] {checkpoint, out, json}) {
            if (p != null) {
                AtomicFiles.checkWritable(p, p == checkpoint ? "--checkpoint" : p == out ? "--out" : "--json");
            }
        }
        if (!mode.equals("search") && !mode.equals("grid")) {
            throw new BadInputException("option --mode: unknown value '" + mode + "' (known: grid, search)");
        }
        session.defaultArch = "cnv2";
        SessionOptions.Session s = session.open();
        if (!s.run().arch().equals("cnv") && !s.run().arch().equals("cnv2")) {
            throw new BadInputException("sweep needs a skipping accelerator: --arch cnv or cnv2");
        }
        List<Sample> all = s.samples();
        // the default fits the other defaults: a --limit below 2000 leaves half the images to confirm the result
        validation = validationOption != null ? validationOption : Math.max(1, Math.min(1000, all.size() / 2));
        if (mode.equals("search") && (validation < 1 || validation >= all.size())) {
            throw new BadInputException("option --validation must be from 1 to " + (all.size() - 1) + " (the dataset has "
                    + all.size() + " images and the rest confirm the result), got " + validation);
        }
        int layers = s.net().acceleratorLayers().size();
        Progress bar = progress.bar(spec.commandLine().getErr(), mode.equals("grid") ? ts.length
                : ThresholdSweep.searchPoints(layers, ts.length), "sweep points");
        SweepCheckpoint points = SweepCheckpoint.open(checkpoint, identity(s));
        if (!spark.enabled()) {
            return run(o, s, all, ts, layers, new ThresholdSweep(s.emulator(), s.modelName(), s.datasetName(), points)
                    .onPoint(bar), bar);
        }
        SparkOption.check(s);
        JavaSparkContext sc = spark.open("sweep");
        try {
            // the parts of each point next to the points: a killed sweep loses only the parts running
            Path parts = checkpoint.resolveSibling(checkpoint.getFileName() + ".parts");
            SparkEmulation runner = spark.emulation(sc, s, parts);
            ThresholdSweep sweep = new ThresholdSweep(runner.base(), s.modelName(), s.datasetName(), points)
                    .runner(runner).onPoint(bar);
            int result = run(o, s, all, ts, layers, sweep, bar);
            o.printf("Spark parts: %d computed, %d reused from %s%n", runner.computedParts(), runner.reusedParts(),
                    parts);
            return result;
        } finally {
            sc.stop();
        }
    }

    private int run(PrintWriter o, SessionOptions.Session s, List<Sample> all, double[] ts, int layers,
                    ThresholdSweep sweep, Progress bar) {
        boolean distributed = spark.enabled();
        if (mode.equals("grid")) {
            ThresholdSweep.Result r = distributed ? sweep.grid(all.size(), ts) : sweep.grid(all, ts);
            bar.finish();
            Table t = new Table("threshold", "top-1", "speedup").alignRight(0, 1, 2);
            for (int i = 0; i < ts.length; i++) {
                ThresholdSweep.Point p = r.points().get(i);
                t.row(ts[i], String.format(Locale.ROOT, "%.2f %%", 100 * p.top1()),
                        String.format(Locale.ROOT, "%.2f", p.speedup()));
            }
            o.print(t.render());
            o.printf("points: %d computed, %d reused from %s (%d images)%n", r.computed(), r.reused(), checkpoint,
                    all.size());
            write(o, r, s);
            return 0;
        }
        List<Sample> val = all.subList(0, validation);
        List<Sample> test = all.subList(validation, all.size());
        ThresholdSweep.Result r = distributed ? sweep.search(all.size(), validation, ts, budget, null)
                : sweep.search(val, test, ts, budget, null);
        bar.finish();
        Table t = new Table("layer", "threshold").alignRight(1);
        r.chosen().forEach((k, v) -> t.row(k, v));
        o.print(t.render());
        o.printf(Locale.ROOT, "validation (%d images): top-1 %.2f %% at thresholds 0, %.2f %% with the table, speedup "
                        + "%.2f -> %.2f%n", val.size(), 100 * r.baselineTop1(), 100 * r.validation().top1(),
                r.points().get(0).speedup(), r.validation().speedup());
        o.printf(Locale.ROOT, "test (%d images): top-1 %.2f %% -> %.2f %%, speedup %.2f -> %.2f%n", test.size(),
                100 * r.testBaseline().top1(), 100 * r.test().top1(), r.testBaseline().speedup(), r.test().speedup());
        o.printf("points: %d computed, %d reused from %s%n", r.computed(), r.reused(), checkpoint);
        if (out != null) {
            AtomicFiles.write(out, Json.write(r.chosen()));
            o.println("wrote " + out);
        }
        write(o, r, s);
        return 0;
    }

    private void write(PrintWriter o, ThresholdSweep.Result r, SessionOptions.Session s) {
        if (json != null) {
            AtomicFiles.write(json, Json.write(r));
            o.println("wrote " + json);
        }
        Map<String, Object> config = new TreeMap<>(identity(s));
        config.put("grid", grid);
        config.put("budget", budget);
        config.put("machine", s.machine());
        config.put("run", s.run());
        // the network's order of the layers: the sweep's own tables are sorted by name
        List<String> layers = s.net().acceleratorLayers().stream().map(io.cnv2.ir.Node::name).toList();
        report.write(() -> ReportPages.sweep(r, layers, s.run(), s.modelName(), s.datasetName(), config), o);
        o.flush();
    }

    /** What the checkpoint's first line records: a checkpoint of a different sweep is refused. */
    private Map<String, Object> identity(SessionOptions.Session s) {
        Map<String, Object> h = new TreeMap<>();
        h.put("model", s.modelName());
        h.put("dataset", s.datasetName());
        h.put("images", s.samples().size());
        h.put("validation", validation);
        h.put("mode", mode);
        h.put("arch", s.run().arch());
        h.put("encoding", s.run().encoding());
        h.put("detect", s.run().detect());
        h.put("weightSkip", s.run().weightSkip());
        h.put("prune", s.run().prune());
        h.put("formats", s.emulator().calibration().source());
        return h;
    }
}
