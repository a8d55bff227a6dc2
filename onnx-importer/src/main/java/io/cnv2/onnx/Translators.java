package io.cnv2.onnx;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The registry of the ops cnv2's IR expresses, by ONNX op type, as ONNX Runtime's kernel registry
 * and onnx2torch's converters are: one small class per op family registers its translators. An op
 * not registered here runs on the host in float (docs/ONNX.md).
 */
final class Translators {
    private static final Map<String, OpTranslator> BY_OP;

    /** Where families register. */
    static final class Registry {
        private final Map<String, OpTranslator> map = new TreeMap<>();

        void add(OpTranslator t, String... ops) {
            for (String op : ops) {
                if (map.put(op, t) != null) {
                    throw new IllegalStateException("op " + op + " registered twice");
                }
            }
        }
    }

    static {
        Registry r = new Registry();
        AliasOps.register(r);
        WindowOps.register(r);
        DenseOps.register(r);
        ActivationOps.register(r);
        EltwiseOps.register(r);
        LayoutOps.register(r);
        NormOps.register(r);
        ResizeOps.register(r);
        RecurrentOps.register(r);
        QuantOps.register(r);
        BY_OP = Collections.unmodifiableMap(r.map);
    }

    private Translators() {
    }

    /** The translator of {@code op}, or null when cnv2's IR does not express it. */
    static OpTranslator of(String op) {
        return BY_OP.get(op);
    }

    /** Every op type with a translator. */
    static Set<String> ops() {
        return BY_OP.keySet();
    }
}
