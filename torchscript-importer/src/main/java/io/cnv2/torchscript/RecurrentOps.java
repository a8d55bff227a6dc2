package io.cnv2.torchscript;

import java.util.ArrayList;
import java.util.List;

/**
 * aten::lstm and aten::gru as ONNX LSTM and GRU, one node per layer, as PyTorch's exporter builds
 * them: gate blocks reordered from PyTorch's (i, f, g, o) to ONNX's (i, o, f, c) for LSTM and from
 * (r, z, n) to (z, r, h) for GRU (with linear_before_reset = 1, PyTorch's GRU formula), the two
 * biases concatenated, the initial states from the call's hx, a batch-first input transposed to
 * time-first and back.
 */
final class RecurrentOps {
    private RecurrentOps() {
    }

    static void register(Ops r) {
        r.add(c -> rnn(c, true), "lstm");
        r.add(c -> rnn(c, false), "gru");
    }

    private static Object rnn(OpCall c, boolean lstm) {
        TVal x = c.tensor(0, "input");
        if (c.arg(1, "hx") instanceof TVal || !(c.arg(2, "params") instanceof List) && !(c.arg(2, "params") instanceof Values.Tuple)) {
            if (lstm) {
                throw new TranslationException("lstm with packed sequences (the data/batch_sizes form) is not supported");
            }
        }
        List<TVal> hx = lstm ? c.tensors(1, "hx") : List.of(c.tensor(1, "hx"));
        List<TVal> params = c.tensors(2, "params");
        boolean biases = c.bool(3, "has_biases", true);
        int layers = (int) c.integer(4, "num_layers");
        if (c.bool(6, "train", false) && c.real(5, "dropout", 0) > 0) {
            throw new TranslationException(c.op() + " in training mode with dropout: save the module after model.eval()");
        }
        boolean bidirectional = c.bool(7, "bidirectional", false);
        boolean batchFirst = c.bool(8, "batch_first", false);
        int dirs = bidirectional ? 2 : 1;
        int perDir = biases ? 4 : 2;
        if (params.size() != layers * dirs * perDir) {
            throw new TranslationException(c.op() + ": " + params.size() + " weight tensors for " + layers + " layer(s), "
                    + dirs + " direction(s)");
        }
        int gates = lstm ? 4 : 3;
        int hidden = params.get(0).shape()[0] / gates;
        TVal seq = batchFirst ? ShapeOps.permute(c, x, new int[] {1, 0, 2}) : x;
        int steps = seq.shape()[0];
        int batch = seq.shape()[1];
        List<TVal> hn = new ArrayList<>();
        List<TVal> cn = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            List<TVal> w = new ArrayList<>();
            List<TVal> rr = new ArrayList<>();
            List<TVal> b = new ArrayList<>();
            for (int d = 0; d < dirs; d++) {
                int base = (l * dirs + d) * perDir;
                w.add(reorder(known(params.get(base), c), gates, lstm));
                rr.add(reorder(known(params.get(base + 1), c), gates, lstm));
                if (biases) {
                    b.add(concat(reorder(known(params.get(base + 2), c), gates, lstm), reorder(known(params.get(base + 3), c), gates, lstm)));
                } else {
                    b.add(TVal.known(new float[2 * gates * hidden], new int[] {2 * gates * hidden}, null));
                }
            }
            int inputSize = w.get(0).shape()[1];
            TVal wAll = stackKnown(w);
            TVal rAll = stackKnown(rr);
            TVal bAll = stackKnown(b);
            TVal h0 = ShapeOps.slice(c, hx.get(0), 0, (long) l * dirs, (long) (l + 1) * dirs, 1);
            List<Object> in = new ArrayList<>(List.of(seq, wAll, rAll, bAll, ""));
            in.add(h0);
            if (lstm) {
                in.add(ShapeOps.slice(c, hx.get(1), 0, (long) l * dirs, (long) (l + 1) * dirs, 1));
            }
            List<OnnxBuilder.Out> outs = new ArrayList<>();
            outs.add(new OnnxBuilder.Out(new int[] {steps, dirs, batch, hidden}, TVal.Type.FLOAT));
            outs.add(new OnnxBuilder.Out(new int[] {dirs, batch, hidden}, TVal.Type.FLOAT));
            if (lstm) {
                outs.add(new OnnxBuilder.Out(new int[] {dirs, batch, hidden}, TVal.Type.FLOAT));
            }
            List<ai.onnx.proto.OnnxMl.AttributeProto> at = new ArrayList<>();
            at.add(OnnxBuilder.s("direction", bidirectional ? "bidirectional" : "forward"));
            at.add(OnnxBuilder.i("hidden_size", hidden));
            if (!lstm) {
                at.add(OnnxBuilder.i("linear_before_reset", 1));
            }
            List<TVal> res = c.g().node(lstm ? "LSTM" : "GRU", c.scope(), in, outs,
                    at.toArray(new ai.onnx.proto.OnnxMl.AttributeProto[0]));
            TVal y = res.get(0);
            if (dirs == 1) {
                TVal ax = TVal.known(new long[] {1}, new int[] {1}, TVal.Type.INT64, null);
                seq = c.node("Squeeze", List.of(y, ax), new int[] {steps, batch, hidden}, TVal.Type.FLOAT);
            } else {
                TVal t = ShapeOps.permute(c, y, new int[] {0, 2, 1, 3});
                seq = ShapeOps.reshape(c, t, new long[] {steps, batch, 2L * hidden});
            }
            hn.add(res.get(1));
            if (lstm) {
                cn.add(res.get(2));
            }
            if (l == 0 && inputSize != x.shape()[batchFirst ? 2 : 2]) {
                throw new TranslationException(c.op() + ": input of shape " + x.shapeString() + " for input size " + inputSize);
            }
        }
        TVal out = batchFirst ? ShapeOps.permute(c, seq, new int[] {1, 0, 2}) : seq;
        TVal h = ShapeOps.cat(c, hn, 0);
        if (lstm) {
            return new Values.Tuple(List.of(out, h, ShapeOps.cat(c, cn, 0)));
        }
        return new Values.Tuple(List.of(out, h));
    }

    private static TVal known(TVal t, OpCall c) {
        if (!t.isKnown()) {
            throw new TranslationException(c.op() + " with weights computed from the input is not supported");
        }
        return t;
    }

    /** Gate blocks from PyTorch's order to ONNX's: LSTM (i, f, g, o) to (i, o, f, g); GRU (r, z, n) to (z, r, n). */
    static TVal reorder(TVal t, int gates, boolean lstm) {
        int rows = t.shape()[0] / gates;
        int cols = t.size() / t.shape()[0];
        int[] order = lstm ? new int[] {0, 3, 1, 2} : new int[] {1, 0, 2};
        float[] out = new float[t.floats().length];
        int block = rows * cols;
        for (int g = 0; g < gates; g++) {
            System.arraycopy(t.floats(), order[g] * block, out, g * block, block);
        }
        return TVal.known(out, t.shape(), t.origin());
    }

    private static TVal concat(TVal a, TVal b) {
        float[] f = new float[a.floats().length + b.floats().length];
        System.arraycopy(a.floats(), 0, f, 0, a.floats().length);
        System.arraycopy(b.floats(), 0, f, a.floats().length, b.floats().length);
        return TVal.known(f, new int[] {f.length}, null);
    }

    private static TVal stackKnown(List<TVal> parts) {
        int per = parts.get(0).floats().length;
        float[] f = new float[per * parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            System.arraycopy(parts.get(i).floats(), 0, f, i * per, per);
        }
        int[] s = new int[parts.get(0).rank() + 1];
        s[0] = parts.size();
        System.arraycopy(parts.get(0).shape(), 0, s, 1, parts.get(0).rank());
        return TVal.known(f, s, null);
    }
}
