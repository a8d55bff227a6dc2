package io.cnv2.torchscript;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.LongBinaryOperator;

/**
 * Element-wise arithmetic, comparisons and reductions. On Python numbers and on tensors whose
 * values are known (sizes, constants, parameters) they are computed here, in the element type
 * PyTorch computes them in (float32 arithmetic for float tensors, so a folded constant has
 * PyTorch's bits); on computed tensors they become the ONNX operator of the same name, with
 * NumPy broadcasting as both define it.
 */
final class ArithOps {
    private ArithOps() {
    }

    static void register(Ops r) {
        r.add(c -> addSub(c, "Add", 1), "add");
        r.add(c -> addSub(c, "Sub", 1), "sub", "subtract");
        r.add(c -> {
            // rsub(a, b, alpha) = b - alpha * a
            OpCall swapped = new OpCall("sub", List.of(c.arg(1, "other"), c.arg(0, "self")), c.kwargs(), c.in());
            return addSub(swapped, "Sub", 1);
        }, "rsub");
        r.add(c -> binary(c, "Mul", (a, b) -> a * b, (a, b) -> a * b), "mul", "multiply");
        r.add(ArithOps::div, "div", "divide", "true_divide");
        r.add(c -> floorDiv(c), "floordiv", "floor_divide");
        r.add(c -> binary(c, "Mod", (a, b) -> a - Math.floor(a / b) * b, Math::floorMod), "remainder");
        r.add(c -> binary(c, "Pow", Math::pow, (a, b) -> (long) Math.pow(a, b)), "pow");
        r.add(c -> compare(c, "Equal", false), "eq");
        r.add(c -> compare(c, "NotEqual", false), "ne");
        r.add(c -> compare(c, "Less", false), "lt");
        r.add(c -> compare(c, "Greater", false), "gt");
        r.add(c -> compare(c, "LessOrEqual", false), "le");
        r.add(c -> compare(c, "GreaterOrEqual", false), "ge");
        r.add(c -> unary(c, "Neg", x -> -x), "neg", "negative");
        r.add(c -> unary(c, "Sqrt", x -> (float) Math.sqrt(x)), "sqrt");
        r.add(c -> unary(c, "Exp", x -> (float) Math.exp(x)), "exp");
        r.add(c -> unary(c, "Log", x -> (float) Math.log(x)), "log");
        r.add(c -> unary(c, "Abs", Math::abs), "abs");
        r.add(c -> unary(c, "Reciprocal", x -> 1f / x), "reciprocal");
        r.add(c -> unary(c, "Floor", x -> (float) Math.floor(x)), "floor");
        r.add(c -> unary(c, "Ceil", x -> (float) Math.ceil(x)), "ceil");
        r.add(c -> unary(c, "Sin", x -> (float) Math.sin(x)), "sin");
        r.add(c -> unary(c, "Cos", x -> (float) Math.cos(x)), "cos");
        r.add(c -> unary(c, "Erf", x -> {
            throw new TranslationException("erf of a constant");
        }), "erf");
        r.add(ArithOps::rsqrt, "rsqrt");
        // aten::sum.int / sum.float (a list of numbers, Swin's sum(shift_size)), else the tensor reduction
        r.add(c -> c.arg(0, "self") instanceof List<?> l ? Builtins.call(c.in(), "sum", List.of(l), java.util.Map.of())
                : reduce(c, "ReduceSum"), "sum");
        r.add(c -> reduce(c, "ReduceMean"), "mean");
        r.add(c -> c.has(1, "dim") ? reduceWithIndex(c, "ReduceMax") : reduce(c, "ReduceMax"), "max");
        r.add(c -> c.has(1, "dim") ? reduceWithIndex(c, "ReduceMin") : reduce(c, "ReduceMin"), "min");
        r.add(c -> reduce(c, "ReduceMax"), "amax");
        r.add(c -> reduce(c, "ReduceMin"), "amin");
        r.add(c -> binary(c, "Max", Math::max, Math::max), "maximum");
        r.add(c -> binary(c, "Min", Math::min, Math::min), "minimum");
        r.add(ArithOps::where, "where");
        r.add(ArithOps::maskedFill, "masked_fill");
    }

