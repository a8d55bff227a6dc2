package io.cnv2.torchscript;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Layout operations: flatten, view/reshape, permute/transpose, squeeze/unsqueeze, slicing and
 * selection, chunk/split/unbind, cat/stack, expand/repeat, index_select and embedding lookups.
 * On known tensors (a weight transposed in the code, a constant reshaped) they are computed here;
 * otherwise they become the ONNX operators PyTorch's exporter uses, with every shape resolved
 * (the translation is for one input shape, so no -1 or Shape node is left).
 */
final class ShapeOps {
    private static final long INT64_MAX = Long.MAX_VALUE;

    private ShapeOps() {
    }

    static void register(Ops r) {
        r.add(ShapeOps::flatten, "flatten");
        r.add(c -> reshape(c, c.tensor(0, "self"), c.ints(1, "shape")), "view", "reshape", "_reshape_alias", "_unsafe_view");
        r.add(c -> reshape(c, c.tensor(0, "self"), Shapes.longs(c.tensor(1, "other").shape())), "view_as", "reshape_as");
        r.add(c -> {
            TVal t = c.tensor(0, "self");
            long[] p = c.ints(1, "dims");
            int[] perm = new int[p.length];
            for (int i = 0; i < p.length; i++) {
                perm[i] = t.shapeAxis(p[i]);
            }
            return permute(c, t, perm);
        }, "permute");
        r.add(c -> {
            TVal t = c.tensor(0, "self");
            int d0 = t.axis(c.integer(1, "dim0"));
            int d1 = t.axis(c.integer(2, "dim1"));
            return t.rank() == 0 ? t : transposeKnownOrNode(c, t, d0, d1); // PyTorch: a 0-d tensor transposes to itself
        }, "transpose", "swapaxes");
        r.add(c -> {
            TVal t = c.tensor(0, "self");
            if (t.rank() > 2) {
                if (c.op().equals("t")) {
                    throw new TranslationException("t of a tensor of shape " + t.shapeString() + " (PyTorch takes at most 2 dimensions)");
                }
                int[] perm = new int[t.rank()]; // Tensor.T: every dimension reversed
                for (int i = 0; i < perm.length; i++) {
                    perm[i] = perm.length - 1 - i;
                }
                return permute(c, t, perm);
            }
            return t.rank() < 2 ? t : transposeKnownOrNode(c, t, 0, 1);
        }, "t", "numpy_T");
        r.add(ShapeOps::squeeze, "squeeze");
        r.add(ShapeOps::unsqueeze, "unsqueeze");
        r.add(ShapeOps::sliceTensorOrList, "slice");
        r.add(ShapeOps::roll, "roll");
        r.add(c -> {
            TVal t = c.tensor(0, "self");
            int dim = t.shapeAxis(c.integer(1, "dim"));
            long start = c.integer(2, "start");
            long len = c.integer(3, "length");
            int n = t.shape()[dim];
            long s0 = start < 0 ? start + n : start; // PyTorch wraps a negative start once
            if (s0 < 0 || s0 > n || len < 0 || s0 + len > n) {
                throw new TranslationException("narrow of dimension " + dim + " (size " + n + ") from " + start
                        + " for " + len);
            }
            return slice(c, t, dim, s0, s0 + len, 1);
        }, "narrow");
        r.add(ShapeOps::select, "select");
        r.add(ShapeOps::chunk, "chunk");
        r.add(ShapeOps::split, "split", "split_with_sizes");
        r.add(ShapeOps::unbind, "unbind");
        r.add(c -> cat(c, c.tensors(0, "tensors"), c.integer(1, "dim", 0)), "cat", "concat", "concatenate");
        r.add(ShapeOps::stack, "stack");
        r.add(ShapeOps::expand, "expand");
        r.add(c -> {
            TVal t = c.tensor(0, "self");
            return expandTo(c, t, c.tensor(1, "other").shape());
        }, "expand_as");
        r.add(ShapeOps::repeat, "repeat");
        r.add(c -> {
            TVal t = c.tensor(0, "self");
            int dim = t.shapeAxis(c.integer(1, "dim"));
            TVal idx = c.tensor(2, "index");
            if (idx.rank() > 1) {
                throw new TranslationException("index_select with an index of shape " + idx.shapeString() + " (PyTorch takes a vector)");
            }
            int[] out = t.shape().clone();
            out[dim] = idx.size();
            return c.node("Gather", List.of(t, idx), out, t.type(), OnnxBuilder.i("axis", dim));
        }, "index_select");
        r.add(ShapeOps::embedding, "embedding");
    }

