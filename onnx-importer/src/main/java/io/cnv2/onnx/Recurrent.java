package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import com.google.protobuf.ByteString;
import io.cnv2.ir.Activation;
import io.cnv2.ir.Concat;
import io.cnv2.ir.Dense;
import io.cnv2.ir.Eltwise;
import io.cnv2.ir.Op;
import io.cnv2.ir.Reshape;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Slice;
import io.cnv2.ir.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX {@code LSTM} and {@code GRU} unrolled over the sequence into IR nodes the accelerator and
 * the host already run (docs/FIXED-POINT.md, "recurrent layers"). At every time step the gate
 * matrices are fully connected layers on the accelerator: W x_t (all gates stacked, one layer of
 * 4H or 3H filters) and R h_(t-1); the gate arithmetic (Slice, Sigmoid, Tanh, Mul, Add, Sub) runs on
 * the host under the existing host-op rules, in float in the reference executor. A zero or constant
 * initial state is folded at import: R h_0 is a constant, so step 0 has no recurrent layer.
 *
 * <p>Supported: one direction (forward or reverse), the default activations, layout 0 or 1, batch 1
 * (per sample), optional sequence_lens equal to the sequence length. Everything else is refused with
 * an {@link IllegalArgumentException} that {@link GraphTranslator} turns into an error naming the node.
 */
final class Recurrent {
    /** One IR node to add, in order: name, op, input tensor names, output tensor name. */
    record Step(String name, Op op, List<String> inputs, String output) {
    }

    /** The nodes, the constants they read (new names), and the batch axis of each ONNX output made. */
    record Unrolled(List<Step> steps, Map<String, Const> constants, Map<String, Integer> batchAxes) {
    }

    /** The ONNX node's view: its name, computed input X (shape and batch axis), constant inputs, outputs. */
    record Cell(String name, Attributes at, String x, Shape xShape, int xBatchAxis, Const w, Const r, Const b,
            Const seqLens, Const h0, Const c0, Const peepholes, List<String> outputs, boolean[] read) {
    }

    /** IR nodes one step makes at most (GRU without linear_before_reset, with Y). */
    private static final int STEP_NODES = 20;

    private final Cell n;
    private final int gates;
    private final int hidden;
    private final int layout;
    private final int seq;
    private final int features;
    private final List<Step> steps = new ArrayList<>();
    private final Map<String, Const> constants = new HashMap<>();
    private final Map<String, Integer> batchAxes = new HashMap<>();

    private Recurrent(Cell n, int gates, List<String> defaultActivations) {
        this.n = n;
        this.gates = gates;
        Attributes at = n.at();
        String dir = at.string("direction", "forward");
        if (!dir.equals("forward") && !dir.equals("reverse")) {
            throw new IllegalArgumentException("direction '" + dir + "' is not supported (forward or reverse)");
        }
        AttributeProto acts = at.raw("activations");
        if (acts != null) {
            List<String> given = acts.getStringsList().stream().map(ByteString::toStringUtf8).toList();
            if (!given.equals(defaultActivations)) {
                throw new IllegalArgumentException("activations " + given + " are not supported (only the default "
                        + defaultActivations + ")");
            }
        }
        for (String a : List.of("clip", "activation_alpha", "activation_beta")) {
            if (at.has(a)) {
                throw new IllegalArgumentException("attribute '" + a + "' is not supported");
            }
        }
        if (at.integer("input_forget", 0) != 0) {
            throw new IllegalArgumentException("input_forget=1 is not supported");
        }
        layout = (int) at.integer("layout", 0);
        if (layout != 0 && layout != 1) {
            throw new IllegalArgumentException("layout " + layout + " is not an ONNX value");
        }
        Shape x = n.xShape();
        if (x.rank() != 3) {
            throw new IllegalArgumentException("input X must have rank 3, has " + x);
        }
        int batchAxis = layout == 0 ? 1 : 0;
        if (n.xBatchAxis() != batchAxis || x.dim(batchAxis) != 1) {
            throw new IllegalArgumentException("input X " + x + " has the model's batch on axis " + n.xBatchAxis()
                    + "; layout " + layout + " reads it on axis " + batchAxis + " (cnv2 runs one sample at a time: "
                    + "give X as [seq, batch, input] after a Transpose of a batch-first tensor, or use layout=1)");
        }
        seq = x.dim(1 - batchAxis);
        features = x.dim(2);
        // about 20 IR nodes per step: refuse before unrolling what the network would refuse (Limits)
        if ((long) seq * STEP_NODES > io.cnv2.Limits.MAX_NODES) {
            throw new IllegalArgumentException("unrolling " + seq + " time steps would make about " + (long) seq
                    * STEP_NODES + " nodes, more than the " + io.cnv2.Limits.MAX_NODES + " cnv2 takes");
        }
        if (n.w() == null || n.w().rank() != 3 || n.w().dims()[0] != 1 || n.w().dims()[1] % gates != 0
                || n.w().dims()[2] != features) {
            throw new IllegalArgumentException("W must be a constant [1, " + gates + "*hidden, " + features + "], is "
                    + (n.w() == null ? "missing" : Arrays.toString(n.w().dims())));
        }
        hidden = (int) (n.w().dims()[1] / gates);
        if (at.integer("hidden_size", hidden) != hidden) {
            throw new IllegalArgumentException("hidden_size " + at.integer("hidden_size", 0) + " does not match W "
                    + Arrays.toString(n.w().dims()));
        }
        expectDims("R", n.r(), 1, (long) gates * hidden, hidden);
        expectDims("B", n.b(), 1, 2L * gates * hidden);
        expectDims("initial_h", n.h0(), 1, 1, hidden);
        expectDims("initial_c", n.c0(), 1, 1, hidden);
        if (n.seqLens() != null && Arrays.stream(n.seqLens().longs()).anyMatch(l -> l != seq)) {
            throw new IllegalArgumentException("sequence_lens " + Arrays.toString(n.seqLens().longs()) + " shorter "
                    + "than the sequence (" + seq + ") are not supported");
        }
        if (n.peepholes() != null && Arrays.stream(n.peepholes().data()).anyMatch(v -> v != 0)) {
            throw new IllegalArgumentException("peepholes (input P) are not supported");
        }
    }

