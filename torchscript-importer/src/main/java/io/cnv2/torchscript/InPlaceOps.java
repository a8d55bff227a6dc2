package io.cnv2.torchscript;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * In-place writes into tensors the code itself made, as scripted code builds a constant such as
 * Swin's shifted-window mask: {@code m = x.new_zeros([H, W]); m[0:-7, 0:-7] = 0; m[0:-7, -7:-3] = 1 ...},
 * printed by TorchScript as {@code torch.copy_(torch.slice(torch.slice(m, 0, 0, -7), 1, 0, -7), t)}.
 * A made tensor's values are known while translating, so the writes are done then, and the tensor
 * stays a constant of the ONNX graph.
 *
 * <p>PyTorch's slices and selects are views that share the written tensor's storage; here they are
 * copies. So a slice or select of a made tensor records which of its elements it covers (a
 * {@link Region}), a write goes through that record into the made tensor (and into the region's own
 * copy), and every other tensor read from the made tensor before the write is marked stale: reading
 * one afterwards, which in PyTorch would see the write, is refused rather than translated with the
 * old values. Writes into a parameter, an input or a computed tensor are refused (ONNX graphs have
 * no in-place update; a ScatterND translation is not done).
 */
final class InPlaceOps {
    /** Which elements of {@code root} (row-major, one per element of the view) a view covers, as of a write count. */
    private record Region(TVal root, int[] index, int generation) {
    }

    /** Writes so far into each made tensor. */
    private final Map<TVal, int[]> generations = new IdentityHashMap<>();
    /** Slices and selects of made tensors (the made tensors themselves are regions of every element). */
    private final Map<TVal, Region> regions = new IdentityHashMap<>();
    /** Other tensors computed from a made tensor: its root and the write count they saw. */
    private final Map<TVal, Region> derived = new IdentityHashMap<>();

    static void register(Ops r) {
        r.add(c -> made(c, c.tensor(0, "self"), 0), "new_zeros");
        r.add(c -> made(c, c.tensor(0, "self"), 1), "new_ones");
        r.add(c -> made(c, c.tensor(0, "self"), c.real(2, "fill_value")), "new_full");
        r.add(InPlaceOps::tensor, "tensor");
        r.add(InPlaceOps::cloned, "clone");
        r.add(c -> c.in().inPlace().write(c, c.tensor(0, "self"), c.tensor(1, "src")), "copy_");
        r.add(c -> c.in().inPlace().write(c, c.tensor(0, "self"), c.tensor(1, "value")), "fill_");
        r.add(c -> c.in().inPlace().write(c, c.tensor(0, "self"), TVal.scalar(0L)), "zero_");
    }

    /** aten::new_zeros / new_ones / new_full(self, size): a made tensor of self's type. */
    private static TVal made(OpCall c, TVal like, double v) {
        TVal t = CreationOps.filled(c, c.ints(1, "size"), dtype(c, like.type()), v);
        c.in().inPlace().root(t);
        return t;
    }

    /**
     * aten::clone: a computed tensor is its own value (nothing writes into it); a known one is
     * copied and may be written into, without the original seeing the writes (Swin V2's
     * {@code qkv_bias.clone()} then {@code zero_} of a slice; detach and contiguous stay aliases, as
     * in PyTorch).
     */
    private static TVal cloned(OpCall c) {
        TVal t = c.tensor(0, "self");
        if (!t.isKnown()) {
            return t;
        }
        c.in().charge(t.size());
        TVal copy = new TVal(null, t.shape(), t.type(), t.floats() == null ? null : t.floats().clone(),
                t.longs() == null ? null : t.longs().clone(), t.origin());
        c.in().inPlace().root(copy);
        return copy;
    }

    /** The {@code dtype} keyword's type (PyTorch's ScalarType codes), else {@code dflt}. */
    private static TVal.Type dtype(OpCall c, TVal.Type dflt) {
        Object d = c.kwargs().get("dtype");
        if (!(d instanceof Long code)) {
            return dflt;
        }
        return code == 11 ? TVal.Type.BOOL : code <= 4 ? TVal.Type.INT64 : TVal.Type.FLOAT;
    }

