package io.cnv2.stats;

import io.cnv2.config.EnergyTable;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.exec.FixedExecutor;
import io.cnv2.exec.NodeStats;
import io.cnv2.exec.Placement;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.LayerStats;
import io.cnv2.hw.QLayer;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.ir.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds up per-sample node statistics into a {@link RunReport}. Only sums of integers, so the
 * result does not depend on the order images finish in (any thread count gives the same report).
 */
public final class ReportBuilder {
    private static final int FIELDS = 15;
    private final FixedExecutor exec;
    private final Map<String, long[]> sums = new LinkedHashMap<>();
    private int images;
    private int labelled;
    private int floatCorrect;
    private int fixedCorrect;
    private int agree;
    /** Samples that ran the float reference too (all of them unless the float column is off). */
    private int floatImages;
    /** Per output: max |fixed - float|, max |float|, samples compared, top-1 agreements. */
    private final Map<String, double[]> outputs = new LinkedHashMap<>();

    public ReportBuilder(FixedExecutor exec) {
        this.exec = exec;
        exec.network().nodes().forEach(n -> sums.put(n.name(), new long[FIELDS]));
        exec.network().outputs().forEach(o -> outputs.put(o, new double[4]));
    }

    /**
     * One sample's outputs on both paths (maxima and counts only, so the result does not depend on
     * the order samples arrive in).
     */
    public synchronized void compare(Map<String, Tensor> floats, Map<String, Tensor> fixeds) {
        for (var e : outputs.entrySet()) {
            Tensor f = floats.get(e.getKey());
            Tensor q = fixeds.get(e.getKey());
            if (f == null || q == null || f.data().length != q.data().length) {
                continue;
            }
            double[] a = e.getValue();
            for (int i = 0; i < f.data().length; i++) {
                a[0] = Math.max(a[0], Math.abs((double) q.data()[i] - f.data()[i]));
                a[1] = Math.max(a[1], Math.abs((double) f.data()[i]));
            }
            a[2]++;
            a[3] += io.cnv2.exec.Emulator.argmax(f) == io.cnv2.exec.Emulator.argmax(q) ? 1 : 0;
        }
    }

    /** True for a class vector: one axis of two or more values, every other axis 1. */
    static boolean classVector(io.cnv2.ir.Shape s) {
        int big = 0;
        for (int d : s.dims()) {
            big += d > 1 ? 1 : 0;
        }
        return big == 1 && s.size() >= 2;
    }

    /** One sample's statistics; {@code label} < 0 when unknown. */
    public synchronized void add(List<NodeStats> nodes, int floatClass, int fixedClass, int label) {
        images++;
        floatImages += floatClass >= 0 ? 1 : 0; // -1: no float column (--no-float)
        if (floatClass == fixedClass) {
            agree++;
        }
        if (label >= 0) {
            labelled++;
            floatCorrect += floatClass == label ? 1 : 0;
            fixedCorrect += fixedClass == label ? 1 : 0;
        }
        for (NodeStats s : nodes) {
            long[] a = sums.get(s.node());
            LayerStats h = s.hardware();
            if (h != null) {
                a[0] += h.cycles();
                a[1] += h.baselineCycles();
                a[2] += h.sbBitsRead();
                a[3] += h.nmBitsRead();
                a[4] += h.nmBitsWritten();
                a[8] += h.effectualLaneCycles();
                a[9] += h.idleLaneCycles();
                a[10] += h.inputActivations();
                a[11] += h.effectualInputs();
                a[12] += h.thresholdedInputs();
                a[13] += h.footprintBits();
                a[14] += h.rawFootprintBits();
            }
            a[5] += s.saturations();
            a[6] += s.inputZeros();
            a[7] += s.inputValues();
        }
    }