    /** Python number (or bool) operands: the result of {@code op} on them, else null. */
    private static boolean pythonNumbers(Object a, Object b) {
        return (a instanceof Long || a instanceof Double || a instanceof Boolean)
                && (b instanceof Long || b instanceof Double || b instanceof Boolean);
    }

    private static Object addSub(OpCall c, String onnx, int sign) {
        Object a = c.arg(0, "self");
        Object b = c.arg(1, "other");
        if (a instanceof List<?> la && b instanceof List<?> lb) { // list + list concatenates
            c.in().charge((long) la.size() + lb.size());
            List<Object> out = new ArrayList<>(la);
            out.addAll(lb);
            return out;
        }
        if (a instanceof String sa && b instanceof String sb) {
            c.in().charge((long) sa.length() + sb.length());
            return sa + sb;
        }
        double alpha = c.real(2, "alpha", 1);
        if (alpha != 1) {
            b = binary(new OpCall("mul", List.of(b, alpha), java.util.Map.of(), c.in()), "Mul", (x, y) -> x * y, (x, y) -> x * y);
        }
        boolean add = onnx.equals("Add");
        return binary(new OpCall(c.op(), List.of(a, b), java.util.Map.of(), c.in()), onnx,
                add ? (x, y) -> x + y : (x, y) -> x - y, add ? Long::sum : (x, y) -> x - y);
    }

    private static Object div(OpCall c) {
        Object mode = c.arg(2, "rounding_mode", Values.NONE);
        if ("trunc".equals(mode) || "floor".equals(mode)) {
            Object a = c.arg(0, "self");
            Object b = c.arg(1, "other");
            if (known(a) && known(b) && !isFloat(a) && !isFloat(b)) {
                return binary(new OpCall("div", List.of(a, b), java.util.Map.of(), c.in()), "Div", (x, y) -> x / y,
                        "trunc".equals(mode) ? (x, y) -> x / y : Math::floorDiv);
            }
            if (known(a) && known(b)) {
                return binary(new OpCall("div", List.of(a, b), java.util.Map.of(), c.in()), "Div",
                        "trunc".equals(mode) ? (x, y) -> (double) (long) (x / y) : (x, y) -> Math.floor(x / y), (x, y) -> x / y);
            }
            TVal q = (TVal) binary(new OpCall("div", List.of(a, b), java.util.Map.of(), c.in()), "Div", (x, y) -> x / y,
                    (x, y) -> x / y);
            return q.type() == TVal.Type.FLOAT && "floor".equals(mode) ? c.node("Floor", List.of(q), q.shape(), q.type()) : q;
        }
        Object a = c.arg(0, "self");
        Object b = c.arg(1, "other");
        if (pythonNumbers(a, b)) {
            return Builtins.toDouble(a) / Builtins.toDouble(b); // Python's / on numbers is true division
        }
        // true division: integer tensors divide as floats
        return binary(new OpCall("div", List.of(asFloat(a), asFloat(b)), java.util.Map.of(), c.in()), "Div",
                (x, y) -> x / y, (x, y) -> x / y);
    }

    private static Object asFloat(Object v) {
        if (v instanceof Long l) {
            return (double) l;
        }
        if (v instanceof TVal t && t.isKnown() && t.type() != TVal.Type.FLOAT) {
            float[] f = new float[t.longs().length];
            for (int i = 0; i < f.length; i++) {
                f[i] = t.longs()[i];
            }
            return TVal.known(f, t.shape(), t.origin());
        }
        return v;
    }

    private static Object floorDiv(OpCall c) {
        Object a = c.arg(0, "self");
        Object b = c.arg(1, "other");
        if (pythonNumbers(a, b) && a instanceof Long && b instanceof Long) {
            return Math.floorDiv((long) a, (long) b);
        }
        return binary(c, "Div", (x, y) -> Math.floor(x / y), Math::floorDiv);
    }

