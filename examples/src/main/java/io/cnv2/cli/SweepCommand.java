package io.cnv2.cli;

import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cnv2.AtomicFiles;
import io.cnv2.BadInputException;
import io.cnv2.config.Json;
import io.cnv2.config.RunConfig;
import io.cnv2.data.Sample;
import io.cnv2.exec.Emulator;
import io.cnv2.ir.Node;
import io.cnv2.stats.RunReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
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

    @Option(names = "--budget", paramLabel = "POINTS", defaultValue = "0.01",
            description = "Top-1 loss allowed, as a fraction (0.01 = one point; default).")
    double budget;

    @Option(names = "--grid", paramLabel = "T,T,...", split = ",", defaultValue = "0,0.05,0.1,0.2,0.3,0.5,0.75,1",
            description = "Thresholds tried per layer, real units (default 0,0.05,0.1,0.2,0.3,0.5,0.75,1).")
    double[] grid;

    @Option(names = "--validation", paramLabel = "N", defaultValue = "1000",
            description = "Images the search runs on (the first N); the rest confirm the result (default 1000). "
                    + "Grid mode uses every image.")
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

    /** One evaluated configuration. */
    record Point(String images, Map<String, Double> thresholds, double top1, double speedup) {
    }

    /** The outcome. */
    record Result(double baselineTop1, double budget, Map<String, Double> chosen, Point validation, Point test,
                  List<Point> points, int computed, int reused) {
    }

    /** One line per value: the checkpoint is a file of JSON lines. */
    private static final ObjectWriter LINE = Json.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);
    private final Map<String, Point> done = new LinkedHashMap<>();
    private int computed;
    private int reused;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        if (!(budget >= 0 && budget < 1)) {
            throw new BadInputException("option --budget must be a fraction from 0 to 1, got " + budget);
        }
        if (grid.length == 0 || Arrays.stream(grid).anyMatch(t -> !(t >= 0) || Double.isInfinite(t))) {
            throw new BadInputException("option --grid: thresholds must be finite numbers >= 0");
        }
        double[] ts = Arrays.stream(grid).distinct().sorted().toArray();
        if (ts[0] != 0) {
            throw new BadInputException("option --grid must contain 0 (the reference point)");
        }
        for (Path p : new Path[] {checkpoint, out, json}) {
            if (p != null) {
                AtomicFiles.checkWritable(p, p == checkpoint ? "--checkpoint" : p == out ? "--out" : "--json");
            }
        }
        if (!mode.equals("search") && !mode.equals("grid")) {
            throw new BadInputException("option --mode: unknown value '" + mode + "' (known: grid, search)");
        }
        SessionOptions.Session s = session.open();
        if (!s.run().arch().equals("cnv") && !s.run().arch().equals("cnv2")) {
            throw new BadInputException("sweep needs a skipping accelerator: --arch cnv or cnv2");
        }
        List<Sample> all = s.samples();
        if (mode.equals("grid")) {
            loadCheckpoint(s);
            return grid(o, s, all, s.net().acceleratorLayers().stream().map(Node::name).toList(), ts);
        }
        if (validation < 1 || validation >= all.size()) {
            throw new BadInputException("option --validation must be from 1 to " + (all.size() - 1) + " (the dataset has "
                    + all.size() + " images and the rest confirm the result), got " + validation);
        }
        List<Sample> val = all.subList(0, validation);
        List<Sample> test = all.subList(validation, all.size());
        loadCheckpoint(s);
        List<String> layers = s.net().acceleratorLayers().stream().map(Node::name).toList();
        Map<String, Double> none = new TreeMap<>();
        Point base = evaluate(s, val, "validation", none);
        double floor = base.top1() - budget;
        Map<String, Double> chosen = new TreeMap<>();
        for (String layer : layers) {
            double best = 0;
            for (double t : ts) {
                if (t == 0) {
                    continue;
                }
                Point p = evaluate(s, val, "validation", Map.of(layer, t));
                if (p.top1() < floor) {
                    break; // larger thresholds cut more: stop at the first that loses too much
                }
                best = t;
            }
            chosen.put(layer, best);
            o.printf(Locale.ROOT, "layer %s: threshold %s%n", layer, best);
            o.flush();
        }
        Point combined = evaluate(s, val, "validation", chosen);
        while (combined.top1() < floor) {
            // step the largest threshold down one grid point (the first such layer on ties)
            String top = chosen.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            double t = chosen.get(top);
            double lower = 0;
            for (double g : ts) {
                if (g < t) {
                    lower = g;
                }
            }
            chosen.put(top, lower);
            combined = evaluate(s, val, "validation", chosen);
        }
        Point testBase = evaluate(s, test, "test", none);
        Point confirmed = evaluate(s, test, "test", chosen);
        Result r = new Result(base.top1(), budget, chosen, combined, confirmed, List.copyOf(done.values()), computed,
                reused);
        Table t = new Table("layer", "threshold").alignRight(1);
        chosen.forEach((k, v) -> t.row(k, v));
        o.print(t.render());
        o.printf(Locale.ROOT, "validation (%d images): top-1 %.2f %% at thresholds 0, %.2f %% with the table, speedup "
                        + "%.2f -> %.2f%n", val.size(), 100 * base.top1(), 100 * combined.top1(), base.speedup(),
                combined.speedup());
        o.printf(Locale.ROOT, "test (%d images): top-1 %.2f %% -> %.2f %%, speedup %.2f -> %.2f%n", test.size(),
                100 * testBase.top1(), 100 * confirmed.top1(), testBase.speedup(), confirmed.speedup());
        o.printf("points: %d computed, %d reused from %s%n", computed, reused, checkpoint);
        if (out != null) {
            AtomicFiles.write(out, Json.write(chosen));
            o.println("wrote " + out);
        }
        if (json != null) {
            AtomicFiles.write(json, Json.write(r));
            o.println("wrote " + json);
        }
        o.flush();
        return 0;
    }

    /** Grid mode: every layer at each grid threshold, on all the images: the trade-off curve. */
    private Integer grid(PrintWriter o, SessionOptions.Session s, List<Sample> test, List<String> layers, double[] ts) {
        Table t = new Table("threshold", "top-1", "speedup").alignRight(0, 1, 2);
        List<Point> curve = new ArrayList<>();
        for (double g : ts) {
            Map<String, Double> all = new TreeMap<>();
            layers.forEach(l -> all.put(l, g));
            Point p = evaluate(s, test, "test", all);
            curve.add(p);
            t.row(g, String.format(Locale.ROOT, "%.2f %%", 100 * p.top1()), String.format(Locale.ROOT, "%.2f",
                    p.speedup()));
        }
        o.print(t.render());
        o.printf("points: %d computed, %d reused from %s (%d images)%n", computed, reused, checkpoint, test.size());
        if (json != null) {
            AtomicFiles.write(json, Json.write(new Result(curve.get(0).top1(), budget, Map.of(), null, null, curve,
                    computed, reused)));
            o.println("wrote " + json);
        }
        o.flush();
        return 0;
    }

    /** The top-1 and speedup of one threshold table on one image set, from the checkpoint when it is there. */
    private Point evaluate(SessionOptions.Session s, List<Sample> images, String which, Map<String, Double> thresholds) {
        String key = key(which, thresholds);
        Point p = done.get(key);
        if (p != null) {
            reused++;
            return p;
        }
        RunConfig run = s.run().withThresholds(0, thresholds);
        Emulator emu = Emulator.of(s.net(), s.machine(), run, s.emulator().calibration(), s.energy());
        RunReport report = emu.evaluate(images, s.modelName(), s.datasetName(), null).report();
        p = new Point(which, new TreeMap<>(thresholds), report.accuracy().fixedTop1(), report.totals().speedup());
        append(p);
        done.put(key, p);
        computed++;
        return p;
    }

    private static String key(String which, Map<String, Double> thresholds) {
        Map<String, Double> nonZero = new TreeMap<>();
        thresholds.forEach((k, v) -> {
            if (v != 0) {
                nonZero.put(k, v);
            }
        });
        return which + " " + nonZero;
    }

    /** One line per finished point; the line is written whole, then synced, before the next point starts. */
    private void append(Point p) {
        try {
            Files.writeString(checkpoint, LINE.writeValueAsString(p) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new BadInputException("cannot write checkpoint " + checkpoint + ": " + e.getMessage());
        }
    }

    /**
     * Reads the finished points of an earlier run of the same sweep. The first line records the
     * sweep (model, images, run settings); a checkpoint of another sweep is an error, not reused.
     * A last line cut short by a kill is ignored.
     */
    private void loadCheckpoint(SessionOptions.Session s) {
        String header = sweepHeader(s);
        try {
            if (!Files.exists(checkpoint) || Files.size(checkpoint) == 0) {
                Files.writeString(checkpoint, header + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
                return;
            }
            List<String> lines = Files.readAllLines(checkpoint, StandardCharsets.UTF_8);
            if (!lines.get(0).equals(header)) {
                throw new BadInputException("checkpoint " + checkpoint + " belongs to another sweep (its first line is "
                        + lines.get(0) + "); give a new file or delete it");
            }
            List<String> kept = new ArrayList<>(List.of(header));
            for (String line : lines.subList(1, lines.size())) {
                try {
                    Point p = Json.MAPPER.readValue(line, Point.class);
                    done.put(key(p.images(), p.thresholds()), p);
                    kept.add(line);
                } catch (IOException e) {
                    break; // the line a kill cut short: everything before it is whole
                }
            }
            // drop a cut line so that appends continue a well-formed file
            AtomicFiles.write(checkpoint, String.join("\n", kept) + "\n");
        } catch (IOException e) {
            throw new BadInputException("cannot read checkpoint " + checkpoint + ": " + e.getMessage());
        }
    }

    private String sweepHeader(SessionOptions.Session s) {
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
        try {
            return LINE.writeValueAsString(Map.of("cnv2-sweep", h));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
