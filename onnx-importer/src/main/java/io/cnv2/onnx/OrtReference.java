package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * ONNX Runtime as the float reference: runs a model file and returns every float tensor the
 * graph computes, not only its outputs (each node output is added to the graph outputs, by name,
 * before the session is made). Used by tests and by anyone checking an import.
 */
public final class OrtReference implements AutoCloseable {
    private final OrtEnvironment env = OrtHost.env();
    private final OrtSession session;
    private final Map<String, Integer> inputTypes = new HashMap<>();

    public OrtReference(Path model) throws OrtException {
        ModelProto m = OnnxImporter.parse(model);
        m.getGraph().getInputList().forEach(i -> inputTypes.put(i.getName(), i.getType().getTensorType().getElemType()));
        GraphProto.Builder g = m.getGraph().toBuilder();
        Set<String> have = new HashSet<>();
        g.getOutputList().forEach(o -> have.add(o.getName()));
        for (NodeProto n : m.getGraph().getNodeList()) {
            for (String o : n.getOutputList()) {
                if (!o.isEmpty() && have.add(o)) {
                    g.addOutput(ValueInfoProto.newBuilder().setName(o));
                }
            }
        }
        byte[] bytes = m.toBuilder().setGraph(g).build().toByteArray();
        // no graph rewrites, so every intermediate tensor is the one the file names; made on a thread
        // with a stack deep enough for ONNX Runtime's set-up (OrtHost.session)
        session = OrtHost.session(bytes, "model file " + model, true);
    }

    /**
     * Every tensor of the graph for these inputs (name to tensor, batch of one), as float32; inputs are
     * given as float32 and fed in the element type the model declares.
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) throws OrtException {
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            for (var e : inputs.entrySet()) {
                feed.put(e.getKey(), OrtTensors.toOrt(env, e.getValue(), inputTypes.getOrDefault(e.getKey(), 1)));
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            try (OrtSession.Result r = session.run(feed)) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    if (e.getValue() instanceof OnnxTensor t && OrtTensors.carried(OrtTensors.elemType(t.getInfo()))) {
                        out.put(e.getKey(), OrtTensors.fromOrt(t));
                    }
                }
            }
            return out;
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