    private static boolean known(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean || v instanceof TVal t && t.isKnown();
    }

    private static boolean isFloat(Object v) {
        return v instanceof Double || v instanceof TVal t && t.type() == TVal.Type.FLOAT;
    }

    /**
     * A binary element-wise operation: Python numbers give a Python number; known tensors a known
     * tensor (float32 arithmetic for float, as PyTorch); otherwise an ONNX node.
     */
    static Object binary(OpCall c, String onnx, DoubleBinaryOperator fop, LongBinaryOperator lop) {
        Object a = c.arg(0, "self");
        Object b = c.arg(1, "other");
        if (pythonNumbers(a, b)) {
            if (a instanceof Double || b instanceof Double) {
                return fop.applyAsDouble(Builtins.toDouble(a), Builtins.toDouble(b));
            }
            return lop.applyAsLong(Builtins.toLong(a), Builtins.toLong(b));
        }
        TVal.Type type = isFloat(a) || isFloat(b) ? TVal.Type.FLOAT : TVal.Type.INT64;
        TVal ta = operand(a, type);
        TVal tb = operand(b, type);
        int[] shape = Shapes.broadcast(ta.shape(), tb.shape());
        if (ta.isKnown() && tb.isKnown()) {
            int n = Shapes.knownSize(shape);
            c.in().charge(n);
            if (type == TVal.Type.FLOAT) {
                float[] out = new float[n];
                float[] fa = floats(ta);
                float[] fb = floats(tb);
                for (int i = 0; i < n; i++) {
                    // float32 arithmetic: the double result of one IEEE operation on floats, rounded once
                    out[i] = (float) fop.applyAsDouble(fa[Shapes.source(i, shape, ta.shape())], fb[Shapes.source(i, shape, tb.shape())]);
                }
                return TVal.known(out, shape, null);
            }
            long[] out = new long[n];
            for (int i = 0; i < n; i++) {
                out[i] = lop.applyAsLong(ta.longs()[Shapes.source(i, shape, ta.shape())], tb.longs()[Shapes.source(i, shape, tb.shape())]);
            }
            return TVal.known(out, shape, TVal.Type.INT64, null);
        }
        return c.node(onnx, List.of(ta, tb), shape, type);
    }

    /** A binary operand as a tensor of the operation's element type (Python numbers become 0-d constants). */
    static TVal operand(Object v, TVal.Type type) {
        if (v instanceof TVal t) {
            if (t.type() != type && t.isKnown()) {
                return type == TVal.Type.FLOAT ? (TVal) asFloat(t) : t;
            }
            if (t.type() != type && type == TVal.Type.FLOAT) {
                throw new TranslationException("arithmetic between an integer tensor and a float is not supported");
            }
            return t;
        }
        if (type == TVal.Type.FLOAT) {
            return TVal.known(new float[] {(float) Builtins.toDouble(v)}, new int[0], null);
        }
        return TVal.known(new long[] {Builtins.toLong(v)}, new int[0], TVal.Type.INT64, null);
    }

    static float[] floats(TVal t) {
        if (t.floats() != null) {
            return t.floats();
        }
        float[] f = new float[t.longs().length];
        for (int i = 0; i < f.length; i++) {
            f[i] = t.longs()[i];
        }
        return f;
    }

