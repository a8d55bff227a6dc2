package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** Test helpers for the quantiser: small float models built in code, and what ONNX Runtime fuses a file into. */
final class QuantModels {
    private QuantModels() {
    }

    /** A float model of one node {@code op} reading X (shape {@code in}) and the initializers, writing Y. */
    static ModelProto single(NodeProto node, long[] in, TensorProto... inits) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("single").addNode(node)
                .addInput(value("X", in)).addOutput(ValueInfoProto.newBuilder().setName("Y")
                        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))));
        for (TensorProto t : inits) {
            g.addInitializer(t);
        }
        return ModelProto.newBuilder().setIrVersion(7).setProducerName("cnv2-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g).build();
    }

    static ValueInfoProto value(String name, long[] dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }

    static TensorProto floats(String name, long[] dims, float[] v) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1);
        for (long d : dims) {
            t.addDims(d);
        }
        for (float x : v) {
            t.addFloatData(x);
        }
        return t.build();
    }

    /** The initializer {@code name} of {@code m} as doubles. */
    static double[] init(ModelProto m, String name) {
        for (TensorProto t : m.getGraph().getInitializerList()) {
            if (t.getName().equals(name)) {
                return Tensors.read(t).data();
            }
        }
        throw new AssertionError("no initializer " + name);
    }

    static TensorProto initializer(ModelProto m, String name) {
        return m.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no initializer " + name));
    }

    /** Op types and their counts in {@code m}'s graph. */
    static Map<String, Integer> ops(ModelProto m) {
        Map<String, Integer> c = new TreeMap<>();
        for (NodeProto n : m.getGraph().getNodeList()) {
            c.merge(n.getOpType(), 1, Integer::sum);
        }
        return c;
    }

    /**
     * The op types of the graph ONNX Runtime runs for {@code m}, after its basic and extended
     * optimisations (where the QDQ groups become QLinearConv, QGemm, QLinearMatMul), as it saves it.
     */
    static Map<String, Integer> fused(ModelProto m) throws Exception {
        Path out = Files.createTempFile("cnv2-fused", ".onnx");
        Exception[] failed = new Exception[1];
        Thread t = new Thread(null, () -> {
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
                o.setOptimizedModelFilePath(out.toString());
                OrtSession s = OrtEnvironment.getEnvironment().createSession(m.toByteArray(), o);
                s.close();
            } catch (Exception e) {
                failed[0] = e;
            }
        }, "fused", 256L << 20);
        t.start();
        t.join();
        if (failed[0] != null) {
            throw failed[0];
        }
        try {
            return ops(ModelProto.parseFrom(Files.readAllBytes(out)));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
