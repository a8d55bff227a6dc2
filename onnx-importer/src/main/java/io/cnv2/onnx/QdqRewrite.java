package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites a float model into the QDQ form ONNX Runtime's QDQ selectors fuse into QLinearConv,
 * QGemm and QLinearMatMul (docs/FIXED-POINT.md, "Static quantisation"):
 * <ul>
 * <li>each quantised activation tensor t (a layer's input, a layer's output or the output of the
 * Relu folded into it) gets one {@code QuantizeLinear(t) -> t_quantized -> DequantizeLinear ->
 * t_dequantized} pair, read by all of t's consumers (ONNX Runtime duplicates a shared
 * DequantizeLinear per consumer itself, EnsureUniqueDQForNodeUnit);</li>
 * <li>each weight W becomes an int8 initializer {@code W_q} read by {@code DequantizeLinear(W_q,
 * W_scale, W_zero_point = 0 [, axis])};</li>
 * <li>each bias B becomes an int32 initializer {@code B_q} with scale sx * sw and zero point 0;</li>
 * <li>a folded Relu/Clip is removed: the layer writes the Relu's output name, and the
 * QuantizeLinear's clamp at zero point 0 does the Relu's work.</li>
 * </ul>
 * A graph output keeps its name: the layer then writes {@code t_float} and the DequantizeLinear
 * writes t. Every other node, initializer and name is left as it was.
 */
final class QdqRewrite {
    /** DequantizeLinear's axis attribute exists from opset 13; per-tensor QDQ from opset 10. */
    static final int PER_CHANNEL_OPSET = 13;
    static final int PER_TENSOR_OPSET = 10;

    private final GraphProto source;
    private final QuantSpec spec;
    private final Set<String> names = new HashSet<>();
    private final List<TensorProto> newInits = new ArrayList<>();

    private QdqRewrite(GraphProto source, QuantSpec spec) {
        this.source = source;
        this.spec = spec;
        source.getInputList().forEach(v -> names.add(v.getName()));
        source.getOutputList().forEach(v -> names.add(v.getName()));
        source.getInitializerList().forEach(t -> names.add(t.getName()));
        for (NodeProto n : source.getNodeList()) {
            names.addAll(n.getOutputList());
            names.add(n.getName());
        }
    }

    /** The default-domain opset the rewritten model needs (13 for per-channel scales, else 10). */
    static int requiredOpset(QuantSpec spec) {
        return spec.perChannel() ? PER_CHANNEL_OPSET : PER_TENSOR_OPSET;
    }

    /**
     * {@code model} with {@code layers} quantised; {@code activations} holds the scale and zero point of
     * every layer's input and output tensor.
     */
    static ModelProto apply(ModelProto model, List<QuantisableLayer> layers, Map<String, ActivationQuant> activations,
                            QuantSpec spec) {
        QdqRewrite r = new QdqRewrite(model.getGraph(), spec);
        ModelProto.Builder m = model.toBuilder().setGraph(r.graph(layers, activations));
        raiseOpset(m, requiredOpset(spec));
        return m.build();
    }

