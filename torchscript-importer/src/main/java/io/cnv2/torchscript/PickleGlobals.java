package io.cnv2.torchscript;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The names a TorchScript pickle may import, and what calling each one gives: tensors rebuilt from
 * storages, the {@code torch.jit._pickle} helpers that only tag a value's type, {@code OrderedDict},
 * {@code torch.device}, and the classes of TorchScript code ({@code __torch__.*}), whose objects are
 * {@link PyObject}s. Nothing else is imported: a pickle can name any Python callable, and a reader
 * that trusted the file would let it run any of them.
 */
final class PickleGlobals {
    private static final String TORCH_CLASSES = "__torch__";
    private static final Map<String, Function<PyTuple, Object>> FUNCTIONS = new LinkedHashMap<>();

    static {
        FUNCTIONS.put("torch._utils._rebuild_tensor_v2", PickleGlobals::rebuildTensor);
        FUNCTIONS.put("torch._utils._rebuild_tensor", PickleGlobals::rebuildTensor);
        FUNCTIONS.put("torch._utils._rebuild_parameter", PickleGlobals::rebuildParameter);
        FUNCTIONS.put("torch._utils._rebuild_parameter_with_state", PickleGlobals::rebuildParameter);
        FUNCTIONS.put("collections.OrderedDict", PickleGlobals::orderedDict);
        FUNCTIONS.put("torch.device", PickleGlobals::device);
        // TorchScript wraps typed lists and dicts in these so that Python restores their element type;
        // the value itself is the first argument
        for (String tag : List.of("build_intlist", "build_tensorlist", "build_doublelist", "build_boollist",
                "restore_type_tag")) {
            FUNCTIONS.put("torch.jit._pickle." + tag, args -> arg(args, 0, Object.class, tag));
        }
    }

    private PickleGlobals() {
    }

    /** Null if {@code g} may be imported, else why not. */
    static String refusal(PyGlobal g) {
        if (FUNCTIONS.containsKey(g.qualifiedName()) || isTorchClass(g) || storageType(g).isPresent()) {
            return null;
        }
        if (g.module().equals("torch") && g.name().endsWith("Storage")) {
            return "storage type " + g + " is not supported (supported: " + storageNames() + ")";
        }
        return "global " + g + " is not supported (TorchScript pickles import " + String.join(", ", FUNCTIONS.keySet())
                + ", torch.*Storage and __torch__.* classes)";
    }

    /** REDUCE: {@code g(*args)}. */
    static Object call(PyGlobal g, PyTuple args) {
        Function<PyTuple, Object> f = FUNCTIONS.get(g.qualifiedName());
        if (f == null) {
            throw new IllegalArgumentException(g + " cannot be called" + (isTorchClass(g) ? " (its objects are made by NEWOBJ)" : ""));
        }
        return f.apply(args);
    }

    /** NEWOBJ: {@code cls.__new__(cls, *args)}, for TorchScript classes, whose state BUILD then sets. */
    static Object newObject(PyGlobal cls, PyTuple args) {
        if (!isTorchClass(cls)) {
            throw new IllegalArgumentException("NEWOBJ makes objects of __torch__.* classes, not of " + cls);
        }
        if (args.size() != 0) {
            throw new IllegalArgumentException("NEWOBJ of " + cls + " with arguments " + args + " (TorchScript passes none)");
        }
        return new PyObject(cls.qualifiedName());
    }

    /** The element type a storage class global names, e.g. {@code torch.HalfStorage} is float16. */
    static Optional<TorchDtype> storageType(PyGlobal g) {
        return g.module().equals("torch") ? TorchDtype.ofStorageClass(g.name()) : Optional.empty();
    }

    private static boolean isTorchClass(PyGlobal g) {
        return g.module().equals(TORCH_CLASSES) || g.module().startsWith(TORCH_CLASSES + ".");
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])}, and v1 without the last. */
    private static Object rebuildTensor(PyTuple args) {
        String f = "_rebuild_tensor_v2";
        if (args.size() != 4 && args.size() != 6 && args.size() != 7) {
            throw new IllegalArgumentException(f + " takes 4, 6 or 7 arguments, not " + args.size());
        }
        TypedStorage storage = arg(args, 0, TypedStorage.class, f);
        long offset = arg(args, 1, Long.class, f);
        long[] size = longs(arg(args, 2, PyTuple.class, f), f + " size");
        long[] stride = longs(arg(args, 3, PyTuple.class, f), f + " stride");
        boolean requiresGrad = args.size() > 4 && arg(args, 4, Boolean.class, f);
        return new TorchTensor(storage.dtype(), size, stride, offset, storage.storage(), requiresGrad);
    }

    /** {@code _rebuild_parameter(data, requires_grad, hooks[, state])}: the tensor, marked trainable as saved. */
    private static Object rebuildParameter(PyTuple args) {
        String f = "_rebuild_parameter";
        if (args.size() != 3 && args.size() != 4) {
            throw new IllegalArgumentException(f + " takes 3 or 4 arguments, not " + args.size());
        }
        TorchTensor t = arg(args, 0, TorchTensor.class, f);
        boolean requiresGrad = arg(args, 1, Boolean.class, f);
        return new TorchTensor(t.dtype(), t.shape(), t.strides(), t.storageOffset(), t.storage(), requiresGrad);
    }

    /** {@code OrderedDict()} or {@code OrderedDict([(k, v), ...])}; SETITEMS usually fills it afterwards. */
    private static Object orderedDict(PyTuple args) {
        Map<Object, Object> map = new LinkedHashMap<>();
        if (args.size() > 1) {
            throw new IllegalArgumentException("OrderedDict takes at most 1 argument, not " + args.size());
        }
        if (args.size() == 1) {
            for (Object item : arg(args, 0, List.class, "OrderedDict")) {
                if (!(item instanceof PyTuple pair) || pair.size() != 2) {
                    throw new IllegalArgumentException("OrderedDict items must be (key, value) pairs, not " + item);
                }
                map.put(Pickle.checkKey(pair.get(0)), pair.get(1));
            }
        }
        return map;
    }

    /** {@code torch.device('cuda', 0)} or {@code torch.device('cpu')}: an object with {@code type} and {@code index}. */
    private static Object device(PyTuple args) {
        if (args.size() != 1 && args.size() != 2) {
            throw new IllegalArgumentException("torch.device takes 1 or 2 arguments, not " + args.size());
        }
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("type", arg(args, 0, String.class, "torch.device"));
        state.put("index", args.size() == 2 ? arg(args, 1, Long.class, "torch.device") : null);
        PyObject device = new PyObject("torch.device");
        device.build(state);
        return device;
    }

    private static <T> T arg(PyTuple args, int i, Class<T> type, String function) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(function + " needs argument " + i + ", got " + args.size() + " arguments");
        }
        Object a = args.get(i);
        if (!type.isInstance(a)) {
            throw new IllegalArgumentException("argument " + i + " of " + function + " must be a " + type.getSimpleName()
                    + ", not " + describe(a));
        }
        return type.cast(a);
    }

    private static long[] longs(PyTuple t, String what) {
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long l)) {
                throw new IllegalArgumentException(what + " must hold integers, not " + describe(t.get(i)));
            }
            out[i] = l;
        }
        return out;
    }

    static String describe(Object value) {
        return value == null ? "None" : value.getClass().getSimpleName();
    }

    private static String storageNames() {
        List<String> names = new ArrayList<>();
        for (TorchDtype d : TorchDtype.values()) {
            names.add("torch." + d.storageClass());
        }
        return String.join(", ", new TreeSet<>(names));
    }
}
