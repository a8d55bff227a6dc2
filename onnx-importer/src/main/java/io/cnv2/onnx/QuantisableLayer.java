package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Conv, Gemm or MatMul that {@code cnv2 quantize} rewrites into the QDQ form ONNX Runtime fuses
 * (QLinearConv, QGemm, QLinearMatMul), and the tensors involved. A layer qualifies when its weight
 * is a float32 initializer (2-D for Gemm and MatMul), its activation input is computed or fed
 * (not a constant), a Gemm has alpha = beta = 1, transA = 0 and no C or a 1-D constant C, and a
 * bias is a 1-D float32 initializer; every other node stays float (docs/FIXED-POINT.md).
 *
 * @param node        the layer
 * @param input       its activation input X
 * @param weight      its weight initializer W
 * @param bias        its bias initializer (Conv's B, Gemm's C), null when it has none
 * @param channelAxis W's output-channel axis: 0 for Conv and Gemm with transB = 1, 1 for MatMul and
 *                    Gemm with transB = 0 (the axis of the weight's DequantizeLinear when per channel)
 * @param output      the tensor quantised after it: its output, or the output of the Relu or Clip(0, ...)
 *                    folded into it
 * @param activation  the Relu or Clip folded away (the output's QuantizeLinear clamps at zero point 0
 *                    instead), null when none
 */
record QuantisableLayer(NodeProto node, String input, String weight, String bias, int channelAxis, String output,
                        NodeProto activation) {

    /** The graph's quantisable layers in node order; {@code foldActivations} folds Relu/Clip(0, ...) readers. */
    static List<QuantisableLayer> find(GraphProto g, boolean foldActivations) {
        Map<String, TensorProto> inits = new HashMap<>();
        g.getInitializerList().forEach(t -> inits.put(t.getName(), t));
        Map<String, List<NodeProto>> readers = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            for (String r : OnnxGraphs.references(n)) {
                readers.computeIfAbsent(r, k -> new ArrayList<>()).add(n);
            }
        }
        Set<String> graphOutputs = new HashSet<>();
        for (ValueInfoProto o : g.getOutputList()) {
            graphOutputs.add(o.getName());
        }
        List<QuantisableLayer> out = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            QuantisableLayer l = of(n, inits);
            if (l == null) {
                continue;
            }
            List<NodeProto> r = readers.getOrDefault(l.output, List.of());
            if (foldActivations && r.size() == 1 && !graphOutputs.contains(l.output) && isRelu(r.get(0), inits)) {
                l = new QuantisableLayer(n, l.input, l.weight, l.bias, l.channelAxis, r.get(0).getOutput(0), r.get(0));
            }
            out.add(l);
        }
        return out;
    }

    private static QuantisableLayer of(NodeProto n, Map<String, TensorProto> inits) {
        String op = n.getOpType();
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx") || n.getInputCount() < 2
                || n.getOutputCount() != 1 || n.getInput(0).isEmpty() || inits.containsKey(n.getInput(0))) {
            return null;
        }
        TensorProto w = inits.get(n.getInput(1));
        if (w == null || w.getDataType() != Tensors.FLOAT) {
            return null;
        }
        String bias = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? n.getInput(2) : null;
        long channels;
        int axis;
        switch (op) {
            case "Conv" -> {
                if (w.getDimsCount() < 3) {
                    return null;
                }
                axis = 0;
                channels = w.getDims(0);
            }
            case "Gemm" -> {
                // QGemm computes alpha * A' B' + beta * C only with alpha = beta = 1 folded into the scales
                if (w.getDimsCount() != 2 || floatAttr(n, "alpha", 1f) != 1f || floatAttr(n, "beta", 1f) != 1f
                        || intAttr(n, "transA", 0) != 0) {
                    return null;
                }
                axis = intAttr(n, "transB", 0) != 0 ? 0 : 1;
                channels = w.getDims(axis);
            }
            case "MatMul" -> {
                if (w.getDimsCount() != 2) {
                    return null;
                }
                axis = 1;
                channels = w.getDims(1);
            }
            default -> {
                return null;
            }
        }
        if (bias != null) {
            TensorProto b = inits.get(bias);
            if (b == null || b.getDataType() != Tensors.FLOAT || b.getDimsCount() != 1 || b.getDims(0) != channels) {
                return null; // a computed or broadcast C: the Gemm stays float
            }
        }
        return new QuantisableLayer(n, n.getInput(0), n.getInput(1), bias, axis, n.getOutput(0), null);
    }

    /** Relu, or Clip whose min is the constant 0 (attribute before opset 11, input since). */
    private static boolean isRelu(NodeProto r, Map<String, TensorProto> inits) {
        if (!r.getDomain().isEmpty() && !r.getDomain().equals("ai.onnx")) {
            return false;
        }
        if (r.getOpType().equals("Relu")) {
            return true;
        }
        if (!r.getOpType().equals("Clip")) {
            return false;
        }
        for (AttributeProto a : r.getAttributeList()) {
            if (a.getName().equals("min")) {
                return a.getF() == 0f;
            }
        }
        if (r.getInputCount() < 2 || !inits.containsKey(r.getInput(1))) {
            return false;
        }
        double[] min = Tensors.read(inits.get(r.getInput(1))).data();
        boolean constantMax = r.getInputCount() < 3 || r.getInput(2).isEmpty() || inits.containsKey(r.getInput(2));
        return min.length == 1 && min[0] == 0 && constantMax;
    }

    static float floatAttr(NodeProto n, String name, float otherwise) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getF();
            }
        }
        return otherwise;
    }

    static long intAttr(NodeProto n, String name, long otherwise) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return otherwise;
    }
}
