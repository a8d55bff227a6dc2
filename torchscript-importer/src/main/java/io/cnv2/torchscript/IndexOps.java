package io.cnv2.torchscript;

import java.util.ArrayList;
import java.util.List;

/**
 * Advanced indexing and padding as scripted code calls them: {@code aten::index.Tensor} with one
 * index tensor among Nones ({@code table[index]}, Swin's relative-position bias) as ONNX Gather
 * on that axis (PyTorch's result then has the index's shape in place of the axis, as Gather's),
 * computed at import when both are known; {@code aten::pad} in constant mode as ONNX Pad (PyTorch
 * lists the pads last dimension first, begin and end; ONNX every begin, then every end).
 */
final class IndexOps {
    private IndexOps() {
    }

    static void register(Ops r) {
        r.add(IndexOps::index, "index");
        r.add(IndexOps::pad, "pad", "constant_pad_nd");
    }

    private static TVal index(OpCall c) {
        TVal t = c.tensor(0, "self");
        List<Object> indices = c.in().iterate(c.arg(1, "indices"));
        int axis = -1;
        TVal idx = null;
        for (int i = 0; i < indices.size(); i++) {
            if (Values.isNone(indices.get(i))) {
                continue;
            }
            if (idx != null || !(indices.get(i) instanceof TVal v) || v.type() == TVal.Type.FLOAT) {
                throw new TranslationException("index with more than one index tensor, or a non-integer one (only "
                        + "table[index] forms are translated)");
            }
            idx = v;
            axis = i;
        }
        if (idx == null || indices.size() > t.rank()) {
            throw new TranslationException("index of a tensor of shape " + t.shapeString() + " by " + indices.size()
                    + " index(es)");
        }
        int n = t.shape()[axis];
        int[] out = new int[t.rank() - 1 + idx.rank()];
        int k = 0;
        for (int i = 0; i < axis; i++) {
            out[k++] = t.shape()[i];
        }
        for (int d : idx.shape()) {
            out[k++] = d;
        }
        for (int i = axis + 1; i < t.rank(); i++) {
            out[k++] = t.shape()[i];
        }
        if (!t.isKnown() || !idx.isKnown()) {
            return c.node("Gather", List.of(t, idx), out, t.type(), OnnxBuilder.i("axis", axis));
        }
        long[] at = idx.longs();
        for (long a : at) {
            if (a < -n || a >= n) {
                throw new TranslationException("index " + a + " is out of bounds for dimension " + axis + " of size " + n);
            }
        }
        int inner = 1;
        for (int i = axis + 1; i < t.rank(); i++) {
            inner *= t.shape()[i];
        }
        int m = at.length;
        final int in = inner;
        c.in().charge(Shapes.knownSize(out));
        return ShapeOps.gather(t, out, flat -> {
            int r = flat % in;
            int j = flat / in % m;
            int outer = flat / in / m;
            long a = at[j] < 0 ? at[j] + n : at[j];
            return (int) ((outer * (long) n + a) * in + r);
        });
    }

    private static TVal pad(OpCall c) {
        TVal t = c.tensor(0, "self");
        long[] p = c.ints(1, "pad");
        Object mode = c.op().equals("pad") ? c.arg(2, "mode", "constant") : "constant";
        if (!"constant".equals(mode)) {
            throw new TranslationException(c.op() + " in mode '" + mode + "'");
        }
        double value = c.op().equals("pad") ? c.real(3, "value", 0) : c.real(2, "value", 0);
        if (p.length % 2 != 0 || p.length / 2 > t.rank()) {
            throw new TranslationException(c.op() + ": " + p.length + " pads for a tensor of shape " + t.shapeString());
        }
        int r = t.rank();
        long[] pads = new long[2 * r];
        int[] out = t.shape().clone();
        for (int i = 0; i < p.length / 2; i++) {
            int d = r - 1 - i;
            pads[d] = p[2 * i];
            pads[r + d] = p[2 * i + 1];
            out[d] += (int) (p[2 * i] + p[2 * i + 1]);
            if (out[d] < 0) {
                throw new TranslationException(c.op() + ": dimension " + d + " of size " + t.shape()[d]
                        + " padded to " + out[d]);
            }
        }
        boolean none = true;
        for (long v : pads) {
            none &= v == 0;
        }
        if (none) {
            return t;
        }
        List<Object> in = new ArrayList<>(List.of(t, TVal.known(pads, new int[] {pads.length}, TVal.Type.INT64, null)));
        if (value != 0) {
            in.add(t.type() == TVal.Type.FLOAT ? TVal.known(new float[] {(float) value}, new int[0], null)
                    : TVal.known(new long[] {(long) value}, new int[0], t.type(), null));
        }
        return c.node("Pad", in, out, t.type(), OnnxBuilder.s("mode", "constant"));
    }
}
