package io.cnv2.accuracy;

import io.cnv2.data.Sample;
import io.cnv2.exec.Emulator;
import io.cnv2.ir.Tensor;
import io.cnv2.stats.RunReport;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Top-1 and top-5 of the float reference, of dense 16-bit fixed point (DaDianNao) and of the
 * emulator's accelerator on the same images, with the accelerator's speedup: the library side of
 * {@code cnv2 accuracy}. When the run skips exact zeros only (every threshold 0) the
 * accelerator's outputs are the dense ones bit for bit (CNV2-MODEL.md section 2, rule 7, held by
 * the tests), so the dense pass is not run twice.
 */
public final class AccuracyRun {
    private AccuracyRun() {
    }

    /** Top-1 and top-5 of one path over the labelled images (NaN when none is labelled). */
    public record TopK(double top1, double top5) {
    }

    /**
     * The outcome.
     *
     * @param denseReused true when the accelerator's outputs stood for the dense ones (every threshold 0)
     * @param speedup     the accelerator's speedup over DaDianNao; NaN when measured without statistics
     * @param seconds     wall time of the emulation
     * @param report      the accelerator's run report (per-layer statistics, configuration); null when
     *                    measured without statistics
     */
    public record Result(String model, String dataset, int images, String arch, TopK floatReference,
                         TopK denseFixed, TopK accelerator, double speedup, boolean denseReused, double seconds,
                         RunReport report) {
    }

    /** The passes {@link #measure} makes over the images (for a progress bar's total). */
    public static int passes(Emulator emulator) {
        return reusesDense(emulator) ? 1 : 2;
    }

    /** Runs the images; {@code progress} (may be null) hears every image finished, over all passes. */
    public static Result measure(Emulator emulator, List<Sample> samples, String model, String dataset,
                                 IntConsumer progress) {
        return measure(emulator, samples, model, dataset, progress, true);
    }

    /**
     * {@link #measure}; without {@code statistics} (a run that shows top-1 and top-5 only) the
     * accelerator is not timed: its outputs come by rule 7 ({@link Emulator#predict}), the same bits,
     * so every top-1 and top-5 is the same, and the result has no report and a NaN speedup.
     */
    public static Result measure(Emulator emulator, List<Sample> samples, String model, String dataset,
                                 IntConsumer progress, boolean statistics) {
        boolean reuse = reusesDense(emulator);
        long t0 = System.nanoTime();
        Emulator.Evaluation arch = statistics ? emulator.evaluate(samples, model, dataset, progress)
                : new Emulator.Evaluation(emulator.predict(samples, progress, null), null);
        List<Tensor> fixed = arch.predictions().stream().map(Emulator.Prediction::fixedOutput).toList();
        List<Tensor> dense = fixed;
        if (!reuse) {
            dense = emulator.with(emulator.run().withArch("dadn")).fixedOutputs(samples,
                    progress == null ? null : n -> progress.accept(samples.size() + n));
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        List<Integer> labels = arch.predictions().stream().map(Emulator.Prediction::label).toList();
        List<Tensor> floats = arch.predictions().stream().map(Emulator.Prediction::floatOutput).toList();
        return new Result(model, dataset, samples.size(), emulator.run().arch(), topK(labels, floats),
                topK(labels, dense), topK(labels, fixed), arch.report() == null ? Double.NaN
                        : arch.report().totals().speedup(), reuse, secs,
                arch.report());
    }

    /** True when the accelerator's outputs stand for the dense ones (arch dadn, or every threshold 0). */
    public static boolean reusesDense(Emulator e) {
        return e.run().arch().equals("dadn")
                || e.run().threshold() == 0 && e.run().thresholds().values().stream().allMatch(t -> t == 0);
    }

    /** Top-1 and top-5 of {@code outputs} over the samples whose label is known ({@code labels[i] >= 0}). */
    public static TopK topK(List<Integer> labels, List<Tensor> outputs) {
        int[] ranks = new int[labels.size()];
        for (int i = 0; i < ranks.length; i++) {
            ranks[i] = labels.get(i) < 0 ? -1 : rank(outputs.get(i).data(), labels.get(i));
        }
        return topK(ranks);
    }

    /**
     * Top-1 and top-5 from each sample's {@link #rank} of its label ({@code -1} when unlabelled):
     * what a run whose outputs stay where they were computed (a Spark executor) sends back.
     */
    public static TopK topK(int[] ranks) {
        int labelled = 0;
        int top1 = 0;
        int top5 = 0;
        for (int rank : ranks) {
            if (rank < 0) {
                continue;
            }
            labelled++;
            top1 += rank == 0 ? 1 : 0;
            top5 += rank < 5 ? 1 : 0;
        }
        return labelled == 0 ? new TopK(Double.NaN, Double.NaN) : new TopK((double) top1 / labelled,
                (double) top5 / labelled);
    }

    /** How many classes score above the label (ties before the label count, as in argmax's first-wins rule). */
    public static int rank(float[] scores, int label) {
        int above = 0;
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] > scores[label] || scores[i] == scores[label] && i < label) {
                above++;
            }
        }
        return above;
    }
}
