package io.cnv2.torchscript;

import java.util.List;

/**
 * Activations and softmax, emitted as PyTorch's exporter emits them at opset 17 (so the ONNX
 * importer meets the same operators in a TorchScript file as in its export): relu6 and hardtanh
 * as Clip, hardswish and hardsigmoid as HardSwish and HardSigmoid(1/6, 1/2), silu as x * sigmoid(x),
 * gelu as the exact erf form.
 */
final class ActivationOps {
    private ActivationOps() {
    }

    static void register(Ops r) {
        r.add(c -> same(c, "Relu"), "relu");
        r.add(c -> same(c, "Sigmoid"), "sigmoid");
        r.add(c -> same(c, "Tanh"), "tanh");
        r.add(c -> same(c, "HardSwish"), "hardswish");
        r.add(c -> same(c, "Softsign"), "softsign");
        r.add(c -> {
            TVal x = c.tensor(0, "self");
            return c.node("HardSigmoid", List.of(x), x.shape(), x.type(), OnnxBuilder.f("alpha", 1f / 6), OnnxBuilder.f("beta", 0.5f));
        }, "hardsigmoid");
        r.add(c -> clip(c, 0, 6), "relu6");
        r.add(c -> clip(c, c.real(1, "min_val", -1), c.real(2, "max_val", 1)), "hardtanh");
        r.add(ActivationOps::clamp, "clamp", "clip");
        r.add(c -> clampOne(c, true), "clamp_min");
        r.add(c -> clampOne(c, false), "clamp_max");
        r.add(c -> {
            TVal x = c.tensor(0, "self");
            return c.node("LeakyRelu", List.of(x), x.shape(), x.type(), OnnxBuilder.f("alpha", (float) c.real(1, "negative_slope", 0.01)));
        }, "leaky_relu");
        r.add(c -> {
            TVal x = c.tensor(0, "self");
            double alpha = c.real(1, "alpha", 1);
            if (c.real(2, "scale", 1) != 1 || c.real(3, "input_scale", 1) != 1) {
                throw new TranslationException("elu with a scale other than 1 (selu?) is not supported");
            }
            return c.node("Elu", List.of(x), x.shape(), x.type(), OnnxBuilder.f("alpha", (float) alpha));
        }, "elu");
        r.add(c -> {
            TVal x = c.tensor(0, "self");
            return c.node("Selu", List.of(x), x.shape(), x.type());
        }, "selu");
        r.add(c -> {
            TVal x = c.tensor(0, "self");
            TVal s = c.node("Sigmoid", List.of(x), x.shape(), x.type());
            return c.node("Mul", List.of(x, s), x.shape(), x.type());
        }, "silu");
        r.add(ActivationOps::gelu, "gelu");
        r.add(c -> {
            TVal x = c.tensor(0, "self");
            if (c.real(1, "beta", 1) != 1) {
                throw new TranslationException("softplus with beta other than 1 is not supported");
            }
            return c.node("Softplus", List.of(x), x.shape(), x.type());
        }, "softplus");
        r.add(c -> {
            TVal x = c.tensor(0, "self");
            TVal w = c.tensor(1, "weight");
            TVal slope = w;
            if (x.rank() >= 2 && w.rank() == 1 && w.shape()[0] > 1) { // per channel: broadcast over the spatial axes
                int[] s = new int[x.rank() - 1];
                java.util.Arrays.fill(s, 1);
                s[0] = w.shape()[0];
                slope = w.isKnown() ? TVal.known(w.floats(), s, w.origin()) : w;
            }
            return c.node("PRelu", List.of(x, slope), x.shape(), x.type());
        }, "prelu");
        r.add(c -> softmax(c, "Softmax"), "softmax");
        r.add(c -> softmax(c, "LogSoftmax"), "log_softmax");
    }

    private static TVal same(OpCall c, String onnx) {
        TVal x = c.tensor(0, "self");
        return c.node(onnx, List.of(x), x.shape(), x.type());
    }

    private static TVal clip(OpCall c, double lo, double hi) {
        TVal x = c.tensor(0, "self");
        return c.node("Clip", List.of(x, TVal.scalar(lo), TVal.scalar(hi)), x.shape(), x.type());
    }

    private static TVal clamp(OpCall c) {
        TVal x = c.tensor(0, "self");
        Object lo = c.arg(1, "min", Values.NONE);
        Object hi = c.arg(2, "max", Values.NONE);
        return c.node("Clip", List.of(x, Values.isNone(lo) ? "" : TVal.scalar(Builtins.toDouble(lo)),
                Values.isNone(hi) ? "" : TVal.scalar(Builtins.toDouble(hi))), x.shape(), x.type());
    }

    private static TVal clampOne(OpCall c, boolean min) {
        TVal x = c.tensor(0, "self");
        TVal v = TVal.scalar(c.real(1, min ? "min" : "max"));
        return c.node("Clip", min ? List.of(x, v) : List.of(x, "", v), x.shape(), x.type());
    }

    private static TVal gelu(OpCall c) {
        TVal x = c.tensor(0, "self");
        Object approx = c.arg(1, "approximate", "none");
        if (!"none".equals(approx)) {
            throw new TranslationException("gelu(approximate='" + approx + "') is not supported");
        }
        // 0.5 * x * (1 + erf(x / sqrt(2))), in the exporter's order
        TVal d = c.node("Div", List.of(x, TVal.scalar(1.4142135381698608)), x.shape(), x.type());
        TVal e = c.node("Erf", List.of(d), x.shape(), x.type());
        TVal a = c.node("Add", List.of(e, TVal.scalar(1.0)), x.shape(), x.type());
        TVal m = c.node("Mul", List.of(x, a), x.shape(), x.type());
        return c.node("Mul", List.of(m, TVal.scalar(0.5)), x.shape(), x.type());
    }

    private static TVal softmax(OpCall c, String onnx) {
        TVal x = c.tensor(0, "self");
        int axis = x.axis(c.integer(1, "dim"));
        return c.node(onnx, List.of(x), x.shape(), x.type(), OnnxBuilder.i("axis", axis));
    }
}