    private static TVal flatten(OpCall c) {
        TVal t = c.tensor(0, "self");
        if (t.rank() == 0) {
            return reshape(c, t, new long[] {1});
        }
        int start = t.axis(c.integer(1, "start_dim", 0));
        int end = t.axis(c.integer(2, "end_dim", -1));
        if (start > end) {
            throw new TranslationException("flatten from dimension " + start + " to " + end + " (start_dim cannot come after end_dim)");
        }
        List<Long> shape = new ArrayList<>();
        for (int i = 0; i < start; i++) {
            shape.add((long) t.shape()[i]);
        }
        long mid = 1;
        for (int i = start; i <= end; i++) {
            mid *= t.shape()[i];
        }
        shape.add(mid);
        for (int i = end + 1; i < t.rank(); i++) {
            shape.add((long) t.shape()[i]);
        }
        int[] out = shape.stream().mapToInt(Long::intValue).toArray();
        if (!t.isKnown() && start == 1 && end == t.rank() - 1) {
            return c.node("Flatten", List.of(t), out, t.type(), OnnxBuilder.i("axis", 1));
        }
        return reshape(c, t, Shapes.longs(out));
    }

    static TVal reshape(OpCall c, TVal t, long[] target) {
        int[] out = Shapes.resolve(t.shape(), target);
        if (t.isKnown()) {
            return new TVal(null, out, t.type(), t.floats(), t.longs(), t.origin());
        }
        if (Arrays.equals(out, t.shape())) {
            return t;
        }
        TVal shape = TVal.known(Shapes.longs(out), new int[] {out.length}, TVal.Type.INT64, null);
        return c.node("Reshape", List.of(t, shape), out, t.type());
    }

    static TVal transposeKnownOrNode(OpCall c, TVal t, int a, int b) {
        int[] perm = new int[t.rank()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        perm[a] = b;
        perm[b] = a;
        return permute(c, t, perm);
    }

    static TVal permute(OpCall c, TVal t, int[] perm) {
        if (perm.length != t.rank() || Arrays.stream(perm).distinct().count() != perm.length) {
            throw new TranslationException("permute of a tensor of shape " + t.shapeString() + " by "
                    + Arrays.toString(perm) + " (one of each dimension is needed)");
        }
        int[] out = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            out[i] = t.shape()[perm[i]];
        }
        boolean identity = true;
        for (int i = 0; i < perm.length; i++) {
            identity &= perm[i] == i;
        }
        if (identity) {
            return t;
        }
        if (t.isKnown()) {
            c.in().charge(t.size());
            int[] inStrides = Shapes.strides(t.shape());
            return gather(t, out, flat -> {
                int src = 0;
                int rem = flat;
                int[] os = Shapes.strides(out);
                for (int i = 0; i < out.length; i++) {
                    int coord = rem / os[i];
                    rem %= os[i];
                    src += coord * inStrides[perm[i]];
                }
                return src;
            });
        }
        return c.node("Transpose", List.of(t), out, t.type(), OnnxBuilder.ints("perm", perm));
    }