    private static void expectDims(String what, Const c, long... dims) {
        if (c != null && !Arrays.equals(c.dims(), dims)) {
            throw new IllegalArgumentException(what + " must have shape " + Arrays.toString(dims) + ", has "
                    + Arrays.toString(c.dims()));
        }
    }

    /** ONNX LSTM, gates i, o, f, c: c_t = f c_(t-1) + i g, h_t = o tanh(c_t). */
    static Unrolled lstm(Cell n) {
        Recurrent u = new Recurrent(n, 4, List.of("Sigmoid", "Tanh", "Tanh"));
        if (n.at().has("linear_before_reset")) {
            throw new IllegalArgumentException("linear_before_reset is a GRU attribute");
        }
        return u.unrollLstm();
    }

    /** ONNX GRU, gates z, r, h: h_t = n + z (h_(t-1) - n), with linear_before_reset 0 or 1. */
    static Unrolled gru(Cell n) {
        return new Recurrent(n, 3, List.of("Sigmoid", "Tanh")).unrollGru(n.at().integer("linear_before_reset", 0) != 0);
    }

    private Unrolled unrollLstm() {
        int k = 4 * hidden;
        Tensor w = matrix(n.w(), 0, k, features);
        Tensor r = matrix(n.r(), 0, k, hidden);
        float[] bias = biasSum(k);
        float[] h0 = state(n.h0());
        // step 0's recurrent part R h_0 + B_r is a constant: it joins the input layer's bias
        float[] bias0 = add(bias, product(r, h0));
        String cPrev = nonZero(n.c0()) ? constant("c0", state(n.c0())) : null;
        String hPrev = null;
        List<String> hs = new ArrayList<>();
        String c = null;
        for (int i = 0; i < seq; i++) {
            int t = reverse() ? seq - 1 - i : i;
            String p = "t" + t + "/";
            String gx = emit(p + "Wx", new Dense(w, vector(hPrev == null ? bias0 : bias)), List.of(row(t)));
            String g = hPrev == null ? gx : emit(p + "gates", new Eltwise(Eltwise.Kind.ADD),
                    List.of(gx, emit(p + "Rh", new Dense(r, null), List.of(hPrev))));
            String in = emit(p + "i", Activation.sigmoid(), List.of(gate(g, k, 0, p + "i_pre")));
            String out = emit(p + "o", Activation.sigmoid(), List.of(gate(g, k, 1, p + "o_pre")));
            String forget = emit(p + "f", Activation.sigmoid(), List.of(gate(g, k, 2, p + "f_pre")));
            String cell = emit(p + "g", Activation.tanh(), List.of(gate(g, k, 3, p + "g_pre")));
            String ig = emit(p + "i*g", new Eltwise(Eltwise.Kind.MUL), List.of(in, cell));
            c = cPrev == null ? ig : emit(p + "c", new Eltwise(Eltwise.Kind.ADD),
                    List.of(emit(p + "f*c", new Eltwise(Eltwise.Kind.MUL), List.of(forget, cPrev)), ig));
            String h = emit(p + "h", new Eltwise(Eltwise.Kind.MUL),
                    List.of(out, emit(p + "tanh(c)", Activation.tanh(), List.of(c))));
            hs.add(h);
            hPrev = h;
            cPrev = c;
        }
        outputs(hs, hPrev, c);
        return new Unrolled(steps, constants, batchAxes);
    }

