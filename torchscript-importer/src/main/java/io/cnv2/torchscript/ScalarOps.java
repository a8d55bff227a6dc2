package io.cnv2.torchscript;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The prim and aten operations on Python values that traced and scripted code computes with while
 * deciding shapes: sizes, counts, lists, identity checks, string formatting, and the tensor
 * operations that are the identity in inference (detach, contiguous, dropout in eval mode).
 */
final class ScalarOps {
    private ScalarOps() {
    }

    static void register(Ops r) {
        r.add(c -> c.arg(0, "a") instanceof Double d ? TVal.scalar(d) : TVal.scalar(Builtins.toLong(c.arg(0, "a"))),
                "prim::NumToTensor", "scalar_tensor");
        r.add(c -> {
            throw new TranslationException("the model raises " + c.arg(1, "cls", "an exception") + ": " + c.arg(0, "msg"));
        }, "prim::RaiseException");
        r.add(c -> "cpu", "prim::device", "device");
        r.add(c -> c.in().subscriptAttribute(c.arg(0, "a"), "dtype"), "prim::dtype");
        r.add(c -> false, "prim::is_cuda", "prim::requires_grad", "prim::is_nested", "is_autocast_enabled", "is_grad_enabled",
                "is_floating_point_never");
        r.add(c -> c.arg(c.args().size() - 1, "x"), "prim::unchecked_cast");
        r.add(c -> c.arg(0, "self"), "detach", "contiguous", "alias", "prim::data", "requires_grad_",
                "lift_fresh", "_shape_as_tensor_never");
        r.add(ScalarOps::dropout, "dropout", "feature_dropout", "alpha_dropout", "feature_alpha_dropout");
        r.add(ScalarOps::size, "size", "sym_size");
        r.add(c -> Interpreter.sizes(c.tensor(0, "self")), "prim::shape");
        r.add(c -> (long) c.tensor(0, "self").rank(), "dim");
        r.add(c -> (long) c.tensor(0, "self").size(), "numel");
        r.add(c -> (long) Builtins.length(c.arg(0, "a")), "len");
        r.add(c -> !c.in().truth(c.arg(0, "self"), "not"), "__not__");
        r.add(c -> same(c.arg(0, "self"), c.arg(1, "obj")), "__is__");
        r.add(c -> !same(c.arg(0, "self"), c.arg(1, "obj")), "__isnot__");
        r.add(c -> c.in().iterate(c.arg(1, "container")).stream().anyMatch(x -> equal(x, c.arg(0, "key"))),
                "__contains__reversed");
        r.add(c -> c.in().iterate(c.arg(1, "container")).stream().noneMatch(x -> equal(x, c.arg(0, "key"))),
                "__notcontains__reversed");
        r.add(c -> c.args().get(1) instanceof Map<?, ?> m ? m.containsKey(c.args().get(0))
                : c.in().iterate(c.args().get(0)).stream().anyMatch(x -> equal(x, c.args().get(1))), "__contains__");
        r.add(ScalarOps::format, "format");
        // aten::all.bool / any.bool (bool[] self), as MultiheadAttention's scripted checks call them;
        // of a tensor they are not translated
        r.add(c -> {
            if (!(c.arg(0, "self") instanceof List<?>)) {
                throw new TranslationException(c.op() + " of a tensor");
            }
            return Builtins.call(c.in(), c.op(), List.of(c.arg(0, "self")), Map.of());
        }, "all", "any");
        // aten::find(str self, str substr, int start=0, int end=-1): Python's str.find over [start, end)
        r.add(c -> {
            String self = (String) c.arg(0, "self");
            String sub = (String) c.arg(1, "substr");
            int n = self.length();
            long start = c.integer(2, "start", 0);
            long end = c.integer(3, "end", -1);
            int s0 = (int) Math.max(0, Math.min(n, start < 0 ? start + n : start));
            int e0 = (int) Math.max(0, Math.min(n, end < 0 ? end + n : end));
            int at = s0 > e0 ? -1 : self.substring(s0, e0).indexOf(sub);
            return (long) (at < 0 ? -1 : s0 + at);
        }, "find");
        r.add(c -> {
            @SuppressWarnings("unchecked")
            List<Object> l = (List<Object>) c.arg(0, "self");
            c.in().charge(1);
            l.add(c.arg(1, "el"));
            return l;
        }, "append");
        r.add(c -> copyOf(c, c.arg(0, "l")), "list");
        // aten::copy.t / copy.Dict_str: a shallow copy of a list or dict (Swin's shift_size.copy())
        r.add(c -> {
            Object v = c.arg(0, "self");
            if (v instanceof Map<?, ?> m) {
                return dictOf(m);
            }
            if (!(v instanceof List<?>)) {
                throw new TranslationException("copy of " + Interpreter.describe(v));
            }
            return copyOf(c, v);
        }, "copy");
        r.add(c -> Values.NONE, "warn", "_assert_never");
        r.add(c -> {
            Object container = c.arg(0, "l");
            if (container instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<Object, Object> map = (Map<Object, Object>) m;
                map.put(c.arg(1, "idx"), c.arg(2, "v"));
            } else {
                @SuppressWarnings("unchecked")
                List<Object> l = (List<Object>) container;
                long i = c.integer(1, "idx");
                l.set((int) (i < 0 ? i + l.size() : i), c.arg(2, "el"));
            }
            return container;
        }, "_set_item");
        // torch.dict(): an empty dict, in insertion order as TorchScript's (a segmentation model's
        // result = OrderedDict(); result["out"] = ...); torch.dict(d): a copy
        r.add(c -> dictOf(c.args().isEmpty() ? Map.of() : (Map<?, ?>) c.arg(0, "self")), "dict");
        r.add(c -> c.in().subscript(c.arg(0, "self"), c.arg(1, "idx")), "__getitem__");
        r.add(c -> Builtins.toLong(c.arg(0, "a")), "Int", "IntImplicit", "prim::Int");
        r.add(c -> Builtins.toDouble(c.arg(0, "a")), "Float", "FloatImplicit", "prim::Float");
        r.add(c -> c.arg(0, "a") instanceof TVal t && t.type() != TVal.Type.FLOAT ? (Object) Builtins.toLong(t)
                : (Object) Builtins.toDouble(c.arg(0, "a")), "ScalarImplicit", "item");
        r.add(c -> (long) Math.floor(Builtins.toDouble(c.arg(0, "a"))), "math::floor");
        r.add(c -> (long) Math.ceil(Builtins.toDouble(c.arg(0, "a"))), "math::ceil");
        r.add(c -> Math.sqrt(Builtins.toDouble(c.arg(0, "a"))), "math::sqrt");
        r.add(c -> Math.log(Builtins.toDouble(c.arg(0, "a"))), "math::log");
        r.add(c -> Math.exp(Builtins.toDouble(c.arg(0, "a"))), "math::exp");
        r.add(c -> {
            long lo = c.integer(0, "lo");
            long hi = c.integer(1, "hi");
            long step = c.integer(2, "step");
            return Math.max(0, (hi - lo + step + (step > 0 ? -1 : 1)) / step);
        }, "__range_length");
        r.add(c -> c.integer(1, "start") + c.integer(0, "index") * c.integer(2, "step"), "__derive_index");
    }

