package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.cnv2.BadInputException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/** Graph-level facts of an ONNX graph: what a node reads, and its nodes in an order that respects them. */
final class OnnxGraphs {
    private OnnxGraphs() {
    }

    /**
     * The tensors a node reads: its non-empty inputs and, for control flow (If, Loop, Scan), the
     * outer-scope tensors its subgraphs name without defining them (ONNX IR: "names in a subgraph
     * may refer to values of an enclosing scope").
     */
    static Set<String> references(NodeProto n) {
        Set<String> r = new LinkedHashSet<>();
        for (String i : n.getInputList()) {
            if (!i.isEmpty()) {
                r.add(i);
            }
        }
        for (AttributeProto a : n.getAttributeList()) {
            if (a.hasG()) {
                r.addAll(outerReferences(a.getG()));
            }
            for (GraphProto g : a.getGraphsList()) {
                r.addAll(outerReferences(g));
            }
        }
        return r;
    }

    private static Set<String> outerReferences(GraphProto g) {
        Set<String> defined = new HashSet<>();
        g.getInputList().forEach(v -> defined.add(v.getName()));
        g.getInitializerList().forEach(t -> defined.add(t.getName()));
        for (NodeProto n : g.getNodeList()) {
            defined.addAll(n.getOutputList());
        }
        Set<String> outer = new LinkedHashSet<>();
        for (NodeProto n : g.getNodeList()) {
            for (String r : references(n)) {
                if (!defined.contains(r)) {
                    outer.add(r);
                }
            }
        }
        for (ValueInfoProto o : g.getOutputList()) {
            if (!defined.contains(o.getName())) {
                outer.add(o.getName());
            }
        }
        return outer;
    }

    /**
     * The graph's nodes in topological order, keeping file order wherever the file already
     * respects it. ONNX requires sorted graphs, but ONNX Runtime sorts what it is given, and files
     * written by hand or by other tools sometimes are not sorted. A cycle is an error naming a node on it.
     */
    static List<NodeProto> topologicalOrder(GraphProto g, String file) {
        List<NodeProto> nodes = g.getNodeList();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String o : nodes.get(i).getOutputList()) {
                if (!o.isEmpty()) {
                    producer.putIfAbsent(o, i);
                }
            }
        }
        Set<String> given = new HashSet<>();
        g.getInputList().forEach(v -> given.add(v.getName()));
        for (TensorProto t : g.getInitializerList()) {
            given.add(t.getName());
        }
        int[] waiting = new int[nodes.size()];
        List<List<Integer>> readers = new ArrayList<>();
        boolean sorted = true;
        for (int i = 0; i < nodes.size(); i++) {
            readers.add(new ArrayList<>());
        }
        for (int i = 0; i < nodes.size(); i++) {
            Set<Integer> deps = new HashSet<>();
            for (String r : references(nodes.get(i))) {
                Integer p = given.contains(r) ? null : producer.get(r);
                if (p != null && p != i) {
                    deps.add(p);
                    sorted &= p < i;
                }
            }
            waiting[i] = deps.size();
            for (int p : deps) {
                readers.get(p).add(i);
            }
        }
        if (sorted) {
            return nodes;
        }
        PriorityQueue<Integer> ready = new PriorityQueue<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (waiting[i] == 0) {
                ready.add(i);
            }
        }
        List<NodeProto> order = new ArrayList<>(nodes.size());
        while (!ready.isEmpty()) {
            int i = ready.poll();
            order.add(nodes.get(i));
            for (int r : readers.get(i)) {
                if (--waiting[r] == 0) {
                    ready.add(r);
                }
            }
        }
        if (order.size() < nodes.size()) {
            for (int i = 0; i < nodes.size(); i++) {
                if (waiting[i] > 0) {
                    NodeProto n = nodes.get(i);
                    throw new BadInputException("model file " + file + ": node '" + (n.getName().isEmpty()
                            ? n.getOpType() + "_" + i : n.getName()) + "' (" + n.getOpType() + ") is on a cycle of "
                            + "the graph");
                }
            }
        }
        return order;
    }
}