    private Unrolled unrollGru(boolean linearBeforeReset) {
        int k = 3 * hidden;
        Tensor w = matrix(n.w(), 0, k, features);
        float[] b = n.b() == null ? new float[2 * k] : n.b().tensor().data();
        float[] wb = Arrays.copyOfRange(b, 0, k);
        float[] rb = Arrays.copyOfRange(b, k, 2 * k);
        // with linear_before_reset the whole R h + B_r is one layer; without it the h gate's R_h
        // multiplies r * h_(t-1), so z and r (2H filters) and h (H filters) are two layers
        Tensor rzr = matrix(n.r(), 0, linearBeforeReset ? k : 2 * hidden, hidden);
        Tensor rh = linearBeforeReset ? null : matrix(n.r(), 2 * hidden, hidden, hidden);
        float[] rbzr = linearBeforeReset ? rb : Arrays.copyOfRange(rb, 0, 2 * hidden);
        float[] rbh = Arrays.copyOfRange(rb, 2 * hidden, k);
        float[] h0 = state(n.h0());
        String hPrev = constant("h0", h0);
        String hConst = hPrev;
        List<String> hs = new ArrayList<>();
        for (int i = 0; i < seq; i++) {
            int t = reverse() ? seq - 1 - i : i;
            String p = "t" + t + "/";
            boolean first = hPrev.equals(hConst);
            String gx = emit(p + "Wx", new Dense(w, vector(wb)), List.of(row(t)));
            // R h_(t-1) + B_r for z, r (and h when linear before reset); constants at step 0
            float[] gh0 = first ? add(rbzr, product(rzr, h0)) : null;
            String gh = first ? null : emit(p + "Rh", new Dense(rzr, vector(rbzr)), List.of(hPrev));
            int kh = linearBeforeReset ? k : 2 * hidden;
            String z = emit(p + "z", Activation.sigmoid(), List.of(sum(p + "z_pre", gate(gx, k, 0, p + "Wx_z"),
                    recurrentGate(gh, gh0, kh, 0, p + "Rh_z"))));
            String rr = emit(p + "r", Activation.sigmoid(), List.of(sum(p + "r_pre", gate(gx, k, 1, p + "Wx_r"),
                    recurrentGate(gh, gh0, kh, 1, p + "Rh_r"))));
            String recurrent;
            if (linearBeforeReset) {
                recurrent = emit(p + "r*Rh_h", new Eltwise(Eltwise.Kind.MUL),
                        List.of(rr, recurrentGate(gh, gh0, k, 2, p + "Rh_h")));
            } else {
                String reset = emit(p + "r*h", new Eltwise(Eltwise.Kind.MUL), List.of(rr, hPrev));
                recurrent = emit(p + "Rh_h", new Dense(rh, vector(rbh)), List.of(reset));
            }
            String cand = emit(p + "n", Activation.tanh(), List.of(sum(p + "n_pre", gate(gx, k, 2, p + "Wx_h"),
                    recurrent)));
            String diff = emit(p + "h-n", new Eltwise(Eltwise.Kind.SUB), List.of(hPrev, cand));
            String h = emit(p + "h", new Eltwise(Eltwise.Kind.ADD),
                    List.of(cand, emit(p + "z*(h-n)", new Eltwise(Eltwise.Kind.MUL), List.of(z, diff))));
            hs.add(h);
            hPrev = h;
        }
        outputs(hs, hPrev, null);
        return new Unrolled(steps, constants, batchAxes);
    }

    private boolean reverse() {
        return n.at().string("direction", "forward").equals("reverse");
    }

    /** x_t as [1, features]: X viewed as [seq, features] (batch 1), row t. */
    private String row(int t) {
        String rows = n.name() + "/X";
        if (steps.stream().noneMatch(s -> s.output().equals(rows))) {
            steps.add(new Step(rows, new Reshape(Shape.of(seq, features)), List.of(n.x()), rows));
        }
        return seq == 1 ? emit("x" + t, new Reshape(Shape.of(1, features)), List.of(rows))
                : emit("x" + t, OnnxOps.slice(Shape.of(seq, features), new long[] {t}, new long[] {t + 1},
                        new long[] {0}, null), List.of(rows));
    }

