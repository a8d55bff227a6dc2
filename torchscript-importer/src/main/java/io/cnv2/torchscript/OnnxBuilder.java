package io.cnv2.torchscript;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ONNX graph a TorchScript module translates to. Nodes are named as PyTorch's own exporter names
 * them ({@code /layer1/layer1.0/conv1/Conv}: every enclosing module's path, then the op type), so
 * the layers of a TorchScript file and of its ONNX export carry the same names in every report.
 * Known tensors become initializers the first time a node uses them.
 */
final class OnnxBuilder {
    /** The opset the translation targets: the operators as ONNX 1.13 defines them, which ONNX Runtime runs. */
    static final int OPSET = 17;
    /** Bounds the graph a file can ask for (a traced ResNet-152 has about 1,000 nodes). */
    static final int MAX_NODES = 200_000;

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final List<NodeProto> nodes = new ArrayList<>();
    private final Map<String, Integer> nodeNames = new HashMap<>();
    private final Map<String, Integer> valueNames = new HashMap<>();
    private final Map<Object, String> initialized = new IdentityHashMap<>();
    private final Map<String, TensorProto> initializers = new java.util.LinkedHashMap<>();

    OnnxBuilder(String name) {
        graph.setName(name);
    }

    /** A value name not used before, built from {@code hint}. */
    String fresh(String hint) {
        int n = valueNames.merge(hint, 1, Integer::sum);
        return n == 1 ? hint : hint + "_" + (n - 1);
    }

    /** The ONNX name of {@code t}: its value, or a new initializer holding its known values. */
    String use(TVal t) {
        if (t.name() != null) {
            return t.name();
        }
        Object key = t.floats() != null ? t.floats() : t.longs();
        String have = initialized.get(key);
        if (have != null) {
            return have;
        }
        String name = fresh(t.origin() != null ? t.origin() : "const");
        initializers.put(name, tensor(name, t));
        initialized.put(key, name);
        return name;
    }

    /**
     * Forgets the initializer made of {@code t}'s values, which were just overwritten in place: the
     * nodes that read it keep the old values, later uses get a new initializer of the new ones.
     */
    void forget(TVal t) {
        initialized.remove(t.floats() != null ? (Object) t.floats() : t.longs());
    }

    /** The known values of an initializer this builder made (for peephole passes). */
    TensorProto initializer(String name) {
        return initializers.get(name);
    }

    void replaceInitializer(String name, TensorProto t) {
        initializers.put(name, t);
    }

    /** Emits one node; inputs are TVals, value names, or null for an omitted optional input. */
    List<TVal> node(String opType, String scope, List<?> inputs, List<Out> outputs, AttributeProto... attrs) {
        if (nodes.size() >= MAX_NODES) {
            throw new TranslationException("the translation grew past " + MAX_NODES + " ONNX nodes (a loop unrolled too far?)");
        }
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType);
        String base = scope + "/" + opType;
        int k = nodeNames.merge(base, 1, Integer::sum);
        String nodeName = k == 1 ? base : base + "_" + (k - 1);
        n.setName(nodeName);
        for (Object in : inputs) {
            n.addInput(in == null ? "" : in instanceof TVal t ? use(t) : (String) in);
        }
        List<TVal> res = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            String name = fresh(nodeName + "_output_" + i);
            n.addOutput(name);
            res.add(TVal.symbolic(name, outputs.get(i).shape(), outputs.get(i).type()));
        }
        for (AttributeProto a : attrs) {
            if (a != null) {
                n.addAttribute(a);
            }
        }
        nodes.add(n.build());
        return res;
    }

    /** Emits a one-output node. */
    TVal node(String opType, String scope, List<?> inputs, int[] shape, TVal.Type type, AttributeProto... attrs) {
        return node(opType, scope, inputs, List.of(new Out(shape, type)), attrs).get(0);
    }

    /** An output's shape and element type. */
    record Out(int[] shape, TVal.Type type) {
    }

    List<NodeProto> nodes() {
        return nodes;
    }

    void setNodes(List<NodeProto> replaced) {
        nodes.clear();
        nodes.addAll(replaced);
    }

    void input(String name, int[] shape, TVal.Type type) {
        graph.addInput(valueInfo(name, shape, type));
        valueNames.merge(name, 1, Integer::sum);
    }

    /** Declares {@code t} as a graph output named {@code name} (an Identity when it has another name). */
    void output(TVal t, String name) {
        String have = use(t);
        if (!have.equals(name)) {
            nodes.add(NodeProto.newBuilder().setOpType("Identity").setName("/" + name + "/Identity").addInput(have)
                    .addOutput(name).build());
        }
        graph.addOutput(valueInfo(name, t.shape(), t.type()));
    }

    ModelProto build() {
        graph.clearNode().addAllNode(nodes).clearInitializer();
        // only the initializers some node still reads (a fused BatchNorm leaves its parameters unread)
        java.util.Set<String> read = new java.util.HashSet<>();
        nodes.forEach(n -> read.addAll(n.getInputList()));
        initializers.forEach((k, v) -> {
            if (read.contains(k)) {
                graph.addInitializer(v);
            }
        });
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("cnv2 torchscript-importer")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph).build();
    }

    static ValueInfoProto valueInfo(String name, int[] shape, TVal.Type type) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (int d : shape) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type.onnx).setShape(s))).build();
    }

    static TensorProto tensor(String name, TVal t) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(t.type().onnx);
        for (int d : t.shape()) {
            b.addDims(d);
        }
        if (t.floats() != null) {
            ByteBuffer buf = ByteBuffer.allocate(4 * t.floats().length).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(t.floats());
            b.setRawData(ByteString.copyFrom(buf.array()));
        } else if (t.type() == TVal.Type.BOOL) {
            byte[] raw = new byte[t.longs().length];
            for (int i = 0; i < raw.length; i++) {
                raw[i] = (byte) (t.longs()[i] != 0 ? 1 : 0);
            }
            b.setRawData(ByteString.copyFrom(raw));
        } else {
            ByteBuffer buf = ByteBuffer.allocate(8 * t.longs().length).order(ByteOrder.LITTLE_ENDIAN);
            buf.asLongBuffer().put(t.longs());
            b.setRawData(ByteString.copyFrom(buf.array()));
        }
        return b.build();
    }

    /** The float values of a FLOAT initializer. */
    static float[] floats(TensorProto t) {
        if (t.getFloatDataCount() > 0) {
            float[] f = new float[t.getFloatDataCount()];
            for (int i = 0; i < f.length; i++) {
                f[i] = t.getFloatData(i);
            }
            return f;
        }
        java.nio.FloatBuffer fb = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] f = new float[fb.remaining()];
        fb.get(f);
        return f;
    }

    static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    static AttributeProto ints(String name, int[] v) {
        return ints(name, java.util.Arrays.stream(v).asLongStream().toArray());
    }

    static AttributeProto i(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto f(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    static AttributeProto s(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    static AttributeProto floats(String name, float... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
        for (float x : v) {
            a.addFloats(x);
        }
        return a.build();
    }
}
