package io.cnv2.cli;

import io.cnv2.AtomicFiles;
import io.cnv2.accuracy.AccuracyRun;
import io.cnv2.config.Json;
import io.cnv2.report.ReportPages;
import io.cnv2.config.RunConfig;
import io.cnv2.data.Sample;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cnv2 accuracy}: top-1 and top-5 of the float reference, of dense 16-bit fixed point
 * (DaDianNao) and of the chosen accelerator on the same images, with the accelerator's
 * speedup. When the run skips exact zeros only (every threshold 0) the accelerator's outputs
 * are the dense ones bit for bit (CNV2-MODEL.md section 2, rule 7, held by the tests), so the
 * dense pass is not run twice.
 */
@Command(name = "accuracy", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Top-1 and top-5 of float, dense fixed point and the chosen accelerator on the same images.")
final class AccuracyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SessionOptions session;

    @Mixin
    ProgressOption progress;

    @Mixin
    ReportOption report;

    @Mixin
    SparkOption spark;

    @Option(names = "--json", paramLabel = "OUT", description = "Write the result (and the accelerator's report) as JSON.")
    Path json;

    @Option(names = "--max-drop", paramLabel = "POINTS", defaultValue = "1.0",
            description = "Warn when the accelerator's top-1 falls more than POINTS percentage points below the float "
                    + "top-1 of the original (unpruned) model on the same images (default 1.0).")
    double maxDrop;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        report.check();
        spark.check();
        if (json != null) {
            AtomicFiles.checkWritable(json, "--json");
        }
        session.defaultArch = "cnv2";
        SessionOptions.Session s = session.open();
        RunConfig run = s.emulator().run();
        List<Sample> samples = s.samples();
        Progress bar = progress.bar(spec.commandLine().getErr(), samples.size(), AccuracyRun.passes(s.emulator()),
                "accuracy");
        AccuracyRun.Result r;
        if (spark.enabled()) {
            SparkOption.check(s);
            JavaSparkContext sc = spark.open("accuracy");
            try {
                r = spark.emulation(sc, s, null).onImages(bar).accuracy();
            } finally {
                sc.stop();
            }
        } else {
            // the table shows top-1 and top-5 only: the accelerator's statistics (timing, memory, the
            // report) are computed only for --json and --report, which write them (issue 23)
            boolean statistics = json != null || report.report != null;
            r = AccuracyRun.measure(s.emulator(), samples, s.modelName(), s.datasetName(), bar, statistics);
        }
        boolean reuse = r.denseReused();
        double secs = r.seconds();
        out.printf("cnv2 accuracy: model %s, %d image(s) of %s, arch %s, timing %s, %s%n", s.modelName(),
                samples.size(), s.datasetName(), run.arch(), Reports.timing(run), spark.enabled() ? "on Spark"
                        : run.effectiveThreads() + " thread(s)");
        // honest baselines (issue 21): the pruned figures stand beside the original model's float on the same images
        boolean pruned = run.prune() > 0;
        AccuracyRun.TopK original = pruned ? Baselines.originalFloat(s, samples) : r.floatReference();
        String prunedTo = String.format(Locale.ROOT, "weights pruned to %.0f%% zeros", 100 * run.prune());
        Table t = new Table("path", "top-1", "top-5").alignRight(1, 2);
        // a quantised model's reference is ONNX Runtime's integer kernels, its emulation the model's integers
        boolean integers = r.report() != null ? Reports.quantised(r.report())
                : s.emulator().network().nodes().stream().anyMatch(n -> n.op() instanceof io.cnv2.ir.QuantisedLayer);
        String fixed = integers ? "the model's integers" : "16-bit fixed point";
        if (pruned) {
            t.row("float, original model", pct(original.top1()), pct(original.top5()));
            t.row("float, " + prunedTo, pct(r.floatReference().top1()), pct(r.floatReference().top5()));
        } else {
            t.row(integers ? "reference (ONNX Runtime)" : "float reference", pct(r.floatReference().top1()),
                    pct(r.floatReference().top5()));
        }
        t.row(fixed + ", dense (DaDianNao)" + (pruned ? ", pruned" : ""), pct(r.denseFixed().top1()),
                pct(r.denseFixed().top5()));
        t.row(fixed + ", " + run.arch() + thresholds(run) + (pruned ? ", pruned" : ""), pct(r.accelerator().top1()),
                pct(r.accelerator().top5()));
        out.print(t.render());
        List<String> warnings = new java.util.ArrayList<>();
        String w0 = Baselines.drop(run.arch(), r.accelerator().top1(), original.top1(), maxDrop,
                pruned ? prunedTo + " and thresholds" : "thresholds");
        if (w0 != null) {
            warnings.add(w0);
        }
        for (String w : warnings) {
            out.println("warning: " + w);
        }
        if (json != null) {
            com.fasterxml.jackson.databind.node.ObjectNode tree = Json.MAPPER.valueToTree(r);
            tree.set("originalFloat", Json.MAPPER.valueToTree(original));
            tree.put("maxDropPoints", maxDrop);
            tree.set("warnings", Json.MAPPER.valueToTree(warnings));
            AtomicFiles.write(json, Json.write(tree));
            out.println("wrote " + json);
        }
        report.write(() -> ReportPages.accuracy(r), out);
        out.flush();
        return 0;
    }

    /** The thresholds in a row's name ({@code , threshold 0.1}), or nothing at 0. */
    private static String thresholds(RunConfig run) {
        java.util.Set<Double> distinct = new java.util.TreeSet<>(run.thresholds().values());
        distinct.add(run.threshold());
        if (distinct.size() > 1) {
            return ", per-layer thresholds";
        }
        return run.threshold() == 0 ? "" : String.format(Locale.ROOT, ", threshold %s", run.threshold());
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f %%", 100 * v);
    }
}
