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
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    public OrtReference(Path model) throws OrtException {
        ModelProto m = OnnxImporter.parse(model);
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
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            // no graph rewrites, so every intermediate tensor is the one the file names
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            session = env.createSession(bytes, opts);
        }
    }

    /** Every float tensor of the graph for these inputs (name to tensor, batch of one). */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) throws OrtException {
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            for (var e : inputs.entrySet()) {
                long[] dims = java.util.Arrays.stream(e.getValue().shape().dims()).asLongStream().toArray();
                feed.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(e.getValue().data()), dims));
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            try (OrtSession.Result r = session.run(feed)) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    if (e.getValue() instanceof OnnxTensor t
                            && t.getInfo().type == ai.onnxruntime.OnnxJavaType.FLOAT) {
                        long[] s = t.getInfo().getShape();
                        int[] d = new int[s.length];
                        for (int i = 0; i < d.length; i++) {
                            d[i] = (int) s[i];
                        }
                        FloatBuffer fb = t.getFloatBuffer();
                        float[] f = new float[fb.remaining()];
                        fb.get(f);
                        out.put(e.getKey(), new Tensor(new Shape(d), f));
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