    /** aten::list / copy.t: a shallow copy of a list (or of what iterates as one), charged per item. */
    private static List<Object> copyOf(OpCall c, Object items) {
        List<Object> l = new ArrayList<>(c.in().iterate(items));
        c.in().charge(l.size());
        return l;
    }

    /** torch.dict(d) / copy.Dict: a shallow copy in insertion order, as TorchScript's dicts keep it. */
    private static Map<Object, Object> dictOf(Map<?, ?> m) {
        return new java.util.LinkedHashMap<Object, Object>(m);
    }

    private static Object dropout(OpCall c) {
        if (c.bool(2, "train", false) && c.real(1, "p", 0) > 0) {
            throw new TranslationException(c.op() + " in training mode (p = " + c.real(1, "p", 0) + "): save the module "
                    + "after model.eval()");
        }
        return c.arg(0, "input");
    }

    private static Object size(OpCall c) {
        TVal t = c.tensor(0, "self");
        if (c.has(1, "dim")) {
            return (long) t.dim(c.integer(1, "dim"));
        }
        return Interpreter.sizes(t);
    }

    private static boolean same(Object a, Object b) {
        if (Values.isNone(a) || Values.isNone(b)) {
            return a == b;
        }
        return a == b || equal(a, b);
    }

    static boolean equal(Object a, Object b) {
        if ((a instanceof Long || a instanceof Double || a instanceof Boolean)
                && (b instanceof Long || b instanceof Double || b instanceof Boolean)) {
            return Builtins.toDouble(a) == Builtins.toDouble(b);
        }
        return a.equals(b);
    }

    private static Object format(OpCall c) {
        String fmt = String.valueOf(c.arg(0, "fmt"));
        c.in().charge(fmt.length());
        StringBuilder b = new StringBuilder();
        int k = 1;
        for (int i = 0; i < fmt.length(); i++) {
            if (fmt.startsWith("{}", i)) {
                b.append(k < c.args().size() ? String.valueOf(c.args().get(k++)) : "{}");
                i++;
            } else {
                b.append(fmt.charAt(i));
            }
        }
        return b.toString();
    }
}
