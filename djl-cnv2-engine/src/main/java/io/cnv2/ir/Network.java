package io.cnv2.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The network IR: inputs, nodes in topological order, named constants, outputs, and the shape
 * of every tensor, checked at construction. Immutable; passes such as
 * {@link #foldBatchNorm()} return a new network.
 */
public final class Network {
    private final String name;
    private final List<Input> inputs;
    private final List<Node> nodes;
    private final Map<String, Tensor> constants;
    private final List<String> outputs;
    private final Map<String, Shape> shapes;
    private final FloatReference reference;

    private Network(String name, List<Input> inputs, List<Node> nodes, Map<String, Tensor> constants,
                    List<String> outputs, Map<String, Shape> shapes, FloatReference reference) {
        this.reference = reference;
        this.name = name;
        this.inputs = List.copyOf(inputs);
        this.nodes = List.copyOf(nodes);
        this.constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants));
        this.outputs = List.copyOf(outputs);
        this.shapes = Collections.unmodifiableMap(shapes);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    /**
     * The runtime that computes this network's float values with authority (ONNX Runtime on the
     * original file), if the importer attached one; empty for networks only cnv2 runs.
     */
    public java.util.Optional<FloatReference> floatReference() {
        return java.util.Optional.ofNullable(reference);
    }

    /** This network with {@code r} as its float authority (same nodes, same tensors). */
    public Network withFloatReference(FloatReference r) {
        return new Network(name, inputs, nodes, constants, outputs, shapes, r);
    }

    public List<Input> inputs() {
        return inputs;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Map<String, Tensor> constants() {
        return constants;
    }

    public List<String> outputs() {
        return outputs;
    }

    public Shape shape(String tensor) {
        Shape s = shapes.get(tensor);
        if (s == null) {
            throw new IrException("no tensor named '" + tensor + "' in network '" + name + "'");
        }
        return s;
    }

    public boolean isConstant(String tensor) {
        return constants.containsKey(tensor);
    }

    public List<Shape> inputShapes(Node n) {
        return n.inputs().stream().map(this::shape).toList();
    }

    /** Per node index, the tensors whose last reader it is (network outputs and constants never). */
    private volatile List<List<String>> lastReads;

    /**
     * The computed tensors (and inputs) that node {@code index} is the last to read: an executor that
     * does not keep every tensor drops these after the node, so a sample holds its live tensors only.
     */
    public List<String> lastReadBy(int index) {
        List<List<String>> l = lastReads;
        if (l == null) {
            Map<String, Integer> last = new java.util.HashMap<>();
            for (int i = 0; i < nodes.size(); i++) {
                for (String in : nodes.get(i).inputs()) {
                    last.put(in, i);
                }
            }
            List<List<String>> byNode = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                byNode.add(new ArrayList<>());
            }
            java.util.Set<String> kept = new java.util.HashSet<>(outputs);
            last.forEach((t, i) -> {
                if (!kept.contains(t) && !constants.containsKey(t)) {
                    byNode.get(i).add(t);
                }
            });
            l = byNode.stream().map(List::copyOf).toList();
            lastReads = l;
        }
        return l.get(index);
    }

    /** Nodes that read {@code tensor}. */
    public List<Node> consumers(String tensor) {
        return nodes.stream().filter(n -> n.inputs().contains(tensor)).toList();
    }

    public Node node(String nodeName) {
        return nodes.stream().filter(n -> n.name().equals(nodeName)).findFirst()
                .orElseThrow(() -> new IrException("no node named '" + nodeName + "' in network '" + name + "'"));
    }

    /** Conv and fully connected nodes, the layers the accelerator runs. */
    public List<Node> acceleratorLayers() {
        return nodes.stream().filter(Node::isAcceleratorLayer).toList();
    }

    /**
     * Folds every BatchNorm whose input comes from a Conv read by nothing else into that Conv's
     * weights and bias, in float, before quantisation (CNV2-MODEL.md section 2). The folded conv
     * keeps its node name and produces the BatchNorm's output tensor.
     */
    public Network foldBatchNorm() {
        Map<String, Node> producers = new HashMap<>();
        for (Node n : nodes) {
            n.outputs().forEach(o -> producers.put(o, n));
        }
        Set<String> removed = new HashSet<>();
        Map<String, Node> replaced = new HashMap<>();
        for (Node n : nodes) {
            if (!(n.op() instanceof BatchNorm bn)) {
                continue;
            }
            Node p = producers.get(n.inputs().get(0));
            if (p == null || !(p.op() instanceof Conv conv) || consumers(p.output()).size() != 1
                    || outputs.contains(p.output()) || replaced.containsKey(p.name())) {
                continue;
            }
            float[] m = bn.multiplier();
            Tensor w = conv.weight();
            int k = conv.filters();
            int per = w.shape().size() / k;
            float[] nw = new float[w.data().length];
            float[] nb = new float[k];
            for (int f = 0; f < k; f++) {
                for (int i = 0; i < per; i++) {
                    nw[f * per + i] = w.data()[f * per + i] * m[f];
                }
                // (b - mean) * m + beta in float32, the exporter's order (see BatchNorm.multiplier)
                float b0 = conv.bias() == null ? 0f : conv.bias().data()[f];
                nb[f] = (b0 - bn.mean().data()[f]) * m[f] + bn.bias().data()[f];
            }
            Conv folded = conv.withWeights(new Tensor(w.shape(), nw), new Tensor(Shape.of(k), nb));
            replaced.put(p.name(), new Node(p.name(), folded, p.inputs(), n.output()));
            removed.add(n.name());
        }
        if (removed.isEmpty()) {
            return this;
        }
        // folding rounds differently in float32, but computes the same network: the authority stays
        Builder b = builder(name);
        inputs.forEach(i -> b.input(i.name(), i.shape()));
        constants.forEach(b::constant);
        for (Node n : nodes) {
            if (!removed.contains(n.name())) {
                b.node(replaced.getOrDefault(n.name(), n));
            }
        }
        outputs.forEach(b::output);
        return b.build().withFloatReference(reference);
    }

    /** Builds a network, sorting nodes topologically and checking every shape. */
    public static final class Builder {
        private final String name;
        private final List<Input> inputs = new ArrayList<>();
        private final List<Node> nodes = new ArrayList<>();
        private final Map<String, Tensor> constants = new LinkedHashMap<>();
        private final List<String> outputs = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        public Builder input(String tensor, Shape shape) {
            inputs.add(new Input(tensor, shape));
            return this;
        }

        public Builder constant(String tensor, Tensor value) {
            constants.put(tensor, value);
            return this;
        }

        public Builder node(Node n) {
            nodes.add(n);
            return this;
        }

        public Builder node(String nodeName, Op op, List<String> in, String out) {
            return node(new Node(nodeName, op, in, out));
        }

        public Builder output(String tensor) {
            outputs.add(tensor);
            return this;
        }

        public Network build() {
            if (nodes.size() > io.cnv2.Limits.MAX_NODES) {
                throw new IrException("network '" + name + "' has " + nodes.size() + " nodes, more than the "
                        + io.cnv2.Limits.MAX_NODES + " cnv2 takes");
            }
            Map<String, Shape> shapes = new HashMap<>();
            for (Input i : inputs) {
                checkLimits("input '" + i.name() + "'", i.shape());
                if (shapes.put(i.name(), i.shape()) != null) {
                    throw new IrException("input '" + i.name() + "' is declared twice");
                }
            }
            constants.forEach((k, v) -> shapes.put(k, v.shape()));
            List<Node> sorted = topologicalOrder(shapes.keySet());
            Set<String> nodeNames = new HashSet<>();
            for (Node n : sorted) {
                if (!nodeNames.add(n.name())) {
                    throw IrException.at(n.name(), "node name used twice");
                }
                int arity = n.op().arity();
                if (arity >= 0 ? n.inputs().size() != arity : n.inputs().isEmpty()) {
                    throw IrException.at(n.name(), n.op().kind() + " takes " + (arity < 0 ? "at least 1" : arity)
                            + " inputs, got " + n.inputs().size());
                }
                List<Shape> in = n.inputs().stream().map(shapes::get).toList();
                List<Shape> out;
                try {
                    out = n.op().inferShapes(n.name(), in);
                } catch (IllegalArgumentException | ArithmeticException e) {
                    throw IrException.at(n.name(), e.getMessage());
                }
                if (out.size() != n.outputs().size()) {
                    throw IrException.at(n.name(), n.op().kind() + " makes " + out.size() + " tensors, the node names "
                            + n.outputs().size());
                }
                for (int k = 0; k < out.size(); k++) {
                    checkLimits("node '" + n.name() + "' output", out.get(k));
                    if (shapes.put(n.outputs().get(k), out.get(k)) != null) {
                        throw IrException.at(n.name(), "output tensor '" + n.outputs().get(k) + "' is produced twice");
                    }
                }
            }
            if (outputs.isEmpty()) {
                throw new IrException("network '" + name + "' has no outputs");
            }
            for (String o : outputs) {
                if (!shapes.containsKey(o)) {
                    throw new IrException("network output '" + o + "' is produced by no node");
                }
            }
            return new Network(name, inputs, sorted, constants, outputs, shapes, null);
        }

        /** Rank and element limits of every tensor (docs/LIMITS.md). */
        private static void checkLimits(String what, Shape s) {
            if (s.rank() > io.cnv2.Limits.MAX_RANK) {
                throw new IrException(what + " has rank " + s.rank() + ", above the limit of "
                        + io.cnv2.Limits.MAX_RANK);
            }
            long n = 1;
            for (int d : s.dims()) {
                n *= d;
                if (n > io.cnv2.Limits.MAX_TENSOR_ELEMENTS) {
                    throw new IrException(what + " " + s + " has more than " + io.cnv2.Limits.MAX_TENSOR_ELEMENTS
                            + " elements (the limit of one tensor)");
                }
            }
        }

        private List<Node> topologicalOrder(Set<String> available) {
            Set<String> have = new HashSet<>(available);
            Set<String> produced = new HashSet<>();
            for (Node n : nodes) {
                produced.addAll(n.outputs());
            }
            List<Node> pending = new ArrayList<>(nodes);
            List<Node> order = new ArrayList<>();
            while (!pending.isEmpty()) {
                boolean progress = false;
                for (var it = pending.iterator(); it.hasNext(); ) {
                    Node n = it.next();
                    if (have.containsAll(n.inputs())) {
                        order.add(n);
                        have.addAll(n.outputs());
                        it.remove();
                        progress = true;
                    }
                }
                if (!progress) {
                    Node n = pending.get(0);
                    String missing = n.inputs().stream().filter(i -> !have.contains(i)).findFirst().orElse("?");
                    throw IrException.at(n.name(), produced.contains(missing)
                            ? "input '" + missing + "' is part of a cycle"
                            : "input '" + missing + "' is not a graph input, a constant or any node's output");
                }
            }
            return order;
        }
    }
}
