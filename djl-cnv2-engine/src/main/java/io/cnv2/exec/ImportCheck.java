package io.cnv2.exec;

import io.cnv2.fixed.Calibration;
import io.cnv2.fixed.QTensor;
import io.cnv2.hw.Accelerators;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.ir.FloatReference;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.ir.Tensor;
import io.cnv2.stats.CheckReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code cnv2 check} measures (see {@link CheckReport}): per sample, cnv2's float execution and
 * its 16-bit emulation against the network's float authority, tensor by tensor. The authority is
 * asked for the tensors in groups of at most {@value #GROUP_ELEMENTS} values, so a large network's
 * intermediate tensors never all sit in memory at once.
 */
public final class ImportCheck {
    static final long GROUP_ELEMENTS = 1L << 26;

    private ImportCheck() {
    }

    public static CheckReport run(Network net, Calibration calibration, List<Map<String, Tensor>> samples,
                                  String model, String inputs) {
        FloatReference authority = net.floatReference().orElseThrow(() -> new io.cnv2.BadInputException(
                "model " + model + " has no float authority to check against (cnv2 checks ONNX models against ONNX "
                        + "Runtime)"));
        FloatExecutor floats = new FloatExecutor(net);
        FixedExecutor fixed = new FixedExecutor(net, calibration,
                Accelerators.create(RunConfig.DEFAULT.withArch("dadn"), MachineConfig.DEFAULT),
                MachineConfig.DEFAULT.accumulatorBits());
        Map<String, Node> producer = new LinkedHashMap<>();
        for (Node n : net.nodes()) {
            n.outputs().forEach(o -> producer.put(o, n));
        }
        // the tensors both sides hold, in network order, grouped for the authority
        List<List<String>> groups = new ArrayList<>();
        List<String> group = new ArrayList<>();
        long size = 0;
        for (String t : producer.keySet()) {
            if (!authority.computes(t)) {
                continue;
            }
            long n = net.shape(t).size();
            if (!group.isEmpty() && size + n > GROUP_ELEMENTS) {
                groups.add(group);
                group = new ArrayList<>();
                size = 0;
            }
            group.add(t);
            size += n;
        }
        if (!group.isEmpty()) {
            groups.add(group);
        }
        Map<String, double[]> err = new LinkedHashMap<>(); // max|float diff|, max|ref|, max|fixed diff|
        boolean quantised = net.nodes().stream().anyMatch(n -> n.op() instanceof io.cnv2.ir.QuantisedLayer);
        for (Map<String, Tensor> in : samples) {
            Map<String, Tensor> ours = floats.runAll(in);
            FixedExecutor.Result fr = fixed.run(in, true);
            for (List<String> g : groups) {
                Set<String> wanted = new LinkedHashSet<>(g);
                authority.stream(in, wanted, (name, ref) -> {
                    double[] e = err.computeIfAbsent(name, k -> new double[3]);
                    Tensor mine = ours.get(name);
                    // the network's outputs as the emulation hands them over (float from a host-float node)
                    Tensor fx = fr.onnxValue(name, quantised);
                    for (int i = 0; i < ref.data().length; i++) {
                        double r = ref.data()[i];
                        e[1] = Math.max(e[1], Math.abs(r));
                        if (mine != null && mine.data().length == ref.data().length) {
                            e[0] = Math.max(e[0], Math.abs(mine.data()[i] - r));
                        } else {
                            e[0] = Double.POSITIVE_INFINITY;
                        }
                        if (fx != null && fx.data().length == ref.data().length) {
                            e[2] = Math.max(e[2], Math.abs(fx.data()[i] - r));
                        }
                    }
                });
            }
        }
        List<CheckReport.Entry> outs = new ArrayList<>();
        List<CheckReport.Entry> tensors = new ArrayList<>();
        err.forEach((name, e) -> {
            Node n = producer.get(name);
            CheckReport.Entry entry = new CheckReport.Entry(name, Arrays.stream(net.shape(name).dims()).boxed().toList(),
                    Placement.of(n).label(), n.op().kind(), ratio(e[0], e[1]), ratio(e[2], e[1]));
            (net.outputs().contains(name) ? outs : tensors).add(entry);
        });
        return new CheckReport(model, authority.name(), inputs, samples.size(), outs, tensors, places(net));
    }

    private static double ratio(double diff, double max) {
        return diff == 0 ? 0 : max == 0 ? Double.POSITIVE_INFINITY : diff / max;
    }

    /** Nodes and MAC shares per place. */
    public static List<CheckReport.Place> places(Network net) {
        Map<Placement, long[]> p = new EnumMap<>(Placement.class);
        long all = 0;
        for (Node n : net.nodes()) {
            long m = n.op().macs(net.inputShapes(n), net.shape(n.output()));
            long[] a = p.computeIfAbsent(Placement.of(n), k -> new long[2]);
            a[0]++;
            a[1] += m;
            all += m;
        }
        List<CheckReport.Place> out = new ArrayList<>();
        for (Placement pl : Placement.values()) {
            long[] a = p.getOrDefault(pl, new long[2]);
            out.add(new CheckReport.Place(pl.label(), (int) a[0], a[1], all == 0 ? 0 : (double) a[1] / all));
        }
        return out;
    }

}
