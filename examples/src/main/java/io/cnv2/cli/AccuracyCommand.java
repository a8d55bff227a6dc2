package io.cnv2.cli;

import io.cnv2.AtomicFiles;
import io.cnv2.config.Json;
import io.cnv2.config.RunConfig;
import io.cnv2.data.Sample;
import io.cnv2.exec.Emulator;
import io.cnv2.ir.Tensor;
import io.cnv2.stats.RunReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
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

    @Option(names = "--json", paramLabel = "OUT", description = "Write the result (and the accelerator's report) as JSON.")
    Path json;

    /** Top-1 and top-5 of one path over the labelled images. */
    record TopK(double top1, double top5) {
    }

    /** The result of {@code cnv2 accuracy}. */
    record Result(String model, String dataset, int images, String arch, TopK floatReference, TopK denseFixed,
                  TopK accelerator, double speedup, boolean denseReused, double seconds, RunReport report) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (json != null) {
            AtomicFiles.checkWritable(json, "--json");
        }
        SessionOptions.Session s = session.open();
        RunConfig run = s.emulator().run();
        boolean zerosOnly = run.threshold() == 0 && run.thresholds().values().stream().allMatch(t -> t == 0);
        boolean reuse = run.arch().equals("dadn") || zerosOnly;
        List<Sample> samples = s.samples();
        int passes = reuse ? 1 : 2;
        Progress bar = progress.bar(spec.commandLine().getErr(), passes * samples.size(), "accuracy");
        long t0 = System.nanoTime();
        Emulator.Evaluation arch = s.emulator().evaluate(samples, s.modelName(), s.datasetName(), bar);
        List<Tensor> dense = arch.predictions().stream().map(Emulator.Prediction::fixedOutput).toList();
        if (!reuse) {
            Emulator d = Emulator.of(s.net(), s.machine(), run.withArch("dadn"), s.emulator().calibration(),
                    s.energy());
            dense = d.fixedOutputs(samples, n -> bar.accept(samples.size() + n));
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        List<Tensor> floats = arch.predictions().stream().map(Emulator.Prediction::floatOutput).toList();
        List<Tensor> fixed = arch.predictions().stream().map(Emulator.Prediction::fixedOutput).toList();
        Result r = new Result(s.modelName(), s.datasetName(), samples.size(), run.arch(), topK(samples, floats),
                topK(samples, dense), topK(samples, fixed), arch.report().totals().speedup(), reuse, secs,
                arch.report());
        out.printf("cnv2 accuracy: model %s, %d image(s) of %s, arch %s, %d thread(s)%n", s.modelName(),
                samples.size(), s.datasetName(), run.arch(), run.effectiveThreads());
        Table t = new Table("path", "top-1", "top-5").alignRight(1, 2);
        t.row("float reference", pct(r.floatReference().top1()), pct(r.floatReference().top5()));
        t.row("16-bit fixed point, dense (DaDianNao)", pct(r.denseFixed().top1()), pct(r.denseFixed().top5()));
        t.row("16-bit fixed point, " + run.arch(), pct(r.accelerator().top1()), pct(r.accelerator().top5()));
        out.print(t.render());
        out.printf(Locale.ROOT, "speedup of %s over DaDianNao: %.2f%s%n", run.arch(), r.speedup(),
                reuse && !run.arch().equals("dadn") ? " (every threshold 0: its outputs are the dense ones, bit for bit)"
                        : "");
        out.printf(Locale.ROOT, "time: %.1f s for %d images (%.0f images/s%s)%n", secs, samples.size(),
                samples.size() / secs, reuse ? "" : ", a dense fixed-point pass included");
        if (json != null) {
            AtomicFiles.write(json, Json.write(r));
            out.println("wrote " + json);
        }
        out.flush();
        return 0;
    }

    /** Top-1 and top-5 of {@code outputs} (one per sample, in order) over the labelled samples. */
    static TopK topK(List<Sample> samples, List<Tensor> outputs) {
        int labelled = 0;
        int top1 = 0;
        int top5 = 0;
        for (int i = 0; i < samples.size(); i++) {
            int label = samples.get(i).label();
            if (label < 0) {
                continue;
            }
            labelled++;
            int rank = rank(outputs.get(i).data(), label);
            top1 += rank == 0 ? 1 : 0;
            top5 += rank < 5 ? 1 : 0;
        }
        return labelled == 0 ? new TopK(Double.NaN, Double.NaN) : new TopK((double) top1 / labelled,
                (double) top5 / labelled);
    }

    /** How many classes score above the label (ties before the label count, as in argmax's first-wins rule). */
    static int rank(float[] scores, int label) {
        int above = 0;
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] > scores[label] || scores[i] == scores[label] && i < label) {
                above++;
            }
        }
        return above;
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f %%", 100 * v);
    }
}
