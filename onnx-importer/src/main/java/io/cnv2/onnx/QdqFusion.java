package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A QDQ model's quantised layers as the integer ops ONNX Runtime runs them (docs/FIXED-POINT.md,
 * "Quantised models"): ONNX Runtime's QDQ transformer fuses DequantizeLinear(x) and
 * DequantizeLinear(w) [and DequantizeLinear(int32 bias)] -> Conv -> QuantizeLinear into
 * QLinearConv, the same around MatMul into QLinearMatMul and around Gemm into its QGemm, and runs
 * those with integer kernels. cnv2 rewrites the same groups before translating, so the
 * accelerator runs the model's integers where ONNX Runtime does, and leaves a group it would not
 * fuse (a float bias, a computed weight, an output read by more than the QuantizeLinear) to run as
 * the file says.
 */
final class QdqFusion {
    private final GraphProto graph;
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, NodeProto> producer = new HashMap<>();
    private final Map<String, Integer> readers = new HashMap<>();
    private final Set<String> outputs = new HashSet<>();

    private QdqFusion(GraphProto graph) {
        this.graph = graph;
        graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        for (NodeProto n : graph.getNodeList()) {
            n.getOutputList().forEach(o -> producer.put(o, n));
            OnnxGraphs.references(n).forEach(r -> readers.merge(r, 1, Integer::sum));
        }
        graph.getOutputList().forEach(o -> outputs.add(o.getName()));
    }