    /** Raises the default-domain opset import to {@code needed} and the IR version with it (never lowers). */
    static void raiseOpset(ModelProto.Builder m, int needed) {
        boolean found = false;
        for (int i = 0; i < m.getOpsetImportCount(); i++) {
            OperatorSetIdProto o = m.getOpsetImport(i);
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                found = true;
                if (o.getVersion() < needed) {
                    m.setOpsetImport(i, o.toBuilder().setVersion(needed));
                }
            }
        }
        if (!found) {
            m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(needed));
        }
        // opset 13 needs IR version 7 (onnx/helper.py VERSION_TABLE); opset 10 IR 5
        long ir = needed >= 13 ? 7 : 5;
        if (m.getIrVersion() < ir) {
            m.setIrVersion(ir);
        }
    }

    private GraphProto graph(List<QuantisableLayer> layers, Map<String, ActivationQuant> activations) {
        Set<String> graphOutputs = new HashSet<>();
        source.getOutputList().forEach(v -> graphOutputs.add(v.getName()));
        Set<String> graphInputs = new HashSet<>();
        source.getInputList().forEach(v -> graphInputs.add(v.getName()));
        Map<String, TensorProto> inits = new HashMap<>();
        source.getInitializerList().forEach(t -> inits.put(t.getName(), t));

        // the tensors to quantise, in first-use order, and the names around each Q/DQ pair
        Map<String, String> dequantized = new LinkedHashMap<>();
        Map<String, String> producedAs = new HashMap<>();
        for (QuantisableLayer l : layers) {
            for (String t : List.of(l.input(), l.output())) {
                if (dequantized.containsKey(t)) {
                    continue;
                }
                boolean renamed = graphOutputs.contains(t) && !graphInputs.contains(t);
                dequantized.put(t, renamed ? t : unique(t + "_dequantized"));
                producedAs.put(t, renamed ? unique(t + "_float") : t);
            }
        }
        Map<String, String[]> scales = new HashMap<>();
        for (String t : dequantized.keySet()) {
            ActivationQuant q = activations.get(t);
            String s = unique(t + "_scale");
            String z = unique(t + "_zero_point");
            newInits.add(floats(s, new float[] {q.scale()}, true));
            newInits.add(ints(z, new int[] {q.zeroPoint()}, q.type(), true));
            scales.put(t, new String[] {s, z});
        }

        Map<NodeProto, QuantisableLayer> byNode = new HashMap<>();
        Set<NodeProto> folded = new HashSet<>();
        for (QuantisableLayer l : layers) {
            byNode.put(l.node(), l);
            if (l.activation() != null) {
                folded.add(l.activation());
            }
        }
        Map<String, String[]> weights = new HashMap<>(); // W -> {dequantized name, scale name}, W_q made once
        Map<String, WeightQuant> weightValues = new HashMap<>();
        Set<String> replaced = new HashSet<>();
        List<NodeProto> nodes = new ArrayList<>();
        for (String t : dequantized.keySet()) {
            if (graphInputs.contains(t)) {
                addQdq(nodes, t, t, dequantized.get(t), scales.get(t));
            }
        }
        for (NodeProto n : source.getNodeList()) {
            if (folded.contains(n)) {
                continue;
            }
            NodeProto.Builder b = n.toBuilder();
            for (int i = 0; i < b.getInputCount(); i++) {
                String d = dequantized.get(b.getInput(i));
                if (d != null) {
                    b.setInput(i, d);
                }
            }
            QuantisableLayer l = byNode.get(n);
            if (l != null) {
                b.setOutput(0, l.output());
                ActivationQuant x = activations.get(l.input());
                WeightQuant w = weightValues.get(l.weight());
                if (w == null) {
                    TensorProto wt = inits.get(l.weight());
                    w = WeightQuant.of(floats(wt), dims(wt), spec.perChannel() ? l.channelAxis() : -1, spec.weightMax());
                    weightValues.put(l.weight(), w);
                    String q = unique(l.weight() + "_q");
                    newInits.add(ints(q, w.values(), Tensors.INT8, dims(wt)));
                    String[] sz = scaleAndZero(l.weight(), w.scales(), Tensors.INT8);
                    String dq = unique(l.weight() + "_dequantized");
                    nodes.add(dequantize(l.weight(), q, sz, dq, w.axis()));
                    weights.put(l.weight(), new String[] {dq});
                }
                b.setInput(1, weights.get(l.weight())[0]);
                replaced.add(l.weight());
                if (l.bias() != null) {
                    TensorProto bt = inits.get(l.bias());
                    WeightQuant.Bias bq = WeightQuant.Bias.of(floats(bt), x.scale(), w.scales());
                    String q = unique(l.bias() + "_q");
                    newInits.add(ints(q, bq.values(), Tensors.INT32, dims(bt)));
                    String[] sz = scaleAndZero(l.bias(), bq.scales(), Tensors.INT32);
                    String dq = unique(l.bias() + "_dequantized");
                    nodes.add(dequantize(l.bias(), q, sz, dq, bq.scales().length > 1 ? 0 : -1));
                    b.setInput(2, dq);
                    replaced.add(l.bias());
                }
            }
            for (int i = 0; i < b.getOutputCount(); i++) {
                String t = b.getOutput(i);
                if (dequantized.containsKey(t)) {
                    b.setOutput(i, producedAs.get(t));
                }
            }
            nodes.add(b.build());
            for (int i = 0; i < b.getOutputCount(); i++) {
                String t = l != null && i == 0 ? l.output() : n.getOutput(i);
                if (dequantized.containsKey(t) && !graphInputs.contains(t)) {
                    addQdq(nodes, t, producedAs.get(t), dequantized.get(t), scales.get(t));
                }
            }
        }

        GraphProto.Builder g = source.toBuilder().clearNode().addAllNode(nodes);
        // float weights no node reads any more go; a graph (IR < 4) that lists them as inputs loses those too
        Set<String> read = new HashSet<>();
        for (NodeProto n : nodes) {
            read.addAll(OnnxGraphs.references(n));
        }
        graphOutputs.forEach(read::add);
        g.clearInitializer();
        for (TensorProto t : source.getInitializerList()) {
            if (!replaced.contains(t.getName()) || read.contains(t.getName())) {
                g.addInitializer(t);
            }
        }
        g.addAllInitializer(newInits);
        g.clearInput();
        for (ValueInfoProto v : source.getInputList()) {
            if (!replaced.contains(v.getName()) || read.contains(v.getName())) {
                g.addInput(v);
            }
        }
        // value_info of tensors that no longer exist (a folded layer's own output) would mislead a reader
        Set<String> exist = new HashSet<>();
        for (NodeProto n : nodes) {
            exist.addAll(n.getOutputList());
        }
        g.clearValueInfo();
        for (ValueInfoProto v : source.getValueInfoList()) {
            if (exist.contains(v.getName())) {
                g.addValueInfo(v);
            }
        }
        return g.build();
    }

    private void addQdq(List<NodeProto> nodes, String t, String from, String to, String[] sz) {
        String q = unique(t + "_quantized");
        nodes.add(NodeProto.newBuilder().setOpType("QuantizeLinear").setName(unique(t + "_QuantizeLinear"))
                .addInput(from).addInput(sz[0]).addInput(sz[1]).addOutput(q).build());
        nodes.add(NodeProto.newBuilder().setOpType("DequantizeLinear").setName(unique(t + "_DequantizeLinear"))
                .addInput(q).addInput(sz[0]).addInput(sz[1]).addOutput(to).build());
    }

    private NodeProto dequantize(String base, String q, String[] sz, String out, int axis) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType("DequantizeLinear")
                .setName(unique(base + "_DequantizeLinear")).addInput(q).addInput(sz[0]).addInput(sz[1]).addOutput(out);
        if (axis >= 0) {
            n.addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                    .setI(axis));
        }
        return n.build();
    }

    /** Scale (float32) and zero-point (zeros of {@code zeroType}) initializers: scalars, or 1-D per channel. */
    private String[] scaleAndZero(String base, float[] s, int zeroType) {
        String sn = unique(base + "_scale");
        String zn = unique(base + "_zero_point");
        boolean scalar = s.length == 1;
        newInits.add(floats(sn, s, scalar));
        newInits.add(ints(zn, new int[s.length], zeroType, scalar));
        return new String[] {sn, zn};
    }

    private String unique(String name) {
        String n = name;
        for (int i = 1; names.contains(n); i++) {
            n = name + "_" + i;
        }
        names.add(n);
        return n;
    }

    private static float[] floats(TensorProto t) {
        double[] d = Tensors.read(t).data();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    private static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static TensorProto floats(String name, float[] v, boolean scalar) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(Tensors.FLOAT)
                .setRawData(ByteString.copyFrom(b.array()));
        if (!scalar) {
            t.addDims(v.length);
        }
        return t.build();
    }

    private static TensorProto ints(String name, int[] v, int type, boolean scalar) {
        return ints(name, v, type, scalar ? new long[0] : new long[] {v.length});
    }

    /** An int8, uint8 or int32 initializer, little-endian raw data. */
    private static TensorProto ints(String name, int[] v, int type, long[] dims) {
        int width = type == Tensors.INT32 ? 4 : 1;
        ByteBuffer b = ByteBuffer.allocate(width * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            if (width == 4) {
                b.putInt(x);
            } else {
                b.put((byte) x);
            }
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type)
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }
}