    /** Gate {@code index} (columns index*H ... ) of a [1, width] gate tensor. */
    private String gate(String g, int width, int index, String name) {
        Slice s = OnnxOps.slice(Shape.of(1, width), new long[] {(long) index * hidden},
                new long[] {(long) (index + 1) * hidden}, new long[] {1}, null);
        return emit(name, s, List.of(g));
    }

    /** Gate {@code index} of R h_(t-1) + B_r: a slice of the layer's output, or of the step-0 constant. */
    private String recurrentGate(String gh, float[] gh0, int width, int index, String name) {
        return gh != null ? gate(gh, width, index, name)
                : constant(name, Arrays.copyOfRange(gh0, index * hidden, (index + 1) * hidden));
    }

    private String sum(String name, String a, String b) {
        return emit(name, new Eltwise(Eltwise.Kind.ADD), List.of(a, b));
    }

    private String emit(String suffix, Op op, List<String> inputs) {
        String name = n.name() + "/" + suffix;
        steps.add(new Step(name, op, inputs, name));
        return name;
    }

    private String constant(String suffix, float[] v) {
        String name = n.name() + "/" + suffix;
        double[] d = new double[v.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = v[i];
        }
        constants.put(name, new Const(new long[] {1, v.length}, d, false));
        return name;
    }

    /** Y [seq, 1, 1, H] (layout 0) or [1, seq, 1, H]; Y_h and Y_c [1, 1, H]: only those the graph reads. */
    private void outputs(List<String> hs, String hLast, String cLast) {
        List<String> out = n.outputs();
        if (n.read()[0]) {
            List<String> inOrder = new ArrayList<>(hs);
            if (reverse()) {
                java.util.Collections.reverse(inOrder);
            }
            String ys = emit("Y_rows", new Concat(0), inOrder);
            Shape y = layout == 0 ? Shape.of(seq, 1, 1, hidden) : Shape.of(1, seq, 1, hidden);
            steps.add(new Step(n.name() + "/Y", new Reshape(y), List.of(ys), out.get(0)));
            batchAxes.put(out.get(0), layout == 0 ? 2 : 0);
        }
        String[] last = {null, hLast, cLast};
        for (int i = 1; i < 3; i++) {
            if (n.read()[i]) {
                if (last[i] == null) {
                    throw new IllegalArgumentException("output " + i + " ('" + out.get(i) + "') does not exist");
                }
                steps.add(new Step(n.name() + (i == 1 ? "/Y_h" : "/Y_c"), new Reshape(Shape.of(1, 1, hidden)),
                        List.of(last[i]), out.get(i)));
                batchAxes.put(out.get(i), layout == 0 ? 1 : 0);
            }
        }
    }

    /** Rows {@code from .. from+rows} of a constant [1, K, C] as a [rows, C] weight. */
    private static Tensor matrix(Const c, int from, int rows, int cols) {
        if (c == null) {
            throw new IllegalArgumentException("a weight input (W or R) is missing or not a constant");
        }
        Tensor t = c.tensor();
        if ((long) (from + rows) * cols > t.data().length) {
            throw new IllegalArgumentException("weight " + t.shape() + " holds fewer than the " + (from + rows)
                    + " x " + cols + " values the cell needs");
        }
        return new Tensor(Shape.of(rows, cols), Arrays.copyOfRange(t.data(), from * cols, (from + rows) * cols));
    }

    private float[] biasSum(int k) {
        float[] s = new float[k];
        if (n.b() != null) {
            float[] b = n.b().tensor().data();
            for (int i = 0; i < k; i++) {
                s[i] = b[i] + b[k + i]; // W_b + R_b, float32 as ONNX Runtime adds them
            }
        }
        return s;
    }

    private float[] state(Const c) {
        return c == null ? new float[hidden] : c.tensor().data();
    }

    private static boolean nonZero(Const c) {
        return c != null && Arrays.stream(c.data()).anyMatch(v -> v != 0);
    }

    private static float[] product(Tensor m, float[] v) {
        int rows = m.shape().dim(0);
        int cols = m.shape().dim(1);
        float[] out = new float[rows];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += (double) m.data()[i * cols + j] * v[j];
            }
            out[i] = (float) s;
        }
        return out;
    }

    private static float[] add(float[] a, float[] b) {
        float[] s = new float[a.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = a[i] + b[i];
        }
        return s;
    }

    private static Tensor vector(float[] v) {
        return new Tensor(Shape.of(v.length), v);
    }
}
