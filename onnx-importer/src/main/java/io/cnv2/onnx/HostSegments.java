package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.cnv2.BadInputException;
import io.cnv2.ir.HostGraph;
import io.cnv2.ir.Node;
import io.cnv2.ir.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Groups the ONNX nodes placed on the host in float into as few ONNX Runtime sessions as the
 * graph allows, and makes one {@link HostGraph} IR node of each group.
 *
 * <p>The rule: a node's depth is the largest, over its producers, of the producer's depth plus one
 * when the two sit on different sides (host float vs. cnv2's IR). Depth never falls along a path and
 * rises each time a path crosses sides, so the host nodes of one depth form a set that no path
 * leaves and re-enters: each such set is one sub-model, run by one session, without cycles through
 * the accelerator. Consecutive host nodes therefore share a session however the graph branches.
 */
final class HostSegments {
    /** What the translator knows about the graph, as the segmenter needs it. */
    interface Graph {
        List<NodeProto> nodes();

        boolean onHost(int node);

        /** True for nodes cnv2's IR runs (accelerator or fixed-point host); false for folded and aliased ones. */
        boolean inIr(int node);

        String nodeName(int node);

        /** The tensor cnv2 holds for an ONNX name (through Identity, Dropout and float Casts). */
        String resolve(String tensor);

        /** The constant's TensorProto when {@code tensor} is known at import, else null. */
        TensorProto constant(String tensor);

        TypeProbe.ValueType type(String tensor);

        Set<String> graphOutputs();
    }

    private HostSegments() {
    }

    static List<Node> build(String file, ModelProto model, Graph g) {
        List<NodeProto> nodes = g.nodes();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String o : nodes.get(i).getOutputList()) {
                if (!o.isEmpty()) {
                    producer.putIfAbsent(o, i);
                }
            }
        }
        int[] depth = new int[nodes.size()];
        TreeMap<Integer, List<Integer>> byDepth = new TreeMap<>();
        // who reads a (resolved) tensor, among nodes that run
        Map<String, Set<Integer>> readers = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            boolean host = g.onHost(i);
            if (!host && !g.inIr(i)) {
                continue;
            }
            int d = 0;
            for (String r : OnnxGraphs.references(nodes.get(i))) {
                String rr = g.resolve(r);
                readers.computeIfAbsent(rr, k -> new HashSet<>()).add(i);
                Integer p = producer.get(rr);
                if (p != null && p != i && (g.onHost(p) || g.inIr(p))) {
                    d = Math.max(d, depth[p] + (g.onHost(p) != host ? 1 : 0));
                }
            }
            depth[i] = d;
            if (host) {
                byDepth.computeIfAbsent(d, k -> new ArrayList<>()).add(i);
            }
        }
        Set<String> outs = new HashSet<>();
        g.graphOutputs().forEach(o -> outs.add(g.resolve(o)));
        List<Node> result = new ArrayList<>();
        for (List<Integer> members : byDepth.values()) {
            Node n = segment(file, model, g, members, readers, outs);
            if (n != null) {
                result.add(n);
            }
        }
        return result;
    }

    private static Node segment(String file, ModelProto model, Graph g, List<Integer> members,
                                Map<String, Set<Integer>> readers, Set<String> graphOutputs) {
        List<NodeProto> nodes = g.nodes();
        Set<Integer> inside = new HashSet<>(members);
        Set<String> produced = new LinkedHashSet<>();
        for (int i : members) {
            nodes.get(i).getOutputList().stream().filter(o -> !o.isEmpty()).forEach(produced::add);
        }
        GraphProto.Builder sub = GraphProto.newBuilder().setName("cnv2_host_" + g.nodeName(members.get(0)));
        Map<String, String> inputs = new LinkedHashMap<>(); // name inside -> cnv2 tensor
        Set<String> initialisers = new HashSet<>();
        List<String> opTypes = new ArrayList<>();
        long macs = 0;
        for (int i : members) {
            NodeProto n = nodes.get(i);
            sub.addNode(n);
            opTypes.add(n.getOpType());
            macs += HostMacs.of(n, g::type);
            for (String r : OnnxGraphs.references(n)) {
                if (produced.contains(r) || inputs.containsKey(r) || initialisers.contains(r)) {
                    continue;
                }
                String rr = g.resolve(r);
                TensorProto c = g.constant(rr);
                if (c != null) {
                    sub.addInitializer(c.toBuilder().setName(r));
                    initialisers.add(r);
                } else if (produced.contains(rr)) {
                    sub.addNode(NodeProto.newBuilder().setOpType("Identity").addInput(rr).addOutput(r)
                            .setName(r + "/cnv2_alias"));
                    initialisers.add(r);
                } else {
                    inputs.put(r, rr);
                }
            }
        }
        List<String> outputs = new ArrayList<>();
        for (String o : produced) {
            Set<Integer> who = readers.getOrDefault(o, Set.of());
            boolean outside = graphOutputs.contains(o) || who.stream().anyMatch(j -> !inside.contains(j));
            if (outside) {
                outputs.add(o);
            }
        }
        if (outputs.isEmpty()) {
            return null; // nothing outside reads it: dead code
        }
        String what = "model file " + file + ": host nodes " + describe(g, members);
        int[] types = new int[inputs.size()];
        int k = 0;
        for (String r : inputs.keySet()) {
            TypeProbe.ValueType t = g.type(r);
            if (t == null || !OrtTensors.feedable(t.elemType())) {
                throw new BadInputException(what + ": tensor '" + r + "' is "
                        + (t == null ? "not a tensor" : "of element type " + OrtTensors.typeName(t.elemType()))
                        + ", which cnv2 cannot hand between host segments");
            }
            types[k++] = t.elemType();
            sub.addInput(valueInfo(r, t));
        }
        List<Shape> shapes = new ArrayList<>();
        List<Boolean> dynamic = new ArrayList<>();
        for (String o : outputs) {
            TypeProbe.ValueType t = g.type(o);
            if (t != null && t.dataDependent()) {
                for (int j : readers.getOrDefault(o, Set.of())) {
                    if (!inside.contains(j) && g.inIr(j)) {
                        throw new BadInputException(what + ": output '" + o + "' has a shape that depends on the "
                                + "input values, and node '" + g.nodeName(j) + "' that cnv2 runs reads it");
                    }
                }
            }
            dynamic.add(t != null && t.dataDependent());
            if (t == null || !t.known() || !OrtTensors.carried(t.elemType())) {
                throw new BadInputException(what + ": output '" + o + "' has "
                        + (t == null ? "no tensor type ONNX Runtime could infer" : !t.known()
                        ? "a shape ONNX Runtime could not infer (" + java.util.Arrays.toString(t.dims()) + ")"
                        : "element type " + OrtTensors.typeName(t.elemType())));
            }
            shapes.add(t.shape());
            sub.addOutput(ValueInfoProto.newBuilder().setName(o));
        }
        ModelProto m = ModelProto.newBuilder().setIrVersion(model.getIrVersion())
                .addAllOpsetImport(model.getOpsetImportList()).addAllFunctions(model.getFunctionsList())
                .setProducerName("cnv2").setGraph(sub).build();
        if (System.getProperty("cnv2.debug.segments") != null) {
            try {
                java.nio.file.Files.write(java.nio.file.Path.of(System.getProperty("cnv2.debug.segments"),
                        "segment-" + Math.abs(sub.getName().hashCode()) + ".onnx"), m.toByteArray());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        OrtHost host = new OrtHost(m.toByteArray(), List.copyOf(inputs.keySet()), types, outputs, what);
        String name = members.size() == 1 ? g.nodeName(members.get(0))
                : g.nodeName(members.get(0)) + "..+" + (members.size() - 1);
        HostGraph op = new HostGraph(opTypes, inputs.size(), shapes, macs, OrtHost.RUNTIME, host, dynamic);
        return new Node(name, op, List.copyOf(inputs.values()), outputs);
    }

    private static String describe(Graph g, List<Integer> members) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < Math.min(4, members.size()); i++) {
            names.add("'" + g.nodeName(members.get(i)) + "'");
        }
        return String.join(", ", names) + (members.size() > 4 ? " and " + (members.size() - 4) + " more" : "");
    }

    static ValueInfoProto valueInfo(String name, TypeProbe.ValueType t) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : t.dims()) {
            // an unknown dimension stays unnamed: one shared name would tell ONNX Runtime they are equal
            s.addDim(d >= 0 ? TensorShapeProto.Dimension.newBuilder().setDimValue(d)
                    : TensorShapeProto.Dimension.newBuilder());
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(t.elemType()).setShape(s))).build();
    }
}
