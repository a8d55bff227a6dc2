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

    public ReportBuilder(FixedExecutor exec) {
        this.exec = exec;
        exec.network().nodes().forEach(n -> sums.put(n.name(), new long[FIELDS]));
    }

    /** One sample's statistics; {@code label} < 0 when unknown. */
    public synchronized void add(List<NodeStats> nodes, int floatClass, int fixedClass, int label) {
        images++;
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
                other.sums.forEach((node, a) -> {
                    long[] mine = sums.get(node);
                    for (int i = 0; i < FIELDS; i++) {
                        mine[i] += a[i];
                    }
                });
            }
        }
    }

    /**
     * What a builder has collected, as plain data: the form in which a collection made in another
     * JVM (a Spark executor) travels back to be {@link #absorb}ed; sums of integers, so the total
     * does not depend on how the images were split.
     */
    public record Tally(int images, int labelled, int floatCorrect, int fixedCorrect, int agree,
                        Map<String, long[]> sums) implements Serializable {
    }

    /** A copy of what this builder holds. */
    public synchronized Tally tally() {
        Map<String, long[]> copy = new LinkedHashMap<>();
        sums.forEach((node, a) -> copy.put(node, a.clone()));
        return new Tally(images, labelled, floatCorrect, fixedCorrect, agree, copy);
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
        t.sums().forEach((node, a) -> {
            long[] mine = sums.get(node);
            for (int i = 0; i < FIELDS; i++) {
                mine[i] += a[i];
            }
        });
    }

    /** a / b, or NaN when b is 0 (a ratio with nothing to measure is not a number, not 0 or 1). */
    private static double ratio(long a, long b) {
        return b == 0 ? Double.NaN : (double) a / b;
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
                weightFormats.put(n.name(), q.weightFrac());
            }
            if (p == Placement.HOST_FLOAT) {
                hostFloat.add(n.name());
            }
            String in = n.inputs().get(0);
            Integer inFrac = net.isConstant(in) ? null : exec.formats().frac(in);
            layers.add(new LayerReport(n.name(), n.op().kind(), p.label(),
                    Arrays.stream(net.shape(n.output()).dims()).boxed().toList(), m, a[0], a[1],
                    a[0] == 0 ? 1.0 : (double) a[1] / a[0], a[7] == 0 ? 0 : (double) a[6] / a[7], a[5], a[2], a[3],
                    a[4], inFrac, q == null ? null : q.weightFrac(), exec.formats().frac(n.output()),
                    q == null ? null : run.thresholdOf(n.name()), a[8], a[9], ratio(a[8], a[0] * lanes),
                    ratio(a[1] * lanes, a[8]), ratio(a[11], a[10]), ratio(a[12], a[10]),
                    energy.picojoules(a[2], a[3], a[4], machine.dataBits()), a[13], ratio(a[13], a[14])));
        }
        double perImage = images == 0 ? 0 : (double) t[0] / images;
        Totals totals = new Totals(macs, accMacs, t[0], t[1], t[0] == 0 ? 1.0 : (double) t[1] / t[0], perImage,
                perImage / machine.clockMHz(), t[2], t[3], t[4], t[5], t[8], t[9], ratio(t[8], t[0] * lanes),
                ratio(t[1] * lanes, t[8]), energy.picojoules(t[2], t[3], t[4], machine.dataBits()), t[13],
                ratio(t[13], t[14]));
        Accuracy acc = new Accuracy(labelled, labelled == 0 ? Double.NaN : (double) floatCorrect / labelled,
                labelled == 0 ? Double.NaN : (double) fixedCorrect / labelled,
                images == 0 ? Double.NaN : (double) agree / images);
        List<String> warnings = new ArrayList<>(exec.layers().warnings());
        warnings.addAll(extraWarnings);
        return new RunReport("cnv2", model, dataset, images, machine, run, energy, calibration, weightFormats, layers,
                totals,
                acc, hostFloat, warnings, exec.layers().weightSaturations(), List.copyOf(predictions));
    }
}
