package io.cnv2.torchscript;

import java.util.List;

/**
 * aten::_native_multi_head_attention, the fused path that nn.MultiheadAttention's scripted forward
 * takes in inference (torchvision's ViT, any nn.TransformerEncoder scripted in eval mode), written
 * out as the composite its slow path computes: q, k and v projected by the three slices of
 * qkv_weight and qkv_bias, split into heads, softmax(q k^T / sqrt(head_dim)) v, heads joined, the
 * output projection. Batch-first [B, L, E] inputs, as the fast path requires; a mask is refused.
 */
final class AttentionOps {
    private AttentionOps() {
    }

    static void register(Ops r) {
        r.add(AttentionOps::nativeMultiHeadAttention, "_native_multi_head_attention");
    }

    private static Object nativeMultiHeadAttention(OpCall c) {
        TVal q = c.tensor(0, "query");
        TVal k = c.tensor(1, "key");
        TVal v = c.tensor(2, "value");
        int e = (int) c.integer(3, "embed_dim");
        int h = (int) c.integer(4, "num_head");
        TVal w = c.tensor(5, "qkv_weight");
        TVal b = c.tensor(6, "qkv_bias");
        TVal pw = c.tensor(7, "proj_weight");
        TVal pb = c.tensor(8, "proj_bias");
        if (!c.isNone(9, "mask")) {
            throw new TranslationException(c.op() + " with a mask");
        }
        boolean needWeights = c.bool(10, "need_weights", true);
        boolean average = c.bool(11, "average_attn_weights", true);
        if (q.rank() != 3 || k.rank() != 3 || v.rank() != 3 || q.shape()[2] != e || k.shape()[2] != e
                || v.shape()[2] != e || k.shape()[1] != v.shape()[1] || h <= 0 || e % h != 0
                || w.rank() != 2 || w.shape()[0] != 3 * e || w.shape()[1] != e) {
            throw new TranslationException(c.op() + ": query " + q.shapeString() + ", key " + k.shapeString()
                    + ", value " + v.shapeString() + ", qkv_weight " + w.shapeString() + ", embed_dim " + e
                    + ", num_head " + h + " (batch-first [B, L, E] inputs and E divisible by the heads are needed)");
        }
        int batch = q.shape()[0];
        int l = q.shape()[1];
        int s = k.shape()[1];
        int d = e / h;
        TVal qh = heads(c, LinearOps.linear(c, q, ShapeOps.slice(c, w, 0, 0, e, 1), ShapeOps.slice(c, b, 0, 0, e, 1)),
                batch, l, h, d, new int[] {0, 2, 1, 3});
        TVal kt = heads(c, LinearOps.linear(c, k, ShapeOps.slice(c, w, 0, e, 2L * e, 1),
                ShapeOps.slice(c, b, 0, e, 2L * e, 1)), batch, s, h, d, new int[] {0, 2, 3, 1});
        TVal vh = heads(c, LinearOps.linear(c, v, ShapeOps.slice(c, w, 0, 2L * e, 3L * e, 1),
                ShapeOps.slice(c, b, 0, 2L * e, 3L * e, 1)), batch, s, h, d, new int[] {0, 2, 1, 3});
        TVal scale = TVal.known(new float[] {(float) (1 / Math.sqrt(d))}, new int[0], null);
        TVal scores = LinearOps.matmul(c, c.node("Mul", List.of(qh, scale), qh.shape(), TVal.Type.FLOAT), kt);
        TVal p = c.node("Softmax", List.of(scores), scores.shape(), TVal.Type.FLOAT, OnnxBuilder.i("axis", -1));
        TVal o = ShapeOps.permute(c, LinearOps.matmul(c, p, vh), new int[] {0, 2, 1, 3});
        TVal out = LinearOps.linear(c, ShapeOps.reshape(c, o, new long[] {batch, l, e}), pw, pb);
        Object weights = Values.NONE;
        if (needWeights) {
            weights = average
                    ? c.node("ReduceMean", List.of(p), new int[] {batch, l, s}, TVal.Type.FLOAT,
                            OnnxBuilder.ints("axes", 1L), OnnxBuilder.i("keepdims", 0))
                    : p;
        }
        return new Values.Tuple(List.of(out, weights));
    }

    /** [B, N, E] projected -> [B, N, H, D] -> permuted by {@code perm}. */
    private static TVal heads(OpCall c, TVal x, int batch, int n, int h, int d, int[] perm) {
        return ShapeOps.permute(c, ShapeOps.reshape(c, x, new long[] {batch, n, h, d}), perm);
    }
}
