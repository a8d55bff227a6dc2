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
import io.cnv2.ir.FloatReference;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.lang.ref.Cleaner;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ONNX Runtime running the original model file as the float authority of an imported network
 * ({@link FloatReference}). One session per set of tensors asked for (the outputs for a run's float
 * column, the calibrated tensors for profiling), each with exactly those tensors as graph outputs so
 * that ONNX Runtime plans its memory as it does for the model itself; made when first asked for, and
 * closed when the reference is no longer reachable.
 */
final class OrtFloatReference implements FloatReference {
    private static final Cleaner CLEANER = Cleaner.create();

    private final String file;
    private final ModelProto model;
    private final Set<String> computable = new HashSet<>();
    private final Map<String, Integer> inputTypes = new HashMap<>();
    private final Set<String> graphInputs = new HashSet<>();
    private final Map<Set<String>, OrtSession> sessions = new ConcurrentHashMap<>();

    OrtFloatReference(String file, ModelProto model, Map<String, Shape> inputShapes) {
        this.file = file;
        this.model = model.toBuilder().setGraph(TypeProbe.fixInputs(model.getGraph(), inputShapes)).build();
        for (ValueInfoProto in : model.getGraph().getInputList()) {
            inputTypes.put(in.getName(), in.getType().getTensorType().getElemType());
        }
        graphInputs.addAll(inputShapes.keySet());
        computable.addAll(graphInputs);
        for (NodeProto n : model.getGraph().getNodeList()) {
            n.getOutputList().stream().filter(o -> !o.isEmpty()).forEach(computable::add);
        }
        Map<Set<String>, OrtSession> open = sessions;
        CLEANER.register(this, () -> open.values().forEach(s -> {
            try {
                s.close();
            } catch (OrtException ignored) {
                // at collection: nobody to tell
            }
        }));
    }

    @Override
    public String name() {
        return OrtHost.RUNTIME;
    }

    @Override
    public boolean computes(String tensor) {
        return computable.contains(tensor);
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs, Set<String> wanted) {
        Map<String, Tensor> result = new HashMap<>();
        stream(inputs, wanted, result::put);
        return result;
    }

    @Override
    public void stream(Map<String, Tensor> inputs, Set<String> wanted,
                       java.util.function.BiConsumer<String, Tensor> each) {
        Set<String> outs = new TreeSet<>(wanted);
        outs.removeAll(graphInputs);
        for (String w : wanted) {
            if (graphInputs.contains(w)) {
                each.accept(w, inputs.get(w));
            }
        }
        if (outs.isEmpty()) {
            return;
        }
        OrtSession session = sessions.computeIfAbsent(Set.copyOf(outs), this::session);
        OrtEnvironment env = OrtHost.env();
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            for (String in : graphInputs) {
                feed.put(in, OrtTensors.toOrt(env, inputs.get(in), inputTypes.getOrDefault(in, 1)));
            }
            try (OrtSession.Result r = session.run(feed)) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    if (e.getValue() instanceof OnnxTensor t) {
                        each.accept(e.getKey(), OrtTensors.fromOrt(t));
                    }
                }
            }
        } catch (OrtException e) {
            // the model cannot run on this input (a kernel its attributes contradict, say): the file's fault
            throw new io.cnv2.BadInputException("ONNX Runtime cannot run " + file + " on this input: "
                    + OrtHost.firstLine(e.getMessage()), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    private OrtSession session(Set<String> outputs) {
        GraphProto.Builder g = model.getGraph().toBuilder().clearOutput();
        for (String o : new TreeSet<>(outputs)) {
            g.addOutput(ValueInfoProto.newBuilder().setName(o));
        }
        return OrtHost.optimisedOrPlain(model.toBuilder().setGraph(g).build().toByteArray(), "model file " + file);
    }
}