    /** A known tensor of shape {@code out} whose element i is element {@code src(i)} of {@code t}. */
    static TVal gather(TVal t, int[] out, java.util.function.IntUnaryOperator src) {
        int n = Shapes.knownSize(out);
        if (t.floats() != null) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = t.floats()[src.applyAsInt(i)];
            }
            return new TVal(null, out, t.type(), f, null, null);
        }
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            l[i] = t.longs()[src.applyAsInt(i)];
        }
        return new TVal(null, out, t.type(), null, l, null);
    }

    private static TVal squeeze(OpCall c) {
        TVal t = c.tensor(0, "self");
        if (t.rank() == 0) {
            return t; // PyTorch: squeezing a 0-d tensor leaves it
        }
        List<Integer> axes = new ArrayList<>();
        if (c.isNone(1, "dim")) {
            for (int i = 0; i < t.rank(); i++) {
                if (t.shape()[i] == 1) {
                    axes.add(i);
                }
            }
        } else {
            for (int a : t.axes(c.ints(1, "dim"))) {
                if (t.shape()[a] == 1) {
                    axes.add(a); // squeezing a dimension that is not 1 leaves it, as PyTorch does
                }
            }
        }
        if (axes.isEmpty()) {
            return t;
        }
        int[] out = new int[t.rank() - axes.size()];
        for (int i = 0, k = 0; i < t.rank(); i++) {
            if (!axes.contains(i)) {
                out[k++] = t.shape()[i];
            }
        }
        if (t.isKnown()) {
            return new TVal(null, out, t.type(), t.floats(), t.longs(), t.origin());
        }
        TVal ax = TVal.known(axes.stream().mapToLong(Integer::longValue).toArray(), new int[] {axes.size()}, TVal.Type.INT64, null);
        return c.node("Squeeze", List.of(t, ax), out, t.type());
    }

    private static TVal unsqueeze(OpCall c) {
        TVal t = c.tensor(0, "self");
        long d = c.integer(1, "dim");
        int a = (int) (d < 0 ? d + t.rank() + 1 : d);
        if (a < 0 || a > t.rank()) {
            throw new TranslationException("unsqueeze at " + d + " of a tensor of shape " + t.shapeString());
        }
        int[] out = new int[t.rank() + 1];
        for (int i = 0, k = 0; i < out.length; i++) {
            out[i] = i == a ? 1 : t.shape()[k++];
        }
        if (t.isKnown()) {
            return new TVal(null, out, t.type(), t.floats(), t.longs(), t.origin());
        }
        TVal ax = TVal.known(new long[] {a}, new int[] {1}, TVal.Type.INT64, null);
        return c.node("Unsqueeze", List.of(t, ax), out, t.type());
    }

    /**
     * aten::slice of a tensor, or aten::slice.t of a list ({@code x.shape[-2:]}, as torch.jit.script
     * prints it: {@code torch.slice(torch.size(x), -2)}), whose arguments are start, end, step with
     * Python's clamping of each end.
     */
    private static Object sliceTensorOrList(OpCall c) {
        Object self = c.arg(0, "self");
        List<Object> items = self instanceof Values.Tuple t ? t.items()
                : self instanceof List<?> l ? new ArrayList<>(l) : null;
        if (items == null) {
            return slice(c);
        }
        int n = items.size();
        long step = c.integer(3, "step", 1);
        if (step <= 0) {
            throw new TranslationException("slice of a list with step " + step);
        }
        int start = (int) clamp(c.integer(1, "start", 0), n);
        int end = (int) clamp(c.integer(2, "end", INT64_MAX), n);
        List<Object> out = new ArrayList<>();
        int stride = (int) Math.min(step, n); // a step past the list takes its first item only; never an int overflow
        for (int i = start; i < end; i += stride) {
            out.add(items.get(i));
        }
        c.in().charge(out.size());
        return out;
    }

    private static TVal slice(OpCall c) {
        TVal t = c.tensor(0, "self");
        int dim = t.shapeAxis(c.integer(1, "dim", 0));
        long start = c.integer(2, "start", 0);
        long end = c.integer(3, "end", INT64_MAX);
        long step = c.integer(4, "step", 1);
        TVal out = slice(c, t, dim, start, end, step);
        if (t.isKnown() && c.in().inPlace().tracks(t)) {
            c.in().inPlace().sliced(t, out, idx -> slice(c, idx, dim, start, end, step));
        }
        return out;
    }

    static TVal slice(OpCall c, TVal t, int dim, long start, long end, long step) {
        if (step <= 0) {
            throw new TranslationException("slice with step " + step);
        }
        int n = t.shape()[dim];
        long s = clamp(start, n);
        long e = clamp(end, n);
        int len = (int) Math.max(0, (e - s + step - 1) / step);
        if (s == 0 && len == n && step == 1) {
            return t;
        }
        int[] out = t.shape().clone();
        out[dim] = len;
        if (t.isKnown()) {
            c.in().charge(Shapes.size(out));
            int[] os = Shapes.strides(out);
            int[] is = Shapes.strides(t.shape());
            final long s0 = s;
            return gather(t, out, flat -> {
                int src = 0;
                int rem = flat;
                for (int i = 0; i < out.length; i++) {
                    int coord = rem / os[i];
                    rem %= os[i];
                    src += (i == dim ? (int) (s0 + coord * step) : coord) * is[i];
                }
                return src;
            });
        }
        TVal starts = TVal.known(new long[] {s}, new int[] {1}, TVal.Type.INT64, null);
        TVal ends = TVal.known(new long[] {s + (long) len * step - (step - 1)}, new int[] {1}, TVal.Type.INT64, null);
        TVal axes = TVal.known(new long[] {dim}, new int[] {1}, TVal.Type.INT64, null);
        TVal steps = TVal.known(new long[] {step}, new int[] {1}, TVal.Type.INT64, null);
        return c.node("Slice", List.of(t, starts, ends, axes, steps), out, t.type());
    }

    /**
     * aten::roll(self, shifts, dims=[]): each dim in turn rolled by its shift, as the two slices of
     * it swapped (a Concat of Slice nodes, or known values); with no dims, the flattened tensor rolled
     * and given its shape back, as PyTorch does.
     */
    private static TVal roll(OpCall c) {
        TVal t = c.tensor(0, "self");
        long[] shifts = c.ints(1, "shifts");
        long[] dims = c.isNone(2, "dims") ? new long[0] : c.ints(2, "dims");
        if (dims.length == 0) {
            if (shifts.length != 1) {
                throw new TranslationException("roll of " + shifts.length + " shifts with no dims");
            }
            TVal flat = reshape(c, t, new long[] {t.size()});
            return reshape(c, rollDim(c, flat, 0, shifts[0]), Shapes.longs(t.shape()));
        }
        if (dims.length != shifts.length) {
            throw new TranslationException("roll of " + shifts.length + " shifts along " + dims.length + " dims");
        }
        TVal out = t;
        for (int i = 0; i < dims.length; i++) {
            out = rollDim(c, out, t.shapeAxis(dims[i]), shifts[i]);
        }
        return out;
    }

    private static TVal rollDim(OpCall c, TVal t, int dim, long shift) {
        int n = t.shape()[dim];
        long s = n == 0 ? 0 : Math.floorMod(shift, (long) n);
        if (s == 0) {
            return t;
        }
        return cat(c, List.of(slice(c, t, dim, n - s, n, 1), slice(c, t, dim, 0, n - s, 1)), dim);
    }

    private static long clamp(long i, int n) {
        long v = i < 0 ? i + n : i;
        return Math.max(0, Math.min(n, v));
    }

    private static TVal select(OpCall c) {
        TVal t = c.tensor(0, "self");
        int dim = t.shapeAxis(c.integer(1, "dim"));
        long index = c.integer(2, "index");
        int n = t.shape()[dim];
        long i = index < 0 ? index + n : index;
        if (i < 0 || i >= n) {
            throw new TranslationException("select index " + index + " out of range for dimension " + dim + " of size " + n);
        }
        int[] out = new int[t.rank() - 1];
        for (int k = 0, j = 0; k < t.rank(); k++) {
            if (k != dim) {
                out[j++] = t.shape()[k];
            }
        }
        if (t.isKnown()) {
            TVal one = slice(c, t, dim, i, i + 1, 1);
            TVal picked = new TVal(null, out, t.type(), one.floats(), one.longs(), null);
            if (c.in().inPlace().tracks(t)) {
                final long at = i;
                c.in().inPlace().sliced(t, picked, idx -> slice(c, idx, dim, at, at + 1, 1));
            }
            return picked;
        }
        return c.node("Gather", List.of(t, TVal.scalar(i)), out, t.type(), OnnxBuilder.i("axis", dim));
    }

    private static Object chunk(OpCall c) {
        TVal t = c.tensor(0, "self");
        long chunks = c.integer(1, "chunks");
        if (chunks < 1) {
            throw new TranslationException("chunk into " + chunks + " parts (PyTorch needs at least one)");
        }
        int dim = t.shapeAxis(c.integer(2, "dim", 0));
        int n = t.shape()[dim];
        long size = (n + chunks - 1) / chunks;
        List<Long> sizes = new ArrayList<>();
        for (long done = 0; done < n; done += size) {
            sizes.add(Math.min(size, n - done));
        }
        // the exporter writes chunk as one Slice per chunk (split as Split); the values are the same,
        // and the same operators place the same way
        List<Object> parts = new ArrayList<>();
        long at = 0;
        for (long s : sizes) {
            parts.add(slice(c, t, dim, at, at + s, 1));
            at += s;
        }
        return parts;
    }

    private static Object split(OpCall c) {
        TVal t = c.tensor(0, "self");
        int dim = t.shapeAxis(c.integer(2, "dim", 0));
        int n = t.shape()[dim];
        Object s = c.arg(1, "split_size");
        List<Long> sizes = new ArrayList<>();
        if (s instanceof Long || s instanceof TVal) {
            long size = Builtins.toLong(s);
            if (size < 1 && n > 0) {
                throw new TranslationException("split of a dimension of " + n + " into parts of " + size);
            }
            for (long done = 0; done < n; done += size) {
                sizes.add(Math.min(size, n - done));
            }
        } else {
            for (long v : c.ints(1, "split_sizes")) {
                sizes.add(v);
            }
        }
        return splitInto(c, t, dim, sizes);
    }

    private static List<Object> splitInto(OpCall c, TVal t, int dim, List<Long> sizes) {
        long total = sizes.stream().mapToLong(Long::longValue).sum();
        if (total != t.shape()[dim]) {
            throw new TranslationException("split sizes " + sizes + " do not add up to " + t.shape()[dim]);
        }
        List<Object> parts = new ArrayList<>();
        if (t.isKnown() || sizes.size() == 1) {
            long at = 0;
            for (long s : sizes) {
                parts.add(slice(c, t, dim, at, at + s, 1));
                at += s;
            }
            return parts;
        }
        List<OnnxBuilder.Out> outs = new ArrayList<>();
        for (long s : sizes) {
            int[] o = t.shape().clone();
            o[dim] = (int) s;
            outs.add(new OnnxBuilder.Out(o, t.type()));
        }
        TVal split = TVal.known(sizes.stream().mapToLong(Long::longValue).toArray(), new int[] {sizes.size()}, TVal.Type.INT64, null);
        parts.addAll(c.g().node("Split", c.scope(), List.of(t, split), outs, OnnxBuilder.i("axis", dim)));
        return parts;
    }

    private static Object unbind(OpCall c) {
        TVal t = c.tensor(0, "self");
        int dim = t.shapeAxis(c.integer(1, "dim", 0));
        List<Long> ones = new ArrayList<>();
        for (int i = 0; i < t.shape()[dim]; i++) {
            ones.add(1L);
        }
        List<Object> out = new ArrayList<>();
        for (Object p : splitInto(c, t, dim, ones)) {
            TVal part = (TVal) p;
            int[] s = new int[part.rank() - 1];
            for (int i = 0, k = 0; i < part.rank(); i++) {
                if (i != dim) {
                    s[k++] = part.shape()[i];
                }
            }
            if (part.isKnown()) {
                out.add(new TVal(null, s, part.type(), part.floats(), part.longs(), null));
            } else {
                TVal ax = TVal.known(new long[] {dim}, new int[] {1}, TVal.Type.INT64, null);
                out.add(c.node("Squeeze", List.of(part, ax), s, part.type()));
            }
        }
        return out;
    }

    static TVal cat(OpCall c, List<TVal> parts, long d) {
        List<TVal> nonEmpty = parts.stream().filter(p -> !(p.rank() == 1 && p.shape()[0] == 0)).toList();
        if (nonEmpty.isEmpty()) {
            throw new TranslationException("cat of no tensors");
        }
        TVal first = nonEmpty.get(0);
        int dim = first.shapeAxis(d);
        int[] out = first.shape().clone();
        out[dim] = 0;
        for (TVal p : nonEmpty) {
            if (p.rank() != first.rank()) {
                throw new TranslationException("cat of tensors of shapes " + first.shapeString() + " and " + p.shapeString());
            }
            out[dim] += p.shape()[dim];
        }
        if (nonEmpty.size() == 1) {
            return first;
        }
        TVal.Type type = nonEmpty.stream().anyMatch(p -> p.type() == TVal.Type.FLOAT) ? TVal.Type.FLOAT : first.type();
        return c.node("Concat", nonEmpty, out, type, OnnxBuilder.i("axis", dim));
    }

    private static TVal stack(OpCall c) {
        List<TVal> parts = c.tensors(0, "tensors");
        long d = c.integer(1, "dim", 0);
        List<TVal> un = new ArrayList<>();
        for (TVal p : parts) {
            un.add(unsqueeze(new OpCall("unsqueeze", List.of(p, d), java.util.Map.of(), c.in())));
        }
        return cat(c, un, d < 0 ? d : d);
    }

    private static TVal expand(OpCall c) {
        TVal t = c.tensor(0, "self");
        long[] sizes = c.ints(1, "size");
        int[] out = new int[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            int j = i - (sizes.length - t.rank());
            if (j < 0 ? sizes[i] < 0 : sizes[i] < -1) {
                throw new TranslationException("expand of a tensor of shape " + t.shapeString() + " to " + Arrays.toString(sizes));
            }
            out[i] = sizes[i] == -1 ? t.shape()[j] : (int) sizes[i];
        }
        return expandTo(c, t, out);
    }

    private static TVal expandTo(OpCall c, TVal t, int[] out) {
        // PyTorch expands dimensions of size 1 and adds leading ones; it never drops or shrinks one
        if (out.length < t.rank() || !Arrays.equals(Shapes.broadcast(t.shape(), out), out)) {
            throw new TranslationException("expand of a tensor of shape " + t.shapeString() + " to " + Arrays.toString(out));
        }
        if (Arrays.equals(out, t.shape())) {
            return t;
        }
        TVal shape = TVal.known(Shapes.longs(out), new int[] {out.length}, TVal.Type.INT64, null);
        return c.node("Expand", List.of(t, shape), out, t.type());
    }

    private static TVal repeat(OpCall c) {
        TVal t = c.tensor(0, "self");
        long[] reps = c.ints(1, "repeats");
        TVal src = t;
        if (reps.length > t.rank()) {
            long[] s = new long[reps.length];
            Arrays.fill(s, 1);
            for (int i = 0; i < t.rank(); i++) {
                s[reps.length - t.rank() + i] = t.shape()[i];
            }
            src = reshape(c, t, s);
        }
        int[] out = new int[reps.length];
        for (int i = 0; i < reps.length; i++) {
            out[i] = (int) (src.shape()[i] * reps[i]);
        }
        TVal r = TVal.known(reps, new int[] {reps.length}, TVal.Type.INT64, null);
        return c.node("Tile", List.of(src, r), out, t.type());
    }

    private static TVal embedding(OpCall c) {
        TVal weight = c.tensor(0, "weight");
        TVal idx = c.tensor(1, "indices");
        if (idx.type() == TVal.Type.FLOAT && idx.name() != null) {
            c.in().markInteger(idx); // a graph input used as indices is int64
            idx = new TVal(idx.name(), idx.shape(), TVal.Type.INT64, null, null, null);
        }
        int[] out = new int[idx.rank() + 1];
        System.arraycopy(idx.shape(), 0, out, 0, idx.rank());
        out[idx.rank()] = weight.shape()[1];
        return c.node("Gather", List.of(weight, idx), out, weight.type());
    }
}