    private static Object compare(OpCall c, String onnx, boolean unused) {
        Object a = c.arg(0, "self");
        Object b = c.arg(1, "other");
        if (!(a instanceof TVal) && !(b instanceof TVal) && !(pythonNumbers(a, b))) {
            boolean eq = ScalarOps.equal(a, b);
            return switch (onnx) {
                case "Equal" -> eq;
                case "NotEqual" -> !eq;
                default -> throw new TranslationException("cannot compare " + Interpreter.describe(a) + " and "
                        + Interpreter.describe(b));
            };
        }
        DoubleBinaryOperator f = switch (onnx) {
            case "Equal" -> (x, y) -> x == y ? 1 : 0;
            case "NotEqual" -> (x, y) -> x != y ? 1 : 0;
            case "Less" -> (x, y) -> x < y ? 1 : 0;
            case "Greater" -> (x, y) -> x > y ? 1 : 0;
            case "LessOrEqual" -> (x, y) -> x <= y ? 1 : 0;
            default -> (x, y) -> x >= y ? 1 : 0;
        };
        if (pythonNumbers(a, b)) {
            return f.applyAsDouble(Builtins.toDouble(a), Builtins.toDouble(b)) != 0;
        }
        TVal.Type type = isFloat(a) || isFloat(b) ? TVal.Type.FLOAT : TVal.Type.INT64;
        TVal ta = operand(a, type);
        TVal tb = operand(b, type);
        int[] shape = Shapes.broadcast(ta.shape(), tb.shape());
        if (ta.isKnown() && tb.isKnown()) {
            int n = Shapes.knownSize(shape);
            c.in().charge(n);
            long[] out = new long[n];
            float[] fa = floats(ta);
            float[] fb = floats(tb);
            for (int i = 0; i < n; i++) {
                out[i] = (long) f.applyAsDouble(fa[Shapes.source(i, shape, ta.shape())], fb[Shapes.source(i, shape, tb.shape())]);
            }
            return TVal.known(out, shape, TVal.Type.BOOL, null);
        }
        return c.node(onnx, List.of(ta, tb), shape, TVal.Type.BOOL);
    }

