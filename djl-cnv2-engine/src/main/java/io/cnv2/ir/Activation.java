package io.cnv2.ir;

import java.util.List;

/**
 * Element-wise functions (ONNX Relu, Clip, Sigmoid, HardSigmoid, HardSwish, Tanh, Sqrt).
 * {@code a} and {@code b} are the parameters: Clip min/max, HardSigmoid alpha/beta; unused otherwise.
 */
public record Activation(Function function, float a, float b) implements Op {
    public enum Function { RELU, CLIP, SIGMOID, HARD_SIGMOID, HARD_SWISH, TANH, SQRT, LEAKY_RELU }

    public static Activation relu() {
        return new Activation(Function.RELU, 0, 0);
    }

    public static Activation clip(float min, float max) {
        return new Activation(Function.CLIP, min, max);
    }

    public static Activation sigmoid() {
        return new Activation(Function.SIGMOID, 0, 0);
    }

    /** ONNX defaults alpha = 0.2, beta = 0.5. */
    public static Activation hardSigmoid(float alpha, float beta) {
        return new Activation(Function.HARD_SIGMOID, alpha, beta);
    }

    public static Activation hardSwish() {
        return new Activation(Function.HARD_SWISH, 0, 0);
    }

    public static Activation tanh() {
        return new Activation(Function.TANH, 0, 0);
    }

    /** ONNX Sqrt (NaN below zero, as ONNX; the fixed-point rule turns NaN into 0, FIXED-POINT.md rule 1). */
    /** ONNX LeakyRelu: x for x >= 0, alpha x below (the slope kept in {@code a}). */
    public static Activation leakyRelu(float alpha) {
        return new Activation(Function.LEAKY_RELU, alpha, 0);
    }

    public static Activation sqrt() {
        return new Activation(Function.SQRT, 0, 0);
    }

    @Override
    public String kind() {
        return switch (function) {
            case RELU -> "Relu";
            case CLIP -> "Clip";
            case SIGMOID -> "Sigmoid";
            case HARD_SIGMOID -> "HardSigmoid";
            case HARD_SWISH -> "HardSwish";
            case TANH -> "Tanh";
            case SQRT -> "Sqrt";
            case LEAKY_RELU -> "LeakyRelu";
        };
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        return in.get(0);
    }

    /** The function on one value, in double (the smooth functions' fixed-point rule evaluates this too). */
    public double eval(double x) {
        return switch (function) {
            case RELU -> Math.max(0.0, x);
            case CLIP -> Math.min(Math.max(x, a), b);
            case SIGMOID -> 1.0 / (1.0 + Math.exp(-x));
            case HARD_SIGMOID -> Math.max(0.0, Math.min(1.0, (double) a * x + b));
            case HARD_SWISH -> x * Math.max(0.0, Math.min(1.0, x / 6.0 + 0.5));
            case TANH -> Math.tanh(x);
            case SQRT -> Math.sqrt(x);
            case LEAKY_RELU -> x >= 0 ? x : (double) a * x;
        };
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        Tensor x = in.get(0);
        float[] out = new float[x.data().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = evalFloat(x.data()[i]);
        }
        return new Tensor(x.shape(), out);
    }

    /** Float32 evaluation in the same order of operations as ONNX Runtime's kernels. */
    private float evalFloat(float x) {
        return switch (function) {
            case RELU -> Math.max(0f, x);
            case CLIP -> Math.min(Math.max(x, a), b);
            case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-x)));
            case HARD_SIGMOID -> Math.max(0f, Math.min(1f, a * x + b));
            case HARD_SWISH -> x * Math.max(0f, Math.min(1f, x / 6f + 0.5f));
            case TANH -> (float) Math.tanh(x);
            case SQRT -> (float) Math.sqrt(x);
            case LEAKY_RELU -> x >= 0 ? x : a * x;
        };
    }
}
