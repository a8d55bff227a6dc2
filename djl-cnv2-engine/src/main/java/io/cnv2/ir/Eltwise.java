package io.cnv2.ir;

import java.util.List;

/** Element-wise binary op (Add, Sub, Mul, Div, Pow) with numpy (ONNX multidirectional) broadcasting. */
public record Eltwise(Kind op) implements Op {
    public enum Kind { ADD, SUB, MUL, DIV, POW }

    @Override
    public String kind() {
        return switch (op) {
            case ADD -> "Add";
            case SUB -> "Sub";
            case MUL -> "Mul";
            case DIV -> "Div";
            case POW -> "Pow";
        };
    }

    @Override
    public int arity() {
        return 2;
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        return Broadcast.shape(node, in.get(0), in.get(1));
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        return FloatKernels.eltwise(op, in.get(0), in.get(1));
    }

    public static float apply(Kind k, float a, float b) {
        return switch (k) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            // ONNX Runtime squares with one multiplication; other exponents go through pow
            case POW -> b == 2f ? a * a : (float) Math.pow(a, b);
        };
    }
}
