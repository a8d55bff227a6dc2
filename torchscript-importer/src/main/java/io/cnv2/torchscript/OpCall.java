package io.cnv2.torchscript;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One call of an aten operation: its arguments by position or by the schema's keyword, and the
 * interpreter (for the graph being built and the current module scope). The accessors read an
 * argument as the schema types it and say which argument was wrong when it is not.
 */
record OpCall(String op, List<Object> args, Map<String, Object> kwargs, Interpreter in) {
    OnnxBuilder g() {
        return in.graph();
    }

    String scope() {
        return in.scope();
    }

    boolean has(int i, String name) {
        return i < args.size() || kwargs.containsKey(name);
    }

    Object arg(int i, String name) {
        if (i >= 0 && i < args.size()) {
            return args.get(i);
        }
        if (kwargs.containsKey(name)) {
            return kwargs.get(name);
        }
        throw new TranslationException(op + ": argument '" + name + "' missing");
    }

    Object arg(int i, String name, Object dflt) {
        return has(i, name) ? arg(i, name) : dflt;
    }

    boolean isNone(int i, String name) {
        return !has(i, name) || Values.isNone(arg(i, name));
    }

    TVal tensor(int i, String name) {
        Object v = arg(i, name);
        if (v instanceof TVal t) {
            return t;
        }
        if (v instanceof Long || v instanceof Double || v instanceof Boolean) {
            return Builtins.toTensor(v);
        }
        throw new TranslationException(op + ": argument '" + name + "' should be a tensor, got " + Interpreter.describe(v));
    }

    long integer(int i, String name) {
        return Builtins.toLong(arg(i, name));
    }

    long integer(int i, String name, long dflt) {
        return isNone(i, name) ? dflt : integer(i, name);
    }

    double real(int i, String name) {
        return Builtins.toDouble(arg(i, name));
    }

    double real(int i, String name, double dflt) {
        return isNone(i, name) ? dflt : real(i, name);
    }

    /**
     * A bool argument. A list, tuple or string is refused, as PyTorch's schema check refuses it
     * (Python's truthiness would read {@code avg_pool1d(x, [2], [2], [0], [1])}'s [1], max_pool1d's
     * dilation left in place, as ceil_mode True).
     */
    boolean bool(int i, String name, boolean dflt) {
        if (isNone(i, name)) {
            return dflt;
        }
        Object v = arg(i, name);
        if (v instanceof List<?> || v instanceof Values.Tuple || v instanceof String) {
            throw new TranslationException(op + ": argument '" + name + "' should be a bool, got " + Interpreter.describe(v));
        }
        return in.truth(v, op + " argument " + name);
    }

    /** An int[] argument ({@code [1, 1]}, a tuple, or one int that stands for all of them). */
    long[] ints(int i, String name) {
        Object v = arg(i, name);
        if (v instanceof Long || v instanceof TVal) {
            return new long[] {Builtins.toLong(v)};
        }
        List<Object> items = v instanceof Values.Tuple t ? t.items() : v instanceof List<?> l ? new ArrayList<>(l) : null;
        if (items == null) {
            throw new TranslationException(op + ": argument '" + name + "' should be a list of ints, got "
                    + Interpreter.describe(v));
        }
        long[] out = new long[items.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = Builtins.toLong(items.get(k));
        }
        return out;
    }

    /** A Tensor[] argument. */
    List<TVal> tensors(int i, String name) {
        Object v = arg(i, name);
        List<Object> items = v instanceof Values.Tuple t ? t.items() : v instanceof List<?> l ? new ArrayList<>(l) : null;
        if (items == null) {
            throw new TranslationException(op + ": argument '" + name + "' should be a list of tensors");
        }
        List<TVal> out = new ArrayList<>();
        for (Object o : items) {
            if (!(o instanceof TVal t)) {
                throw new TranslationException(op + ": argument '" + name + "' holds " + Interpreter.describe(o));
            }
            out.add(t);
        }
        return out;
    }

    /** Emits a node in the current scope. */
    TVal node(String opType, List<?> inputs, int[] shape, TVal.Type type, ai.onnx.proto.OnnxMl.AttributeProto... attrs) {
        return g().node(opType, scope(), inputs, shape, type, attrs);
    }
}