    /** Adds everything {@code other} (of the same network) has collected; sums of integers, so exact. */
    public void merge(ReportBuilder other) {
        if (other == this) {
            throw new IllegalArgumentException("a report cannot absorb itself");
        }
        synchronized (other) {
            synchronized (this) {
                images += other.images;
                labelled += other.labelled;
                floatCorrect += other.floatCorrect;
                fixedCorrect += other.fixedCorrect;
                agree += other.agree;
                floatImages += other.floatImages;
                other.sums.forEach((node, a) -> {
                    long[] mine = sums.get(node);
                    for (int i = 0; i < FIELDS; i++) {
                        mine[i] += a[i];
                    }
                });
                mergeOutputs(other.outputs);
            }
        }
    }

    /**
     * What a builder has collected, as plain data: the form in which a collection made in another
     * JVM (a Spark executor) travels back to be {@link #absorb}ed; sums of integers, so the total
     * does not depend on how the images were split.
     */
    public record Tally(int images, int labelled, int floatCorrect, int fixedCorrect, int agree,
                        Map<String, long[]> sums, Map<String, double[]> outputs, int floatImages)
            implements Serializable {
    }

    /** A copy of what this builder holds. */
    public synchronized Tally tally() {
        Map<String, long[]> copy = new LinkedHashMap<>();
        sums.forEach((node, a) -> copy.put(node, a.clone()));
        Map<String, double[]> outs = new LinkedHashMap<>();
        outputs.forEach((o, a) -> outs.put(o, a.clone()));
        return new Tally(images, labelled, floatCorrect, fixedCorrect, agree, copy, outs, floatImages);
    }

    private void mergeOutputs(Map<String, double[]> other) {
        other.forEach((o, a) -> {
            double[] mine = outputs.get(o);
            if (mine != null) {
                mine[0] = Math.max(mine[0], a[0]);
                mine[1] = Math.max(mine[1], a[1]);
                mine[2] += a[2];
                mine[3] += a[3];
            }
        });
    }

    /** Adds a {@link Tally} of the same network (collected anywhere); like {@link #merge}. */
    public synchronized void absorb(Tally t) {
        if (!t.sums().keySet().equals(sums.keySet())) {
            throw new IllegalArgumentException("a tally of another network (nodes " + t.sums().keySet() + ")");
        }
        images += t.images();
        labelled += t.labelled();
        floatCorrect += t.floatCorrect();
        fixedCorrect += t.fixedCorrect();
        agree += t.agree();
        floatImages += t.floatImages();
        t.sums().forEach((node, a) -> {
            long[] mine = sums.get(node);
            for (int i = 0; i < FIELDS; i++) {
                mine[i] += a[i];
            }
        });
        if (t.outputs() != null) {
            mergeOutputs(t.outputs());
        }
    }

    /** a / b, or NaN when b is 0 (a ratio with nothing to measure is not a number, not 0 or 1). */
    private static double ratio(long a, long b) {
        return b == 0 ? Double.NaN : (double) a / b;
    }

    /**
     * A run's figure for its mean image: {@code total / images}, 0 for a run of no image (the DJL
     * engine's {@code total()} before any prediction), where a ratio would be NaN.
     */
    private double perImage(double total) {
        return images == 0 ? 0 : total / images;
    }

    public synchronized int images() {
        return images;
    }