    private static Object unary(OpCall c, String onnx, java.util.function.DoubleUnaryOperator f) {
        Object v = c.arg(0, "self");
        if (v instanceof Long || v instanceof Double) {
            double r = f.applyAsDouble(Builtins.toDouble(v));
            return v instanceof Long && onnx.equals("Neg") ? (Object) (long) r : (Object) r;
        }
        TVal t = c.tensor(0, "self");
        if (t.isKnown()) {
            c.in().charge(t.size());
            if (t.type() != TVal.Type.FLOAT) {
                long[] out = new long[t.longs().length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = (long) f.applyAsDouble(t.longs()[i]);
                }
                return TVal.known(out, t.shape(), t.type(), null);
            }
            float[] out = new float[t.floats().length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) f.applyAsDouble(t.floats()[i]);
            }
            return TVal.known(out, t.shape(), null);
        }
        return c.node(onnx, List.of(t), t.shape(), t.type());
    }

    private static Object rsqrt(OpCall c) {
        TVal t = c.tensor(0, "self");
        TVal s = c.node("Sqrt", List.of(t), t.shape(), t.type());
        return c.node("Reciprocal", List.of(s), t.shape(), t.type());
    }

    /** sum / mean / max / min over dims (or all), keepdim as given (opset 13+: Reduce ops take axes as attribute or input). */
    private static Object reduce(OpCall c, String onnx) {
        TVal t = c.tensor(0, "self");
        long[] dims;
        boolean keep;
        if (c.isNone(1, "dim")) {
            dims = new long[t.rank()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = i;
            }
            keep = false;
        } else {
            dims = c.ints(1, "dim");
            keep = c.bool(2, "keepdim", false);
        }
        int[] axes = t.axes(dims);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < t.rank(); i++) {
            final int d = i;
            boolean reduced = java.util.Arrays.stream(axes).anyMatch(a -> a == d);
            if (!reduced) {
                out.add(t.shape()[i]);
            } else if (keep) {
                out.add(1);
            }
        }
        int[] shape = out.stream().mapToInt(Integer::intValue).toArray();
        if (onnx.equals("ReduceSum")) { // opset 13: axes is an input
            TVal ax = TVal.known(java.util.Arrays.stream(axes).asLongStream().toArray(), new int[] {axes.length}, TVal.Type.INT64, null);
            return c.node(onnx, List.of(t, ax), shape, t.type(), OnnxBuilder.i("keepdims", keep ? 1 : 0));
        }
        return c.node(onnx, List.of(t), shape, t.type(), OnnxBuilder.ints("axes", axes), OnnxBuilder.i("keepdims", keep ? 1 : 0));
    }

    /** max(x, dim) returns values and indices; only the values are translated. */
    private static Object reduceWithIndex(OpCall c, String onnx) {
        Object second = c.arg(1, "dim");
        if (second instanceof TVal other) { // max(a, b): element-wise
            TVal a = c.tensor(0, "self");
            return c.node(onnx.equals("ReduceMax") ? "Max" : "Min", List.of(a, other), Shapes.broadcast(a.shape(), other.shape()),
                    a.type());
        }
        TVal t = c.tensor(0, "self");
        int axis = t.shapeAxis(c.integer(1, "dim"));
        boolean keep = c.bool(2, "keepdim", false);
        int[] shape = keep ? t.shape().clone() : new int[t.rank() - 1];
        if (keep) {
            shape[axis] = 1;
        } else {
            for (int i = 0, k = 0; i < t.rank(); i++) {
                if (i != axis) {
                    shape[k++] = t.shape()[i];
                }
            }
        }
        TVal values = c.node(onnx, List.of(t), shape, t.type(), OnnxBuilder.ints("axes", axis), OnnxBuilder.i("keepdims", keep ? 1 : 0));
        TVal indices = c.node(onnx.equals("ReduceMax") ? "ArgMax" : "ArgMin", List.of(t), shape, TVal.Type.INT64,
                OnnxBuilder.i("axis", axis), OnnxBuilder.i("keepdims", keep ? 1 : 0));
        return new Values.Tuple(List.of(values, indices));
    }

    /**
     * aten::masked_fill(self, mask, value): value where mask is true, self elsewhere, in self's type
     * and shape (PyTorch broadcasts the mask to self, never self to the mask). Known operands give
     * known values (Swin's attention mask is a constant); otherwise ONNX Where.
     */
    private static Object maskedFill(OpCall c) {
        TVal self = c.tensor(0, "self");
        TVal mask = c.tensor(1, "mask");
        TVal value = operand(c.arg(2, "value"), self.type());
        if (value.rank() != 0) {
            throw new TranslationException("masked_fill with a value of shape " + value.shapeString() + " (a 0-d value is needed)");
        }
        if (!java.util.Arrays.equals(Shapes.broadcast(self.shape(), mask.shape()), self.shape())) {
            throw new TranslationException("masked_fill of a tensor of shape " + self.shapeString() + " with a mask of shape " + mask.shapeString());
        }
        if (self.isKnown() && mask.isKnown() && value.isKnown()) {
            int n = self.size();
            c.in().charge(n);
            float[] f = self.floats() != null ? self.floats().clone() : null;
            long[] l = self.longs() != null ? self.longs().clone() : null;
            for (int i = 0; i < n; i++) {
                if (mask.longs()[Shapes.source(i, self.shape(), mask.shape())] != 0) {
                    if (f != null) {
                        f[i] = value.floats()[0];
                    } else {
                        l[i] = value.longs()[0];
                    }
                }
            }
            return new TVal(null, self.shape(), self.type(), f, l, null);
        }
        return c.node("Where", List.of(mask, value, self), self.shape(), self.type());
    }

    private static Object where(OpCall c) {
        TVal cond = c.tensor(0, "condition");
        Object a = c.arg(1, "self");
        Object b = c.arg(2, "other");
        TVal.Type type = isFloat(a) || isFloat(b) ? TVal.Type.FLOAT : TVal.Type.INT64;
        TVal ta = operand(a, type);
        TVal tb = operand(b, type);
        int[] shape = Shapes.broadcast(cond.shape(), Shapes.broadcast(ta.shape(), tb.shape()));
        return c.node("Where", List.of(cond, ta, tb), shape, type);
    }
}
