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
    /** Sessions whose input keeps the model's batch axis, per set of outputs (see {@link #runBatch}). */
    private final Map<Set<String>, OrtSession> batchSessions = new ConcurrentHashMap<>();
    /** The original file, whose declared shapes say which axis is a batch. */
    private final ModelProto original;
    private final Map<String, Shape> inputShapes;

    OrtFloatReference(String file, ModelProto model, Map<String, Shape> inputShapes) {
        this.file = file;
        this.original = model;
        this.inputShapes = Map.copyOf(inputShapes);
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
        Map<Set<String>, OrtSession> batched = batchSessions;
        CLEANER.register(this, () -> java.util.stream.Stream.concat(open.values().stream(), batched.values().stream())
                .forEach(s -> {
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

    /**
     * Most values of one input a batch may hold (4 MB of float): batching saves ONNX Runtime's
     * per-call work on small inputs (the shipped CNN: 0.32 -> 0.23 ms an image at 32 images), and
     * on large ones would only hold several images' activations at once.
     */
    private static final int BATCH_VALUES = 1 << 20;
    /** Most samples in one batch. */
    private static final int MAX_BATCH = 32;

    /**
     * Several samples as batches of ONNX Runtime where the file allows it: one graph input whose
     * first axis is a named dimension (a {@code dim_param}, which the sample's shape gives as 1),
     * and every wanted tensor a graph output whose first axis is declared the same dimension, so
     * ONNX's own shapes say that sample i of the batch is sample i of the output (equal names are
     * equal sizes). The samples are stacked along that axis and the outputs split along it. Where
     * the file does not say so, sample by sample. ONNX Runtime computes each image of a batch of
     * convolutions and matrix products with the same kernels as alone; {@code BatchedFloatTest}
     * holds the batch to the single runs bit for bit.
     */
    @Override
    public java.util.List<Map<String, Tensor>> runBatch(java.util.List<Map<String, Tensor>> inputs,
                                                         Set<String> wanted) {
        Set<String> outs = new TreeSet<>(wanted);
        String input = graphInputs.size() == 1 ? graphInputs.iterator().next() : null;
        int per = input == null ? 0 : inputShapes.get(input).size();
        if (inputs.size() < 2 || input == null || outs.contains(input) || per == 0 || !batchAxis(input, outs)) {
            return FloatReference.super.runBatch(inputs, wanted);
        }
        int batch = Math.max(1, Math.min(MAX_BATCH, BATCH_VALUES / per));
        java.util.List<Map<String, Tensor>> result = new java.util.ArrayList<>(inputs.size());
        for (int from = 0; from < inputs.size(); from += batch) {
            result.addAll(runStacked(inputs.subList(from, Math.min(inputs.size(), from + batch)), input, outs));
        }
        return result;
    }

    /** One batch: the samples' inputs stacked along the first axis, the outputs split along it. */
    private java.util.List<Map<String, Tensor>> runStacked(java.util.List<Map<String, Tensor>> samples, String input,
                                                           Set<String> outs) {
        int n = samples.size();
        Shape one = inputShapes.get(input);
        int per = one.size();
        float[] stacked = new float[n * per];
        for (int i = 0; i < n; i++) {
            Tensor t = samples.get(i).get(input);
            if (t.data().length != per) {
                return FloatReference.super.runBatch(samples, outs); // not the declared shape: let run() say so
            }
            System.arraycopy(t.data(), 0, stacked, i * per, per);
        }
        int[] dims = one.dims().clone();
        dims[0] = n;
        OrtSession session = batchSessions.computeIfAbsent(Set.copyOf(outs), this::batchSession);
        java.util.List<Map<String, Tensor>> result = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            result.add(new HashMap<>());
        }
        OrtEnvironment env = OrtHost.env();
        try (OnnxTensor x = OrtTensors.toOrt(env, new Tensor(new Shape(dims), stacked), inputTypes.getOrDefault(input, 1));
             OrtSession.Result r = session.run(Map.of(input, x))) {
            for (Map.Entry<String, OnnxValue> e : r) {
                if (!(e.getValue() instanceof OnnxTensor t)) {
                    continue;
                }
                Tensor all = OrtTensors.fromOrt(t);
                int[] od = all.shape().dims().clone();
                if (od.length == 0 || od[0] != n) {
                    throw new IllegalStateException("ONNX Runtime gave " + e.getKey() + " a first axis of "
                            + (od.length == 0 ? "none" : od[0]) + " for a batch of " + n);
                }
                int size = all.data().length / n;
                od[0] = 1;
                for (int i = 0; i < n; i++) {
                    result.get(i).put(e.getKey(), new Tensor(new Shape(od),
                            java.util.Arrays.copyOfRange(all.data(), i * size, (i + 1) * size)));
                }
            }
        } catch (OrtException e) {
            throw new io.cnv2.BadInputException("ONNX Runtime cannot run " + file + " on this input: "
                    + OrtHost.firstLine(e.getMessage()), e);
        }
        return result;
    }

    /**
     * Whether the file declares {@code input}'s first axis and the first axis of every tensor in
     * {@code outs} as one named dimension, and the sample's shape gives it as 1.
     */
    private boolean batchAxis(String input, Set<String> outs) {
        String axis = firstAxis(original.getGraph().getInputList(), input);
        if (axis == null || inputShapes.get(input).rank() == 0 || inputShapes.get(input).dim(0) != 1) {
            return false;
        }
        for (String o : outs) {
            if (!axis.equals(firstAxis(original.getGraph().getOutputList(), o))) {
                return false;
            }
        }
        return true;
    }

    /** The dim_param of the first axis of value {@code name} among {@code values}, or null. */
    private static String firstAxis(java.util.List<ValueInfoProto> values, String name) {
        for (ValueInfoProto v : values) {
            if (v.getName().equals(name) && v.getType().hasTensorType() && v.getType().getTensorType().hasShape()
                    && v.getType().getTensorType().getShape().getDimCount() > 0) {
                var d = v.getType().getTensorType().getShape().getDim(0);
                return d.hasDimParam() && !d.getDimParam().isEmpty() ? d.getDimParam() : null;
            }
        }
        return null;
    }

    /** A session of the file with its input's other axes fixed to the sample's and the first left named. */
    private OrtSession batchSession(Set<String> outputs) {
        GraphProto fixed = TypeProbe.fixInputs(original.getGraph(), inputShapes);
        GraphProto.Builder g = fixed.toBuilder().clearOutput();
        for (int i = 0; i < g.getInputCount(); i++) {
            ValueInfoProto declared = original.getGraph().getInput(i);
            ValueInfoProto in = g.getInput(i);
            if (in.getType().hasTensorType() && declared.getType().hasTensorType() && declared.getType().getTensorType()
                    .hasShape() && declared.getType().getTensorType().getShape().getDimCount() > 0) {
                var t = in.getType().toBuilder();
                t.getTensorTypeBuilder().getShapeBuilder().setDim(0,
                        declared.getType().getTensorType().getShape().getDim(0));
                g.setInput(i, in.toBuilder().setType(t));
            }
        }
        for (String o : new TreeSet<>(outputs)) {
            g.addOutput(ValueInfoProto.newBuilder().setName(o));
        }
        return OrtHost.optimisedOrPlain(original.toBuilder().setGraph(g).build().toByteArray(), "model file " + file);
    }

    private OrtSession session(Set<String> outputs) {
        GraphProto.Builder g = model.getGraph().toBuilder().clearOutput();
        for (String o : new TreeSet<>(outputs)) {
            g.addOutput(ValueInfoProto.newBuilder().setName(o));
        }
        return OrtHost.optimisedOrPlain(model.toBuilder().setGraph(g).build().toByteArray(), "model file " + file);
    }
}
