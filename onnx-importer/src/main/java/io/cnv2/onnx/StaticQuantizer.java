package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import io.cnv2.AtomicFiles;
import io.cnv2.BadInputException;
import io.cnv2.ir.Tensor;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Static post-training quantisation of an ONNX model into the QDQ form that ONNX Runtime runs
 * with its integer kernels ({@code cnv2 quantize}; docs/FIXED-POINT.md, "Static quantisation"):
 * unroll each LSTM over its time steps into MatMuls ({@link RecurrentUnroll}, unless the spec keeps
 * recurrent nodes float), find the quantisable layers ({@link QuantisableLayer}), calibrate their activation ranges on
 * ONNX Runtime running the float model ({@link ActivationRanges}), derive scales and zero points
 * ({@link ActivationQuant}, {@link WeightQuant}) and rewrite the graph ({@link QdqRewrite}). The
 * result is checked to load in ONNX Runtime before it is returned.
 */
public final class StaticQuantizer {
    private StaticQuantizer() {
    }

    /**
     * A quantised model.
     *
     * @param model  the QDQ model
     * @param layers the quantised layers, in graph order
     * @param spec   how it was quantised
     * @param opset  its default-domain opset
     * @param unrolled each LSTM node unrolled before quantisation, by name, with its sequence length
     */
    public record Result(ModelProto model, List<Layer> layers, QuantSpec spec, long opset,
                         Map<String, Integer> unrolled) {
        /** The quantised layers' names. */
        public List<String> names() {
            return layers.stream().map(Layer::name).toList();
        }
    }

    /** A quantised layer: its node's name (its output's, for an unnamed node) and op type. */
    public record Layer(String name, String op) {
    }

    /** Quantises the model in {@code file}, calibrated on {@code calibration} (model inputs by name). */
    public static Result quantize(Path file, List<Map<String, Tensor>> calibration, QuantSpec spec) {
        return quantize(OnnxImporter.parse(file), file.toString(), calibration, spec);
    }

    /** Quantises {@code model} ({@code file} names it in errors). */
    public static Result quantize(ModelProto model, String file, List<Map<String, Tensor>> calibration, QuantSpec spec) {
        if (calibration.isEmpty()) {
            throw new BadInputException("model file " + file + ": no calibration samples to quantise with");
        }
        Map<String, Integer> unrolled = Map.of();
        if (spec.unrollRecurrent()) {
            RecurrentUnroll.Result u = RecurrentUnroll.apply(model, calibration.get(0), file);
            model = u.model();
            unrolled = u.unrolled();
        }
        // Relu is folded into the output's QuantizeLinear only where zero is the least level (uint8, zero point 0)
        List<QuantisableLayer> layers = QuantisableLayer.find(model.getGraph(), !spec.symmetric());
        if (layers.isEmpty()) {
            throw new BadInputException("model file " + file + " has no quantisable layer (a Conv, Gemm or MatMul "
                    + "whose weight is a float32 initializer)");
        }
        Set<String> tensors = new LinkedHashSet<>();
        for (QuantisableLayer l : layers) {
            tensors.add(l.input());
            tensors.add(l.output());
        }
        Map<String, ActivationRanges.Range> ranges = ActivationRanges.measure(model, tensors, calibration, file);
        Map<String, ActivationQuant> activations = new HashMap<>();
        ranges.forEach((t, r) -> activations.put(t, ActivationQuant.of(r.lo(), r.hi(), spec.symmetric())));
        ModelProto q = QdqRewrite.apply(model, layers, activations, spec);
        // a raised opset may change an op the file relies on: ONNX Runtime must still take the file
        OrtModel.checkLoads(q, "model file " + file + " quantised (opset " + opset(q) + ")");
        List<Layer> names = layers.stream().map(l -> new Layer(l.node().getName().isEmpty() ? l.node().getOutput(0)
                : l.node().getName(), l.node().getOpType())).toList();
        return new Result(q, names, spec, opset(q), unrolled);
    }

    /** Writes {@code r}'s model to {@code target} atomically. */
    public static void write(Result r, Path target) {
        AtomicFiles.write(target, r.model().toByteArray());
    }

    /** The default-domain opset a model imports. */
    static long opset(ModelProto m) {
        for (OperatorSetIdProto o : m.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                return o.getVersion();
            }
        }
        return 0;
    }
}
