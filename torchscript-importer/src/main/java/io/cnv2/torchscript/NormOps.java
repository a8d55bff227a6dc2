package io.cnv2.torchscript;

import java.util.Arrays;
import java.util.List;

/**
 * Batch and layer normalisation in inference form: BatchNormalization with the running
 * statistics (folded into a preceding convolution afterwards, as PyTorch's exporter does, by
 * {@link Peephole}), LayerNormalization (opset 17) over the trailing normalised dimensions.
 */
final class NormOps {
    private NormOps() {
    }

    static void register(Ops r) {
        r.add(NormOps::batchNorm, "batch_norm", "_native_batch_norm_legit_no_training");
        r.add(NormOps::layerNorm, "layer_norm");
    }

    private static TVal batchNorm(OpCall c) {
        TVal x = c.tensor(0, "input");
        if (c.bool(5, "training", false)) {
            throw new TranslationException("batch_norm in training mode: save the module after model.eval()");
        }
        if (c.isNone(3, "running_mean") || c.isNone(4, "running_var")) {
            throw new TranslationException("batch_norm without running statistics (track_running_stats=False) is not supported");
        }
        int ch = x.shape()[1];
        Object w = c.arg(1, "weight", Values.NONE);
        Object b = c.arg(2, "bias", Values.NONE);
        TVal scale = Values.isNone(w) ? filled(ch, 1f) : (TVal) w;
        TVal bias = Values.isNone(b) ? filled(ch, 0f) : (TVal) b;
        double momentum = c.real(6, "momentum", 0.1);
        double eps = c.real(7, "eps", 1e-5);
        return c.node("BatchNormalization", List.of(x, scale, bias, c.tensor(3, "running_mean"), c.tensor(4, "running_var")),
                x.shape(), x.type(), OnnxBuilder.f("epsilon", (float) eps), OnnxBuilder.f("momentum", (float) (1 - momentum)));
    }

    private static TVal filled(int n, float v) {
        float[] f = new float[n];
        Arrays.fill(f, v);
        return TVal.known(f, new int[] {n}, null);
    }

    private static TVal layerNorm(OpCall c) {
        TVal x = c.tensor(0, "input");
        long[] norm = c.ints(1, "normalized_shape");
        int n = 1;
        for (int i = 0; i < norm.length; i++) {
            if (x.shape()[x.rank() - norm.length + i] != norm[i]) {
                throw new TranslationException("layer_norm over " + Arrays.toString(norm) + " of a tensor of shape " + x.shapeString());
            }
            n *= (int) norm[i];
        }
        int[] ns = Arrays.stream(norm).mapToInt(v -> (int) v).toArray();
        Object w = c.arg(2, "weight", Values.NONE);
        Object b = c.arg(3, "bias", Values.NONE);
        TVal scale = Values.isNone(w) ? TVal.known(fill(n, 1f), ns, null) : (TVal) w;
        List<Object> in = Values.isNone(b) ? List.of(x, scale) : List.of(x, scale, b);
        return c.node("LayerNormalization", in, x.shape(), x.type(), OnnxBuilder.i("axis", -norm.length),
                OnnxBuilder.f("epsilon", (float) c.real(4, "eps", 1e-5)));
    }

    private static float[] fill(int n, float v) {
        float[] f = new float[n];
        Arrays.fill(f, v);
        return f;
    }
}
