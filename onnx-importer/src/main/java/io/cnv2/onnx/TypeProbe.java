package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.cnv2.BadInputException;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The element type and shape of every tensor of an ONNX graph for one sample, as ONNX Runtime
 * sees them: the graph inputs fixed to their per-sample shapes, every node output made a graph
 * output, and ONNX Runtime's own type and shape inference read back. Then the model is run once on
 * seeded random inputs (floats uniform in [0, 1), integers 0): a model ONNX Runtime cannot run is
 * refused at import with its message (which names the node), not at the first sample, and where
 * inference left a dimension open (a shape that depends on data) the shape of that run is taken.
 */
final class TypeProbe {
    /** One tensor's ONNX element type and shape (dimensions -1 where unknown). */
    /**
     * @param dataDependent the importer's verdict that the shape depends on the input values (set by
     *                      {@link GraphTranslator}; the probe itself only says where inference left it open)
     * @param open          ONNX Runtime's shape inference could not fix this shape (the run did)
     */
    record ValueType(int elemType, long[] dims, boolean dataDependent, boolean open) {
        ValueType(int elemType, long[] dims, boolean dataDependent) {
            this(elemType, dims, dataDependent, dataDependent);
        }

        ValueType withDataDependent(boolean d) {
            return new ValueType(elemType, dims, d, open);
        }

        ValueType(int elemType, long[] dims) {
            this(elemType, dims, false);
        }

        boolean known() {
            for (long d : dims) {
                if (d < 0) {
                    return false;
                }
            }
            return true;
        }

        Shape shape() {
            int[] s = new int[dims.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = Math.toIntExact(dims[i]);
            }
            return new Shape(s);
        }
    }

    private TypeProbe() {
    }

    /**
     * Types of every node output of {@code model} when its inputs have {@code inputShapes} and
     * element types {@code inputTypes}.
     */
    static Map<String, ValueType> of(String file, ModelProto model, Map<String, Shape> inputShapes,
                                     Map<String, Integer> inputTypes, Map<String, Tensor> values) {
        GraphProto.Builder g = fixInputs(model.getGraph(), inputShapes).toBuilder();
        Set<String> outs = new LinkedHashSet<>();
        g.getOutputList().forEach(o -> outs.add(o.getName()));
        // the file's declared output shapes are claims, not facts: ONNX Runtime infers them afresh
        g.clearOutput();
        outs.forEach(o -> g.addOutput(ValueInfoProto.newBuilder().setName(o)));
        Set<String> extra = new LinkedHashSet<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            for (String o : n.getOutputList()) {
                if (!o.isEmpty() && !outs.contains(o) && extra.add(o)) {
                    g.addOutput(ValueInfoProto.newBuilder().setName(o));
                }
            }
        }
        Map<String, ValueType> types = new HashMap<>();
        List<String> open = new ArrayList<>();
        byte[] bytes = model.toBuilder().setGraph(g).build().toByteArray();
        try (OrtSession s = OrtHost.session(bytes, "model file " + file, true)) {
            for (Map.Entry<String, NodeInfo> e : s.getOutputInfo().entrySet()) {
                if (e.getValue().getInfo() instanceof TensorInfo t) {
                    ValueType v = new ValueType(OrtTensors.elemType(t), t.getShape());
                    types.put(e.getKey(), v);
                    // -1: a dimension inference left open; rank 0: a scalar, or a rank it could not infer
                    if (!v.known() || v.dims().length == 0) {
                        open.add(e.getKey());
                    }
                }
            }
        } catch (OrtException e) {
            throw new BadInputException("model file " + file + ": ONNX Runtime: " + OrtHost.firstLine(e.getMessage()));
        }
        Map<String, ValueType> ran = run(file, model, g, inputShapes, inputTypes, open, values);
        ran.forEach((k, v) -> {
            ValueType inferred = types.get(k);
            boolean dependent = inferred == null || !inferred.known() || inferred.dims().length != v.dims().length;
            types.put(k, new ValueType(v.elemType(), v.dims(), dependent));
        });
        return types;
    }

    private static Map<String, ValueType> run(String file, ModelProto model, GraphProto.Builder all,
                                              Map<String, Shape> inputShapes, Map<String, Integer> inputTypes,
                                              List<String> wanted, Map<String, Tensor> values) {
        GraphProto.Builder g = all.clone();
        Set<String> keep = new HashSet<>(wanted);
        model.getGraph().getOutputList().forEach(o -> keep.add(o.getName()));
        List<ValueInfoProto> outs = new ArrayList<>(g.getOutputList());
        g.clearOutput();
        outs.stream().filter(o -> keep.contains(o.getName())).forEach(g::addOutput);
        byte[] bytes = model.toBuilder().setGraph(g).build().toByteArray();
        OrtEnvironment env = OrtHost.env();
        Map<String, ValueType> types = new HashMap<>();
        Map<String, OnnxTensor> feed = new HashMap<>();
        Random rnd = new Random(17);
        try (OrtSession s = OrtHost.session(bytes, "model file " + file, true)) {
            for (var e : inputShapes.entrySet()) {
                int type = inputTypes.getOrDefault(e.getKey(), 1);
                float[] v = new float[e.getValue().size()];
                if (type == 1 || type == 10 || type == 11 || type == 16) {
                    for (int i = 0; i < v.length; i++) {
                        v[i] = rnd.nextFloat();
                    }
                }
                Tensor given = values.get(e.getKey());
                feed.put(e.getKey(), OrtTensors.toOrt(env, given != null && given.shape().size() == v.length
                        ? given.reshape(e.getValue()) : new Tensor(e.getValue(), v), type));
            }
            try (OrtSession.Result r = s.run(feed)) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    if (e.getValue() instanceof OnnxTensor t && wanted.contains(e.getKey())) {
                        types.put(e.getKey(), new ValueType(OrtTensors.elemType(t.getInfo()), t.getInfo().getShape()));
                    }
                }
            }
        } catch (OrtException e) {
            throw new BadInputException("model file " + file + ": ONNX Runtime cannot run the model (tried on a "
                    + "random input of the per-sample shapes " + inputShapes + "): " + OrtHost.firstLine(e.getMessage()));
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
        return types;
    }

    /** The graph with its (non-initializer) inputs' dimensions set to the per-sample shapes. */
    static GraphProto fixInputs(GraphProto graph, Map<String, Shape> shapes) {
        GraphProto.Builder g = graph.toBuilder();
        for (int i = 0; i < g.getInputCount(); i++) {
            ValueInfoProto in = g.getInput(i);
            Shape s = shapes.get(in.getName());
            if (s == null || !in.getType().hasTensorType()) {
                continue;
            }
            TensorShapeProto.Builder sp = TensorShapeProto.newBuilder();
            for (int d : s.dims()) {
                sp.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
            }
            TypeProto.Builder t = in.getType().toBuilder();
            t.getTensorTypeBuilder().setShape(sp);
            g.setInput(i, in.toBuilder().setType(t));
        }
        return g.build();
    }
}