    /** aten::tensor(data, dtype, device): a known tensor from a number or a nested list of numbers. */
    private static TVal tensor(OpCall c) {
        Object data = c.arg(0, "data");
        List<Integer> dims = new java.util.ArrayList<>();
        Object at = data;
        while (at instanceof List<?> l) {
            dims.add(l.size());
            at = l.isEmpty() ? null : l.get(0);
        }
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        int n = Shapes.knownSize(shape);
        c.in().charge(n);
        double[] v = new double[n];
        boolean[] real = new boolean[1];
        int[] next = new int[1];
        flatten(data, 0, shape, v, next, real);
        TVal.Type type = dtype(c, real[0] ? TVal.Type.FLOAT : at instanceof Boolean ? TVal.Type.BOOL : TVal.Type.INT64);
        if (type == TVal.Type.FLOAT) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = (float) v[i];
            }
            return TVal.known(f, shape, null);
        }
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            l[i] = (long) v[i];
        }
        return TVal.known(l, shape, type, null);
    }

    private static void flatten(Object data, int depth, int[] shape, double[] out, int[] next, boolean[] real) {
        if (depth == shape.length) {
            if (data instanceof List<?> || data instanceof TVal || data == null) {
                throw new TranslationException("tensor of a ragged or non-numeric list");
            }
            real[0] |= data instanceof Double;
            out[next[0]++] = data instanceof Boolean b ? (b ? 1 : 0) : Builtins.toDouble(data);
            return;
        }
        if (!(data instanceof List<?> l) || l.size() != shape[depth]) {
            throw new TranslationException("tensor of a ragged list");
        }
        for (Object o : l) {
            flatten(o, depth + 1, shape, out, next, real);
        }
    }

    /** Marks {@code t}, just made, as a tensor the code may write into. */
    void root(TVal t) {
        generations.put(t, new int[1]);
        regions.put(t, new Region(t, null, 0));
    }

    /** Whether {@code t} is a made tensor, a view of one, or computed from one (its results are tracked). */
    boolean tracks(TVal t) {
        return regions.containsKey(t) || derived.containsKey(t);
    }

    /**
     * {@code view} was sliced or selected from {@code parent}; {@code indexOf} applies the same
     * slice to a tensor of element numbers (so a view's region is computed by the op's own code).
     */
    void sliced(TVal parent, TVal view, java.util.function.UnaryOperator<TVal> indexOf) {
        Region p = regions.get(parent);
        if (p == null || view == parent) {
            return;
        }
        int[] idx = p.index != null ? p.index : identity(parent.size());
        long[] numbers = new long[idx.length];
        for (int i = 0; i < idx.length; i++) {
            numbers[i] = idx[i];
        }
        TVal picked = indexOf.apply(TVal.known(numbers, parent.shape(), TVal.Type.INT64, null));
        int[] mine = new int[picked.size()];
        for (int i = 0; i < mine.length; i++) {
            mine[i] = (int) picked.longs()[i];
        }
        regions.put(view, new Region(p.root, mine, p.generation));
    }

    /**
     * Before an op reads {@code args}: refuses a tensor read from a made tensor before a later write
     * into it (PyTorch's view would see the write, a copy does not).
     */
    void checkReads(String op, List<Object> args, java.util.Collection<Object> kwargs) {
        if (generations.isEmpty()) {
            return;
        }
        // a write's own target (its first argument) is written, not read
        boolean writes = op.equals("copy_") || op.equals("fill_") || op.equals("zero_");
        for (int i = writes ? 1 : 0; i < args.size(); i++) {
            checkRead(op, args.get(i));
        }
        for (Object a : kwargs) {
            checkRead(op, a);
        }
    }

    private void checkRead(String op, Object a) {
        if (a instanceof TVal t) {
            Region r = regions.containsKey(t) ? regions.get(t) : derived.get(t);
            if (r != null && t != r.root && r.generation != generations.get(r.root)[0]) {
                throw new TranslationException(op + " reads a tensor taken from one written in place after it was taken"
                        + " (a view of it in PyTorch; cnv2 translates views as copies)");
            }
        }
    }

    /** After an op: a tensor it computed from a made tensor is tracked, at the made tensor's write count. */
    void noteResult(List<Object> args, Object result) {
        if (generations.isEmpty()) {
            return;
        }
        Region from = null;
        for (Object a : args) {
            if (a instanceof TVal t && tracks(t)) {
                from = regions.containsKey(t) ? regions.get(t) : derived.get(t);
                break;
            }
        }
        if (from == null) {
            return;
        }
        List<?> outs = result instanceof Values.Tuple tu ? tu.items() : result instanceof List<?> l ? l : List.of(result);
        for (Object o : outs) {
            if (o instanceof TVal out && !tracks(out)) {
                derived.put(out, new Region(from.root, null, generations.get(from.root)[0]));
            }
        }
    }

    /** aten::copy_ / fill_ / zero_: {@code src}, broadcast to the view's shape, written through it. */
    private TVal write(OpCall c, TVal view, TVal src) {
        Region r = regions.get(view);
        if (r == null) {
            throw new TranslationException(c.op() + " into " + (view.isKnown() ? "a parameter or constant" : "a tensor the graph computes")
                    + ": only tensors the code makes (new_zeros, ...) are written in place");
        }
        if (!src.isKnown()) {
            throw new TranslationException(c.op() + " of a computed tensor into a made one");
        }
        int[] shape = Shapes.broadcast(view.shape(), src.shape());
        if (!Arrays.equals(shape, view.shape())) {
            throw new TranslationException(c.op() + " of shape " + src.shapeString() + " into a view of shape " + view.shapeString());
        }
        int n = view.size();
        c.in().charge(n);
        TVal root = r.root;
        for (int i = 0; i < n; i++) {
            int from = Shapes.source(i, view.shape(), src.shape());
            double v = src.floats() != null ? src.floats()[from] : src.longs()[from];
            int to = r.index == null ? i : r.index[i];
            set(root, to, v);
            if (view != root) {
                set(view, i, v);
            }
        }
        // the builder made an initializer of the old values for the nodes that read them before;
        // nodes from here on read the new ones
        c.g().forget(root);
        c.g().forget(view);
        int gen = ++generations.get(root)[0];
        regions.put(view, new Region(root, r.index, gen));
        if (view != root) {
            regions.put(root, new Region(root, null, gen));
        }
        return view;
    }

    private static void set(TVal t, int i, double v) {
        if (t.floats() != null) {
            t.floats()[i] = (float) v;
        } else {
            t.longs()[i] = t.type() == TVal.Type.BOOL ? (v != 0 ? 1 : 0) : (long) v;
        }
    }

    private static int[] identity(int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return idx;
    }
}
