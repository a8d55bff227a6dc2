package io.cnv2.torchscript;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Python's builtins as TorchScript code uses them, on values known while translating. */
final class Builtins {
    private Builtins() {
    }

    static Object call(Interpreter in, String name, List<Object> args, Map<String, Object> kwargs) {
        for (Object a : args) {
            if (a instanceof Values.Poison p) {
                return p;
            }
        }
        return switch (name) {
            case "int" -> toLong(args.get(0));
            case "float" -> toDouble(args.get(0));
            case "bool" -> in.truth(args.get(0), "bool()");
            case "str" -> String.valueOf(args.get(0));
            case "len" -> (long) length(args.get(0));
            case "range" -> range(args);
            case "annotate", "unchecked_cast" -> args.get(1);
            case "uninitialized" -> Values.NONE;
            case "isinstance" -> isinstance(args.get(0), args.get(1));
            case "getattr" -> in.subscriptAttribute(args.get(0), (String) args.get(1));
            case "hasattr" -> hasattr(in, args.get(0), (String) args.get(1));
            case "print" -> Values.NONE;
            case "slice" -> new Values.Slice(args.get(0), args.get(1));
            case "min", "max" -> minMax(name, args.size() == 1 ? in.iterate(args.get(0)) : args);
            case "abs" -> args.get(0) instanceof Long l ? (Object) Math.abs(l) : (Object) Math.abs(toDouble(args.get(0)));
            case "round" -> (double) Math.rint(toDouble(args.get(0)));
            case "list" -> new ArrayList<>(in.iterate(args.get(0)));
            case "tuple" -> new Values.Tuple(in.iterate(args.get(0)));
            case "sum" -> {
                long s = 0;
                for (Object o : in.iterate(args.get(0))) {
                    s += toLong(o);
                }
                yield s;
            }
            case "all", "any" -> {
                boolean all = true;
                boolean any = false;
                for (Object o : in.iterate(args.get(0))) {
                    boolean t = in.truth(o, name);
                    all &= t;
                    any |= t;
                }
                yield name.equals("all") ? all : any;
            }
            case "enumerate" -> {
                List<Object> out = new ArrayList<>();
                List<Object> items = in.iterate(args.get(0));
                for (int i = 0; i < items.size(); i++) {
                    out.add(new Values.Tuple(List.of((long) i, items.get(i))));
                }
                yield out;
            }
            case "zip" -> {
                List<Object> a = in.iterate(args.get(0));
                List<Object> b = in.iterate(args.get(1));
                List<Object> out = new ArrayList<>();
                for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
                    out.add(new Values.Tuple(List.of(a.get(i), b.get(i))));
                }
                yield out;
            }
            default -> throw new TranslationException("builtin " + name + " is not supported");
        };
    }

    private static boolean hasattr(Interpreter in, Object o, String name) {
        try {
            in.subscriptAttribute(o, name);
            return true;
        } catch (TranslationException e) {
            return false;
        }
    }

    private static Object minMax(String name, List<Object> items) {
        Object best = null;
        for (Object o : items) {
            if (best == null || (name.equals("min") ? toDouble(o) < toDouble(best) : toDouble(o) > toDouble(best))) {
                best = o;
            }
        }
        return best;
    }

    private static boolean isinstance(Object v, Object type) {
        String t = type instanceof Values.TypeName n ? n.text() : String.valueOf(type);
        if (t.startsWith("Tensor")) {
            return v instanceof TVal;
        }
        if (t.startsWith("List")) {
            return v instanceof List;
        }
        if (t.startsWith("Tuple")) {
            return v instanceof Values.Tuple;
        }
        if (t.startsWith("NoneType")) {
            return Values.isNone(v);
        }
        throw new TranslationException("isinstance(..., " + t + ") is not supported");
    }

    private static List<Object> range(List<Object> args) {
        long start = 0;
        long stop;
        long step = 1;
        if (args.size() == 1) {
            stop = toLong(args.get(0));
        } else {
            start = toLong(args.get(0));
            stop = toLong(args.get(1));
            if (args.size() > 2) {
                step = toLong(args.get(2));
            }
        }
        if (step == 0) {
            throw new TranslationException("range() step is 0");
        }
        long n = Math.max(0, (stop - start + step + (step > 0 ? -1 : 1)) / step);
        if (n > 1_000_000) {
            throw new TranslationException("range() of " + n + " items");
        }
        List<Object> out = new ArrayList<>();
        for (long v = start; step > 0 ? v < stop : v > stop; v += step) {
            out.add(v);
        }
        return out;
    }

    static int length(Object v) {
        if (v instanceof List<?> l) {
            return l.size();
        }
        if (v instanceof Values.Tuple t) {
            return t.items().size();
        }
        if (v instanceof String s) {
            return s.length();
        }
        if (v instanceof Map<?, ?> m) {
            return m.size();
        }
        if (v instanceof TVal t && t.rank() > 0) {
            return t.shape()[0];
        }
        throw new TranslationException("len() of " + Interpreter.describe(v));
    }

    static long toLong(Object v) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Double d) {
            return (long) (double) d; // int(x) truncates toward zero, as Python's
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof TVal t) {
            double d = t.scalarValue();
            return (long) d;
        }
        throw new TranslationException("an integer known at translation time was expected, got " + Interpreter.describe(v));
    }

    static double toDouble(Object v) {
        if (v instanceof Double d) {
            return d;
        }
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof TVal t) {
            return t.scalarValue();
        }
        throw new TranslationException("a number known at translation time was expected, got " + Interpreter.describe(v));
    }

    /** A Python number as a 0-d tensor (an int as int64, a float as float). */
    static TVal toTensor(Object v) {
        if (v instanceof Double d) {
            return TVal.scalar(d);
        }
        return TVal.scalar(toLong(v));
    }
}
