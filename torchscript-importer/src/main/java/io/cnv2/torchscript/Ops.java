package io.cnv2.torchscript;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The registry of aten operations the translation knows, by name ({@code conv2d}, {@code prim::NumToTensor}),
 * as the ONNX importer's registry is by op type: one small class per op family registers its
 * translators. In-place variants ({@code add_}, {@code relu_}) translate as their functional twins,
 * which is what they compute in a graph where nothing else reads the overwritten tensor (traced
 * inference code).
 */
final class Ops {
    /** Translates one call: returns the result (a TVal, a Python value, or a tuple of them). */
    @FunctionalInterface
    interface Op {
        Object apply(OpCall c);
    }

    private final Map<String, Op> table = new HashMap<>();

    Ops() {
        ScalarOps.register(this);
        ArithOps.register(this);
        ActivationOps.register(this);
        ConvOps.register(this);
        LinearOps.register(this);
        NormOps.register(this);
        PoolOps.register(this);
        ShapeOps.register(this);
        RecurrentOps.register(this);
        ResizeOps.register(this);
        AttentionOps.register(this);
        IndexOps.register(this);
        CreationOps.register(this);
        InPlaceOps.register(this);
    }

    void add(Op op, String... names) {
        for (String n : names) {
            if (table.put(n, op) != null) {
                throw new IllegalStateException("aten op " + n + " registered twice");
            }
        }
    }

    /** The translator of {@code name} (or of its functional twin when it is an in-place {@code x_}), or null. */
    Op find(String name) {
        Op op = table.get(name);
        if (op == null && name.endsWith("_") && !name.endsWith("__")) {
            op = table.get(name.substring(0, name.length() - 1));
        }
        return op;
    }

    /** Every op name with a translator, for documentation and tests. */
    Set<String> names() {
        return new TreeSet<>(table.keySet());
    }
}
