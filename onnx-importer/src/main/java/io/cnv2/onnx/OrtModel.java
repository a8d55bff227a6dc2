package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.cnv2.BadInputException;
import io.cnv2.ir.Tensor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ONNX Runtime running a whole model file, as a user of the file would (full graph optimisation,
 * so QDQ groups are fused into ONNX Runtime's integer kernels), with {@code threads} intra-op
 * threads: one sample at a time, every core on it. Returns every graph output by name.
 */
public final class OrtModel implements AutoCloseable {
    private final OrtSession session;
    private final String what;
    private final Map<String, Integer> inputTypes = new HashMap<>();

    /** A session over {@code model}; {@code what} names it in errors. */
    public OrtModel(ModelProto model, String what, int threads) {
        this(model, what, threads, false);
    }

    /**
     * As {@link #OrtModel(ModelProto, String, int)}; {@code unoptimised} runs the graph as written
     * (QuantizeLinear and DequantizeLinear in float, no fusion): the QDQ model's own meaning.
     */
    OrtModel(ModelProto model, String what, int threads, boolean unoptimised) {
        this.what = what;
        for (ValueInfoProto in : model.getGraph().getInputList()) {
            inputTypes.put(in.getName(), in.getType().getTensorType().getElemType());
        }
        this.session = OrtHost.session(model.toByteArray(), what, unoptimised, threads);
    }

    /** Fails with a one-line {@link BadInputException} naming {@code what} if ONNX Runtime does not take {@code model}. */
    static void checkLoads(ModelProto model, String what) {
        new OrtModel(model, what, 1).close();
    }

    /** All cores of this machine: what a whole-model evaluation should use. */
    public static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** The model's outputs for one set of inputs (by name; inputs the graph does not declare are ignored). */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        OrtEnvironment env = OrtHost.env();
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
                Integer type = inputTypes.get(e.getKey());
                if (type != null) {
                    feed.put(e.getKey(), OrtTensors.toOrt(env, e.getValue(), type));
                }
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            try (OrtSession.Result r = session.run(feed)) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    if (e.getValue() instanceof OnnxTensor t) {
                        out.put(e.getKey(), OrtTensors.fromOrt(t));
                    }
                }
            }
            return out;
        } catch (OrtException e) {
            throw new BadInputException("ONNX Runtime cannot run " + what + " on this input: "
                    + OrtHost.firstLine(e.getMessage()), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException ignored) {
            // nothing left to release that the caller could act on
        }
    }
}
