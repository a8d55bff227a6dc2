package io.cnv2.torchscript;

import java.util.Arrays;
import java.util.List;

/**
 * Tensors made by the code rather than read from the input: zeros, ones, full, arange, and the
 * conversions ({@code to}, {@code type_as}, {@code float}). Shapes are known, so these are known
 * tensors (constants in the ONNX graph) unless they copy a computed tensor's values.
 */
final class CreationOps {
    /** PyTorch's ScalarType codes for the types the translation carries. */
    private static final int INT64 = 4;
    private static final int BOOL = 11;

    private CreationOps() {
    }

    static void register(Ops r) {
        r.add(c -> filled(c, c.ints(0, "size"), 0), "zeros");
        r.add(c -> filled(c, c.ints(0, "size"), 1), "ones");
        r.add(c -> filled(c, c.ints(0, "size"), c.real(1, "fill_value")), "full");
        r.add(c -> filled(c, Shapes.longs(c.tensor(0, "self").shape()), 0), "zeros_like");
        r.add(c -> filled(c, Shapes.longs(c.tensor(0, "self").shape()), 1), "ones_like");
        r.add(c -> filled(c, Shapes.longs(c.tensor(0, "self").shape()), c.real(1, "fill_value")), "full_like");
        r.add(CreationOps::arange, "arange");
        r.add(CreationOps::to, "to", "type_as", "float", "type");
    }

    private static boolean integerType(OpCall c, int at) {
        Object d = c.kwargs().containsKey("dtype") ? c.kwargs().get("dtype") : at >= 0 && at < c.args().size() ? c.args().get(at) : Values.NONE;
        return d instanceof Long l && (l == INT64 || l == 3 || l == 2 || l == 1 || l == 0 || l == BOOL);
    }

    private static TVal filled(OpCall c, long[] size, double v) {
        return filled(c, size, integerType(c, 1) ? TVal.Type.INT64 : TVal.Type.FLOAT, v);
    }

    /** A known tensor of {@code size}, every value {@code v}, of {@code type} (also new_zeros' and its kin's, InPlaceOps). */
    static TVal filled(OpCall c, long[] size, TVal.Type type, double v) {
        for (long d : size) {
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new TranslationException(c.op() + " of size " + Arrays.toString(size));
            }
        }
        int[] shape = Arrays.stream(size).mapToInt(x -> (int) x).toArray();
        int n = Shapes.knownSize(shape);
        c.in().charge(n);
        if (type != TVal.Type.FLOAT) {
            long[] l = new long[n];
            Arrays.fill(l, (long) v);
            return TVal.known(l, shape, type, null);
        }
        float[] f = new float[n];
        Arrays.fill(f, (float) v);
        return TVal.known(f, shape, null);
    }

    private static TVal arange(OpCall c) {
        double start = 0;
        double end;
        double step = 1;
        List<Object> nums = c.args().stream().filter(a -> a instanceof Long || a instanceof Double || a instanceof TVal).toList();
        if (nums.size() == 1) {
            end = Builtins.toDouble(nums.get(0));
        } else {
            start = Builtins.toDouble(nums.get(0));
            end = Builtins.toDouble(nums.get(1));
            if (nums.size() > 2) {
                step = Builtins.toDouble(nums.get(2));
            }
        }
        if (step == 0 || (end - start) * step < 0) {
            // PyTorch: "upper bound and larger bound inconsistent with step sign"
            throw new TranslationException("arange from " + start + " to " + end + " in steps of " + step);
        }
        double count = Math.ceil((end - start) / step);
        if (!(count <= Shapes.MAX_KNOWN)) {
            throw new TranslationException("arange of " + count + " values");
        }
        int n = (int) Math.max(0, count);
        c.in().charge(n);
        boolean ints = nums.stream().noneMatch(a -> a instanceof Double) && !c.kwargs().containsKey("dtype") || integerType(c, -1);
        if (ints) {
            long[] l = new long[n];
            for (int i = 0; i < n; i++) {
                l[i] = (long) (start + i * step);
            }
            return TVal.known(l, new int[] {n}, TVal.Type.INT64, null);
        }
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (start + i * step);
        }
        return TVal.known(f, new int[] {n}, null);
    }

    /** Conversions: to float keeps float tensors and casts integer ones; to an integer type casts. */
    private static TVal to(OpCall c) {
        TVal t = c.tensor(0, "self");
        TVal.Type want = t.type();
        for (Object a : c.args().subList(1, c.args().size())) {
            if (a instanceof Long l) {
                want = l == 6 || l == 7 || l == 5 || l == 15 ? TVal.Type.FLOAT : l == BOOL ? TVal.Type.BOOL : TVal.Type.INT64;
                break;
            }
            if (a instanceof TVal other) {
                want = other.type();
                break;
            }
        }
        if (c.kwargs().get("dtype") instanceof Long l) {
            want = l == 6 || l == 7 || l == 5 || l == 15 ? TVal.Type.FLOAT : l == BOOL ? TVal.Type.BOOL : TVal.Type.INT64;
        }
        if (c.op().equals("float")) {
            want = TVal.Type.FLOAT;
        }
        if (want == t.type()) {
            return t;
        }
        if (t.isKnown()) {
            return want == TVal.Type.FLOAT ? TVal.known(ArithOps.floats(t), t.shape(), t.origin())
                    : TVal.known(toLongs(t), t.shape(), want, t.origin());
        }
        return c.node("Cast", List.of(t), t.shape(), want, OnnxBuilder.i("to", want.onnx));
    }

    private static long[] toLongs(TVal t) {
        if (t.longs() != null) {
            return t.longs();
        }
        long[] l = new long[t.floats().length];
        for (int i = 0; i < l.length; i++) {
            l[i] = (long) t.floats()[i];
        }
        return l;
    }
}