    /** The model with every fusable group rewritten; the model itself when there is none. */
    static ModelProto apply(ModelProto model) {
        if (model.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("DequantizeLinear"))) {
            return model;
        }
        try {
            QdqFusion f = new QdqFusion(constantsAsInitializers(model.getGraph()));
            GraphProto g = f.rewrite();
            return g == null ? model : model.toBuilder().setGraph(g).build();
        } catch (RuntimeException malformed) {
            // a group this reading cannot make sense of (a damaged tensor, a zero point that is not a
            // constant) is not fused: the model runs as the file says and the translator names the problem
            return model;
        }
    }

    /**
     * The graph with its Constant nodes, and ConstantOfShape and Cast of constants, as initializers:
     * PyTorch's exporter writes a quantised model's weights, scales and zero points that way (and a
     * bias zero point as Cast(ConstantOfShape)), which ONNX Runtime constant-folds before fusing.
     */
    static GraphProto constantsAsInitializers(GraphProto g) {
        Map<String, TensorProto> known = new HashMap<>();
        g.getInitializerList().forEach(t -> known.put(t.getName(), t));
        GraphProto.Builder b = g.toBuilder().clearNode();
        for (NodeProto n : g.getNodeList()) {
            TensorProto folded = null;
            try {
                folded = fold(n, known);
            } catch (RuntimeException notFoldable) {
                // left as it is: the translator folds or places it
            }
            if (folded != null && n.getOutputCount() == 1) {
                known.put(n.getOutput(0), folded);
                b.addInitializer(folded);
            } else {
                b.addNode(n);
            }
        }
        return b.build();
    }

    private static TensorProto fold(NodeProto n, Map<String, TensorProto> known) {
        if (!isDefault(n)) {
            return null;
        }
        String out = n.getOutputCount() == 1 ? n.getOutput(0) : null;
        switch (n.getOpType()) {
            case "Constant": {
                Attributes at = new Attributes(n);
                return at.has("value") ? at.raw("value").getT().toBuilder().setName(out).build() : null;
            }
            case "ConstantOfShape": {
                TensorProto shape = known.get(n.getInput(0));
                if (shape == null) {
                    return null;
                }
                long[] dims = Tensors.read(shape).longs();
                Attributes at = new Attributes(n);
                TensorProto v = at.has("value") ? at.raw("value").getT() : null;
                int type = v == null ? Tensors.FLOAT : v.getDataType();
                double x = v == null ? 0 : Tensors.read(v).data()[0];
                long count = 1;
                for (long d : dims) {
                    count *= d;
                }
                if (count > 1 << 20) {
                    return null;
                }
                double[] data = new double[(int) count];
                java.util.Arrays.fill(data, x);
                return Tensors.write(out, new Const(dims, data, !Tensors.isFloat(type)), type);
            }
            case "Cast": {
                TensorProto in = known.get(n.getInput(0));
                int to = (int) new Attributes(n).integer("to", 0);
                if (in == null || !(to == Tensors.INT32 || to == Tensors.INT8 || to == Tensors.UINT8
                        || to == Tensors.FLOAT) || !(in.getDataType() == Tensors.INT32 || in.getDataType() == Tensors.INT8
                        || in.getDataType() == Tensors.UINT8 || in.getDataType() == Tensors.INT64)) {
                    return null; // integer to integer (or float) only: exact, no rounding rule to mirror
                }
                Const c = Tensors.read(in);
                return Tensors.write(out, new Const(c.dims(), c.data(), !Tensors.isFloat(to)), to);
            }
            default:
                return null;
        }
    }

    private GraphProto rewrite() {
        Map<NodeProto, NodeProto> replaced = new HashMap<>();
        Set<NodeProto> dropped = new HashSet<>();
        boolean contrib = false;
        for (NodeProto n : graph.getNodeList()) {
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                continue;
            }
            NodeProto q = soleQuantizeReader(n);
            NodeProto relu = null;
            if (q == null) {
                // ONNX Runtime absorbs a Relu between the op and its QuantizeLinear when the Q's own clamp
                // at the zero point (the type's minimum) already does what the Relu does
                relu = soleReader(n, "Relu");
                q = relu == null ? null : soleQuantizeReader(relu);
                if (q == null || zeroPoint(q) != typeMin(quantType(q))) {
                    continue;
                }
            }
            NodeProto fused = switch (n.getOpType()) {
                // ONNX Runtime fuses only when the activation and the output have one type
                case "Conv", "MatMul", "Gemm" -> !sameType(n, q) ? null : switch (n.getOpType()) {
                    case "Conv" -> conv(n, q);
                    case "MatMul" -> matmul(n, q);
                    default -> gemm(n, q);
                };
                default -> null;
            };
            if (fused != null) {
                replaced.put(n, fused);
                dropped.add(q);
                if (relu != null) {
                    dropped.add(relu);
                }
                contrib |= fused.getDomain().equals("com.microsoft");
            }
        }
        if (replaced.isEmpty()) {
            return null;
        }
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto n : graph.getNodeList()) {
            if (!dropped.contains(n)) {
                nodes.add(replaced.getOrDefault(n, n));
            }
        }
        nodes = withoutDeadDequantize(nodes);
        GraphProto.Builder b = graph.toBuilder().clearNode().addAllNode(nodes);
        return b.build();
    }

    private boolean sameType(NodeProto op, NodeProto q) {
        NodeProto dx = activationDequantize(op.getInput(0));
        return dx != null && quantType(dx) == quantType(q);
    }

    /** The node of type {@code op} that alone reads {@code n}'s output (not a graph output), or null. */
    private NodeProto soleReader(NodeProto n, String op) {
        if (n.getOutputCount() != 1 || outputs.contains(n.getOutput(0)) || readers.getOrDefault(n.getOutput(0), 0) != 1) {
            return null;
        }
        for (NodeProto r : graph.getNodeList()) {
            if (r.getInputList().contains(n.getOutput(0))) {
                return r.getOpType().equals(op) && isDefault(r) ? r : null;
            }
        }
        return null;
    }

    private int zeroPoint(NodeProto q) {
        if (q.getInputCount() > 2 && !q.getInput(2).isEmpty()) {
            return (int) Tensors.read(initializers.get(q.getInput(2))).data()[0];
        }
        return 0;
    }

    private static int typeMin(int type) {
        return type == Tensors.INT8 ? -128 : 0;
    }

    /** The QuantizeLinear that alone reads {@code n}'s output (not a graph output), or null. */
    private NodeProto soleQuantizeReader(NodeProto n) {
        if (n.getOutputCount() != 1 || outputs.contains(n.getOutput(0)) || readers.getOrDefault(n.getOutput(0), 0) != 1) {
            return null;
        }
        for (NodeProto r : graph.getNodeList()) {
            if (r.getInputList().contains(n.getOutput(0))) {
                return r.getOpType().equals("QuantizeLinear") && isDefault(r) && r.getInput(0).equals(n.getOutput(0))
                        && scalarQuantisation(r) && integer8(quantType(r)) ? r : null;
            }
        }
        return null;
    }

    private static boolean isDefault(NodeProto n) {
        return n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
    }

    private NodeProto conv(NodeProto conv, NodeProto q) {
        NodeProto dx = activationDequantize(conv.getInput(0));
        NodeProto dw = weightDequantize(conv.getInput(1));
        if (dx == null || dw == null) {
            return null;
        }
        NodeProto db = null;
        if (conv.getInputCount() > 2 && !conv.getInput(2).isEmpty()) {
            db = biasDequantize(conv.getInput(2));
            if (db == null || !biasScaleIsProduct(db, dx, dw)) {
                return null;
            }
        }
        NodeProto.Builder f = NodeProto.newBuilder().setOpType("QLinearConv").setName(conv.getName())
                .addAllAttribute(conv.getAttributeList());
        f.addInput(integers(dx)).addInput(dx.getInput(1)).addInput(zp(dx))
                .addInput(dw.getInput(0)).addInput(dw.getInput(1)).addInput(zp(dw))
                .addInput(q.getInput(1)).addInput(zp(q));
        if (db != null) {
            f.addInput(db.getInput(0));
        }
        return f.addOutput(q.getOutput(0)).build();
    }

    private NodeProto matmul(NodeProto mm, NodeProto q) {
        NodeProto da = activationDequantize(mm.getInput(0));
        NodeProto db = weightDequantize(mm.getInput(1));
        if (da == null || db == null || rank(db.getInput(0)) != 2) {
            return null;
        }
        return NodeProto.newBuilder().setOpType("QLinearMatMul").setName(mm.getName())
                .addInput(integers(da)).addInput(da.getInput(1)).addInput(zp(da))
                .addInput(db.getInput(0)).addInput(db.getInput(1)).addInput(zp(db))
                .addInput(q.getInput(1)).addInput(zp(q)).addOutput(q.getOutput(0)).build();
    }

    private NodeProto gemm(NodeProto gemm, NodeProto q) {
        Attributes at = new Attributes(gemm);
        if (at.integer("transA", 0) != 0 || at.real("beta", 1f) != 1f) {
            return null;
        }
        NodeProto da = activationDequantize(gemm.getInput(0));
        NodeProto db = weightDequantize(gemm.getInput(1));
        if (da == null || db == null || rank(db.getInput(0)) != 2) {
            return null;
        }
        NodeProto dc = null;
        if (gemm.getInputCount() > 2 && !gemm.getInput(2).isEmpty()) {
            dc = biasDequantize(gemm.getInput(2));
            if (dc == null || !biasScaleIsProduct(dc, da, db)) {
                return null;
            }
        }
        NodeProto.Builder f = NodeProto.newBuilder().setOpType("QGemm").setDomain("com.microsoft").setName(gemm.getName());
        for (var a : gemm.getAttributeList()) {
            if (a.getName().equals("transB") || a.getName().equals("alpha")) {
                f.addAttribute(a);
            }
        }
        f.addInput(integers(da)).addInput(da.getInput(1)).addInput(zp(da))
                .addInput(db.getInput(0)).addInput(db.getInput(1)).addInput(zp(db))
                .addInput(dc == null ? "" : dc.getInput(0)).addInput(q.getInput(1)).addInput(zp(q));
        return f.addOutput(q.getOutput(0)).build();
    }

    /** DequantizeLinear of a computed 8-bit tensor with a per-tensor constant scale and zero point. */
    private NodeProto activationDequantize(String tensor) {
        NodeProto d = producer.get(tensor);
        if (d == null || !d.getOpType().equals("DequantizeLinear") || !isDefault(d)
                || initializers.containsKey(d.getInput(0)) || !scalarQuantisation(d)) {
            return null;
        }
        return d;
    }

    /**
     * The integers a DequantizeLinear reads: its input, or the input of a Cast to the same 8-bit type
     * before it (PyTorch's exporter puts one between every QuantizeLinear and DequantizeLinear).
     */
    private String integers(NodeProto dq) {
        String x = dq.getInput(0);
        NodeProto c = producer.get(x);
        if (c != null && c.getOpType().equals("Cast") && isDefault(c)) {
            NodeProto q = producer.get(c.getInput(0));
            int to = (int) new Attributes(c).integer("to", 0);
            if (q != null && q.getOpType().equals("QuantizeLinear") && quantType(q) == to) {
                return c.getInput(0);
            }
        }
        return x;
    }

    /** DequantizeLinear of an 8-bit initializer, per tensor or per output channel. */
    private NodeProto weightDequantize(String tensor) {
        NodeProto d = producer.get(tensor);
        if (d == null || !d.getOpType().equals("DequantizeLinear") || !isDefault(d)) {
            return null;
        }
        TensorProto w = initializers.get(d.getInput(0));
        if (w == null || !integer8(w.getDataType()) || !initializers.containsKey(d.getInput(1))
                || d.getInputCount() > 2 && !d.getInput(2).isEmpty() && !initializers.containsKey(d.getInput(2))) {
            return null;
        }
        return d;
    }

    /**
     * The bias's scale is x_scale * w_scale (float32, per channel where the weights are): only then
     * is the int32 bias at the accumulator's scale and the fused integer layer the same function. A
     * randomised test saw ONNX Runtime compute other biases in float (QdqFusionRulesTest).
     */
    private boolean biasScaleIsProduct(NodeProto db, NodeProto dx, NodeProto dw) {
        double[] bs = Tensors.read(initializers.get(db.getInput(1))).data();
        float xs = (float) Tensors.read(initializers.get(dx.getInput(1))).data()[0];
        double[] ws = Tensors.read(initializers.get(dw.getInput(1))).data();
        if (bs.length != ws.length && bs.length != 1) {
            return false;
        }
        for (int k = 0; k < Math.max(bs.length, ws.length); k++) {
            float want = xs * (float) ws[ws.length == 1 ? 0 : k];
            if ((float) bs[bs.length == 1 ? 0 : k] != want) {
                return false;
            }
        }
        return true;
    }

    /** DequantizeLinear of an int32 initializer with zero point 0 (or none). */
    private NodeProto biasDequantize(String tensor) {
        NodeProto d = producer.get(tensor);
        if (d == null || !d.getOpType().equals("DequantizeLinear") || !isDefault(d)) {
            return null;
        }
        TensorProto b = initializers.get(d.getInput(0));
        if (b == null || b.getDataType() != Tensors.INT32 || !initializers.containsKey(d.getInput(1))) {
            return null;
        }
        if (d.getInputCount() > 2 && !d.getInput(2).isEmpty()) {
            TensorProto z = initializers.get(d.getInput(2));
            if (z == null || java.util.Arrays.stream(Tensors.read(z).data()).anyMatch(v -> v != 0)) {
                return null;
            }
        }
        return d;
    }

    /** Scale and zero point are scalar initializers (per-tensor). */
    private boolean scalarQuantisation(NodeProto n) {
        TensorProto s = initializers.get(n.getInput(1));
        if (s == null || s.getDataType() != Tensors.FLOAT || count(s) != 1) {
            return false;
        }
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            TensorProto z = initializers.get(n.getInput(2));
            return z != null && count(z) == 1;
        }
        return true;
    }

    /** The element type QuantizeLinear makes (DequantizeLinear reads): its zero point's, uint8 without one. */
    private int quantType(NodeProto q) {
        if (q.getInputCount() > 2 && !q.getInput(2).isEmpty()) {
            TensorProto z = initializers.get(q.getInput(2));
            return z == null ? -1 : z.getDataType(); // a computed zero point: not a group ONNX Runtime fuses
        }
        return Tensors.UINT8;
    }

    private static boolean integer8(int type) {
        return type == Tensors.UINT8 || type == Tensors.INT8;
    }

    private static long count(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }

    private int rank(String initializer) {
        return initializers.get(initializer).getDimsCount();
    }

    private static String zp(NodeProto n) {
        return n.getInputCount() > 2 ? n.getInput(2) : "";
    }

    /** Drops DequantizeLinear nodes the fusion left without a reader (their outputs are not graph outputs). */
    private List<NodeProto> withoutDeadDequantize(List<NodeProto> nodes) {
        Set<String> read = new HashSet<>(outputs);
        nodes.forEach(n -> read.addAll(OnnxGraphs.references(n)));
        List<NodeProto> kept = new ArrayList<>();
        for (NodeProto n : nodes) {
            if (n.getOpType().equals("DequantizeLinear") && isDefault(n) && !read.contains(n.getOutput(0))) {
                continue;
            }
            kept.add(n);
        }
        return kept;
    }
}
