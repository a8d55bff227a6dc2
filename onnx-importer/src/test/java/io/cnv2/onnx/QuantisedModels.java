package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.cnv2.ir.Tensor;
import java.util.List;
import java.util.Map;

/** Builds small quantised ONNX models for the tests and runs them in ONNX Runtime with its optimisations. */
final class QuantisedModels {
    private QuantisedModels() {
    }

    static TensorProto ints(String name, int type, long[] dims, int[] v) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type);
        for (long d : dims) {
            t.addDims(d);
        }
        for (int x : v) {
            t.addInt32Data(x);
        }
        return t.build();
    }

    static TensorProto floats(String name, long[] dims, float[] v) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(Tensors.FLOAT);
        for (long d : dims) {
            t.addDims(d);
        }
        for (float x : v) {
            t.addFloatData(x);
        }
        return t.build();
    }

    static ValueInfoProto value(String name, int type, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type).setShape(s))).build();
    }

    static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    static AttributeProto integer(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static ModelProto model(GraphProto g, int opset, boolean contrib) {
        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(8).setProducerName("cnv2-test").setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset));
        if (contrib) {
            m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1));
        }
        return m.build();
    }

    static NodeProto node(String op, String name, List<String> in, String out, AttributeProto... at) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out);
        for (AttributeProto a : at) {
            n.addAttribute(a);
        }
        return n.build();
    }

    /** The model's outputs computed by ONNX Runtime with its default (full) graph optimisation. */
    static Map<String, Tensor> ortOptimised(ModelProto m, Map<String, Tensor> inputs, Map<String, Integer> types)
            throws Exception {
        OrtEnvironment env = OrtHost.env();
        try (OrtSession s = OrtHost.session(m.toByteArray(), "test model", false)) {
            Map<String, OnnxTensor> feed = new java.util.HashMap<>();
            for (var e : inputs.entrySet()) {
                feed.put(e.getKey(), OrtTensors.toOrt(env, e.getValue(), types.get(e.getKey())));
            }
            Map<String, Tensor> out = new java.util.LinkedHashMap<>();
            try (OrtSession.Result r = s.run(feed)) {
                for (var e : r) {
                    out.put(e.getKey(), OrtTensors.fromOrt((OnnxTensor) e.getValue()));
                }
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
            return out;
        }
    }
}
