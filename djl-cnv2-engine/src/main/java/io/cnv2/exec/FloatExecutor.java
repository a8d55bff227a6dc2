package io.cnv2.exec;

import io.cnv2.BadInputException;
import io.cnv2.ir.Input;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.ir.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The float reference: runs the network op by op with the ops' float (ONNX) semantics. It is
 * what the importer is checked against ONNX Runtime with, and what the quantiser profiles.
 */
public final class FloatExecutor {
    private final Network network;

    public FloatExecutor(Network network) {
        this.network = network;
    }

    /** Every tensor of the run (inputs, constants excluded, every node output), by name. */
    public Map<String, Tensor> runAll(Map<String, Tensor> inputs) {
        return execute(inputs, true);
    }

    /**
     * The network outputs for one sample. Only the live tensors are held: one no later node reads is
     * dropped after its last reader ({@link Network#lastReadBy}).
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        Map<String, Tensor> all = execute(inputs, false);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String o : network.outputs()) {
            out.put(o, all.get(o));
        }
        return out;
    }

    /** Runs every node; with {@code keepAll} every tensor is returned, else only the live ones remain. */
    private Map<String, Tensor> execute(Map<String, Tensor> inputs, boolean keepAll) {
        Map<String, Tensor> values = new LinkedHashMap<>();
        for (Input in : network.inputs()) {
            Tensor t = inputs.get(in.name());
            checkInput(in, t);
            values.put(in.name(), t);
        }
        Map<String, Tensor> lookup = new HashMap<>(network.constants());
        lookup.putAll(values);
        List<Node> nodes = network.nodes();
        for (int index = 0; index < nodes.size(); index++) {
            Node n = nodes.get(index);
            List<Tensor> args = new ArrayList<>(n.inputs().size());
            for (String i : n.inputs()) {
                args.add(lookup.get(i));
            }
            // an integer layer on the dense baseline's exact sums (IntegerLayerKernel), its literal apply's bits
            List<Tensor> out = n.op() instanceof io.cnv2.ir.QuantisedLayer q
                    ? List.of(IntegerLayerKernel.apply(n.name(), q, args, network.shape(n.output())))
                    : n.op().applyAll(args);
            for (int k = 0; k < out.size(); k++) {
                lookup.put(n.outputs().get(k), out.get(k));
                if (keepAll) {
                    values.put(n.outputs().get(k), out.get(k));
                }
            }
            if (!keepAll) {
                network.lastReadBy(index).forEach(lookup::remove);
            }
        }
        return keepAll ? values : lookup;
    }

    /** Convenience for single-input, single-output networks. */
    public Tensor run(Tensor input) {
        return run(Map.of(network.inputs().get(0).name(), input)).get(network.outputs().get(0));
    }

    static void checkInput(Input in, Tensor t) {
        if (t == null) {
            throw new BadInputException("no value given for network input '" + in.name() + "'");
        }
        if (!t.shape().equals(in.shape())) {
            throw new BadInputException("network input '" + in.name() + "' expects shape " + in.shape()
                    + ", got " + t.shape());
        }
    }
}
