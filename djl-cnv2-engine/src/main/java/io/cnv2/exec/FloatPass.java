package io.cnv2.exec;

import io.cnv2.ir.FloatReference;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The float values a run needs, from the network's float authority when it has one and it computes
 * every tensor asked for (ONNX Runtime on the original file), else from cnv2's own float execution.
 * An unrolled recurrent cell's per-step tensors, for instance, exist only in cnv2's IR: a network
 * that needs them is profiled by cnv2's own float execution.
 */
public final class FloatPass {
    private final Network network;
    private final FloatExecutor java;

    public FloatPass(Network network) {
        this.network = network;
        this.java = new FloatExecutor(network);
    }

    /** Who computes {@code wanted}: the authority's name, or "cnv2". */
    public String source(Set<String> wanted) {
        FloatReference r = authority(wanted);
        return r == null ? "cnv2" : r.name();
    }

    private FloatReference authority(Set<String> wanted) {
        FloatReference r = network.floatReference().orElse(null);
        if (r == null) {
            return null;
        }
        for (String t : wanted) {
            if (!r.computes(t)) {
                return null;
            }
        }
        return r;
    }

    /** The tensors in {@code wanted} for one sample, one at a time (see {@link FloatReference#stream}). */
    public void stream(Map<String, Tensor> inputs, Set<String> wanted,
                       java.util.function.BiConsumer<String, Tensor> each) {
        FloatReference r = authority(wanted);
        if (r != null) {
            for (var in : network.inputs()) {
                FloatExecutor.checkInput(in, inputs.get(in.name()));
            }
            r.stream(inputs, wanted, each);
            return;
        }
        run(inputs, wanted).forEach(each);
    }

    /**
     * The tensors in {@code wanted} for each of several samples, in their order: the authority's
     * batch where it runs one ({@link FloatReference#runBatch}), else sample by sample.
     */
    public List<Map<String, Tensor>> runBatch(List<Map<String, Tensor>> inputs, Set<String> wanted) {
        FloatReference r = authority(wanted);
        if (r != null) {
            for (Map<String, Tensor> sample : inputs) {
                for (var in : network.inputs()) {
                    FloatExecutor.checkInput(in, sample.get(in.name()));
                }
            }
            return r.runBatch(inputs, wanted);
        }
        List<Map<String, Tensor>> out = new ArrayList<>(inputs.size());
        for (Map<String, Tensor> sample : inputs) {
            out.add(run(sample, wanted));
        }
        return out;
    }

    /** The tensors in {@code wanted} for one sample. */
    public Map<String, Tensor> run(Map<String, Tensor> inputs, Set<String> wanted) {
        FloatReference r = authority(wanted);
        if (r != null) {
            for (var in : network.inputs()) {
                FloatExecutor.checkInput(in, inputs.get(in.name()));
            }
            return r.run(inputs, wanted);
        }
        Map<String, Tensor> all = java.runAll(inputs);
        Map<String, Tensor> out = new HashMap<>();
        for (String t : wanted) {
            out.put(t, all.get(t));
        }
        return out;
    }
}
