package io.cnv2.torchscript;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The archive's pickled objects as interpreter values: module objects with their path from the
 * top module, parameters and buffers as known tensors named by that path ({@code layer1.0.conv1.weight},
 * the names {@code state_dict()} gives), lists, tuples and dicts converted, None as {@link Values#NONE}.
 * Each tensor is converted once, so a parameter shared by two modules stays one ONNX initializer.
 */
final class ArchiveValues {
    private final Map<Object, Object> converted = new IdentityHashMap<>();

    /** The top module. */
    Values.Module root(PyObject top) {
        return (Values.Module) convert(top, "", "");
    }

    /** A value of constants.pkl ({@code CONSTANTS.c0} in the code). */
    Object constant(Object v, String name) {
        return convert(v, name, "");
    }

    /** Converts {@code v}, reached as attribute path {@code path}; {@code scope} is its scope segment base. */
    private Object convert(Object v, String path, String scopeBase) {
        if (v == null) {
            return Values.NONE;
        }
        if (v instanceof Long || v instanceof Double || v instanceof Boolean || v instanceof String) {
            return v;
        }
        if (v instanceof Integer i) {
            return (long) i;
        }
        Object done = converted.get(v);
        if (done != null) {
            return done;
        }
        Object out;
        if (v instanceof TorchTensor t) {
            out = tensor(t, path);
        } else if (v instanceof PyObject o) {
            out = module(o, path);
        } else if (v instanceof PyTuple t) {
            List<Object> items = new ArrayList<>();
            for (int i = 0; i < t.items().size(); i++) {
                items.add(convert(t.items().get(i), path + "." + i, scopeBase));
            }
            out = new Values.Tuple(items);
        } else if (v instanceof List<?> l) {
            List<Object> items = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                items.add(convert(l.get(i), path + "." + i, scopeBase));
            }
            out = items;
        } else if (v instanceof Map<?, ?> m) {
            Map<Object, Object> items = new LinkedHashMap<>();
            m.forEach((k, x) -> items.put(convert(k, path, scopeBase), convert(x, path + "." + k, scopeBase)));
            out = items;
        } else {
            out = v;
        }
        converted.put(v, out);
        return out;
    }

    private Values.Module module(PyObject o, String path) {
        Map<String, Object> attrs = new LinkedHashMap<>();
        Values.Module m = new Values.Module(o.className(), attrs, path);
        converted.put(o, m); // a module may (rarely) be reached again from one of its attributes
        o.attributes().forEach((k, v) -> attrs.put(k, convert(v, path.isEmpty() ? k : path + "." + k, "")));
        return m;
    }

    private static TVal tensor(TorchTensor t, String path) {
        int[] shape = new int[t.shape().length];
        for (int i = 0; i < shape.length; i++) {
            if (t.shape()[i] > Integer.MAX_VALUE) {
                throw new TranslationException("tensor " + path + " has a dimension of " + t.shape()[i]);
            }
            shape[i] = (int) t.shape()[i];
        }
        if (t.dtype().isFloatingPoint()) {
            return TVal.known(t.toFloatArray(), shape, path);
        }
        return TVal.known(t.toLongArray(), shape, t.dtype() == TorchDtype.BOOL ? TVal.Type.BOOL : TVal.Type.INT64, path);
    }

    /**
     * The scope segment PyTorch's exporter writes for a module (torch/onnx/utils.py,
     * {@code _unqualified_variable_name}): its path from the last atom that is not a number on
     * ({@code layer1.0} stays {@code layer1.0}, {@code layer1.0.conv1} is {@code conv1},
     * {@code features.1.block.0.0} is {@code block.0.0}), so node names read
     * {@code /layer1/layer1.0/conv1/Conv} in both the TorchScript translation and the export.
     */
    static String segment(Values.Module m) {
        String[] atoms = m.path().split("\\.");
        for (int i = atoms.length - 1; i >= 0; i--) {
            if (!atoms[i].chars().allMatch(Character::isDigit)) {
                return String.join(".", java.util.Arrays.copyOfRange(atoms, i, atoms.length));
            }
        }
        return m.path();
    }
}