    public synchronized RunReport build(String model, String dataset, MachineConfig machine, RunConfig run,
                                        EnergyTable energy, Calibration calibration, List<String> extraWarnings,
                                        List<PredictionRecord> predictions) {
        Network net = exec.network();
        List<LayerReport> layers = new ArrayList<>();
        Map<String, Integer> weightFormats = new LinkedHashMap<>();
        List<String> hostFloat = new ArrayList<>();
        long[] t = new long[FIELDS];
        long macs = 0;
        long accMacs = 0;
        long lanes = machine.neuronLanes();
        for (Node n : net.nodes()) {
            long[] a = sums.get(n.name());
            for (int i = 0; i < FIELDS; i++) {
                t[i] += a[i];
            }
            Placement p = Placement.of(n);
            long m = n.op().macs(net.inputShapes(n), net.shape(n.output()));
            macs += m;
            QLayer q = exec.layers().layer(n.name());
            if (q != null) {
                accMacs += m;
                weightFormats.put(n.name(), q.integer() != null ? null : q.weightFrac());
            }
            if (p == Placement.HOST_FLOAT) {
                hostFloat.add(n.name());
            }
            String in = n.inputs().isEmpty() ? null : n.inputs().get(0);
            boolean integer = q != null && q.integer() != null;
            Integer inFrac = in == null || net.isConstant(in) || integer ? null : exec.formats().frac(in);
            double pj = energy.picojoules(a[2], a[3], a[4], machine.dataBits());
            layers.add(new LayerReport(n.name(), n.op().kind(), p.label(),
                    Arrays.stream(net.shape(n.output()).dims()).boxed().toList(), m, m * images,
                    perImage(a[0]), a[0], perImage(a[1]), a[1], a[0] == 0 ? 1.0 : (double) a[1] / a[0],
                    a[7] == 0 ? 0 : (double) a[6] / a[7], perImage(a[5]), a[5], perImage(a[2]), a[2],
                    perImage(a[3]), a[3], perImage(a[4]), a[4], inFrac, q == null || integer ? null : q.weightFrac(),
                    integer ? null : exec.formats().frac(n.output()), q == null ? null : run.thresholdOf(n.name()), perImage(a[8]), a[8],
                    perImage(a[9]), a[9], ratio(a[8], a[0] * lanes), ratio(a[1] * lanes, a[8]), ratio(a[11], a[10]),
                    ratio(a[12], a[10]), perImage(pj), pj, perImage(a[13]), a[13], ratio(a[13], a[14]),
                    integer ? q.integer().describe() : null));
        }
        double pj = energy.picojoules(t[2], t[3], t[4], machine.dataBits());
        Totals totals = new Totals(macs, macs * images, accMacs, accMacs * images, perImage(t[0]), t[0],
                perImage(t[1]), t[1], t[0] == 0 ? 1.0 : (double) t[1] / t[0], perImage(t[0]) / machine.clockMHz(),
                t[0] / machine.clockMHz(), perImage(t[2]), t[2], perImage(t[3]), t[3], perImage(t[4]), t[4],
                perImage(t[5]), t[5], perImage(t[8]), t[8], perImage(t[9]), t[9], ratio(t[8], t[0] * lanes),
                ratio(t[1] * lanes, t[8]), perImage(pj), pj, perImage(t[13]), t[13], ratio(t[13], t[14]));
        // without the float column (--no-float) the float top-1 and the agreement are unknown: NaN
        boolean floats = floatImages > 0;
        Accuracy acc = new Accuracy(labelled, labelled == 0 || !floats ? Double.NaN : (double) floatCorrect / labelled,
                labelled == 0 ? Double.NaN : (double) fixedCorrect / labelled,
                images == 0 || !floats ? Double.NaN : (double) agree / images);
        List<String> warnings = new ArrayList<>(exec.layers().warnings());
        warnings.addAll(extraWarnings);
        List<OutputReport> outs = new ArrayList<>();
        outputs.forEach((o, a) -> {
            io.cnv2.ir.Shape s = net.shape(o);
            boolean cls = classVector(s);
            outs.add(new OutputReport(o, Arrays.stream(s.dims()).boxed().toList(), (long) a[2],
                    a[2] == 0 ? Double.NaN : a[1] == 0 ? a[0] : a[0] / a[1], cls,
                    cls && a[2] > 0 ? a[3] / a[2] : Double.NaN));
        });
        return new RunReport("cnv2", model, dataset, images, machine, run, energy, calibration, weightFormats, layers,
                totals,
                acc, hostFloat, warnings, exec.layers().weightSaturations(), List.copyOf(predictions), outs);
    }
}
