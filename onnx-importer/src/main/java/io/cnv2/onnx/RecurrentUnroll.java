package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import io.cnv2.BadInputException;
import io.cnv2.ir.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ONNX {@code LSTM} rewritten, before {@code cnv2 quantize} calibrates, into an unrolled float
 * subgraph of standard ops, so that its gate matrices become MatMuls with constant weights that
 * {@link QuantisableLayer} quantises (docs/FIXED-POINT.md, "Static quantisation"). Per time step t,
 * in processing order (t = 0 .. seq-1 forward, seq-1 .. 0 reverse):
 * <pre>
 *   x_t   = Gather(X, t)                                   [batch, I]
 *   gates = MatMul(x_t, W^T) + MatMul(h_(t-1), R^T) + (Wb + Rb)   [batch, 4H], ONNX order i, o, f, c
 *   i = Sigmoid(gates[:, 0:H]), o = Sigmoid(gates[:, H:2H]), f = Sigmoid(gates[:, 2H:3H]), g = Tanh(gates[:, 3H:4H])
 *   c_t = f * c_(t-1) + i * g,  h_t = o * Tanh(c_t)
 * </pre>
 * W^T [I, 4H] and R^T [H, 4H] are initializers shared by every step. A zero initial state (no input,
 * an all-zero constant, or Expand / ConstantOfShape of zero) drops step 0's recurrent MatMul and
 * its f * c_(-1) term, as the emulator's importer does ({@link Recurrent}). The outputs Y
 * (Concat of every h_t), Y_h and Y_c keep their names, so the rest of the graph is unchanged.
 *
 * <p>Unrolled: direction forward or reverse, default activations, no clip, no peepholes, input_forget
 * 0, layout 0 or 1, any batch, no sequence_lens or a constant one equal to the sequence length (found
 * by running the model once on ONNX Runtime). Any other LSTM is refused with a one-line
 * {@link BadInputException} naming the node; {@code --keep-recurrent} keeps every LSTM float.
 * GRU (gates z, r, h; either linear_before_reset) is unrolled the same way under the same rules
 * ({@link Writer#gru}); RNN always stays float.
 */
final class RecurrentUnroll {
    private RecurrentUnroll() {
    }

    /** The opset the unrolled nodes are written for: Slice with starts/ends/axes as inputs. */
    static final int OPSET = 10;

    /** The rewritten model and each unrolled LSTM or GRU node's name with its sequence length. */
    record Result(ModelProto model, Map<String, Integer> unrolled) {
    }

    /**
     * {@code model} with every LSTM unrolled; {@code sample} (model inputs by name) is run once on
     * ONNX Runtime to learn each LSTM's sequence length. {@code file} names the model in errors.
     */
    static Result apply(ModelProto model, Map<String, Tensor> sample, String file) {
        GraphProto g = model.getGraph();
        List<NodeProto> lstms = g.getNodeList().stream().filter(n -> isDefault(n) && (n.getOpType().equals("LSTM")
                || n.getOpType().equals("GRU")))
                .toList();
        if (lstms.isEmpty()) {
            return new Result(model, Map.of());
        }
        Map<String, TensorProto> constants = constants(g);
        for (NodeProto n : lstms) {
            check(n, constants, file);
        }
        Map<String, int[]> xShapes = probe(model, lstms, sample, file);
        Writer w = new Writer(g, constants);
        Map<String, Integer> unrolled = new LinkedHashMap<>();
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            if (!lstms.contains(n)) {
                nodes.add(n);
                continue;
            }
            int layout = (int) QuantisableLayer.intAttr(n, "layout", 0);
            int[] x = xShapes.get(n.getInput(0));
            int seq = x[layout == 0 ? 0 : 1];
            String lens = input(n, 4);
            if (lens != null) {
                double[] l = Tensors.read(constants.get(lens)).data();
                for (double v : l) {
                    if (v != seq) {
                        throw refuse(file, n, "sequence_lens " + java.util.Arrays.toString(l) + " shorter than the "
                                + "sequence (" + seq + ")");
                    }
                }
            }
            nodes.addAll(n.getOpType().equals("LSTM") ? w.lstm(n, seq, layout) : w.gru(n, seq, layout));
            unrolled.put(name(n), seq);
        }
        GraphProto.Builder out = g.toBuilder().clearNode().addAllNode(prune(nodes, g));
        out.addAllInitializer(w.newInits);
        // initializers no node reads any more (W, R, B) go
        Set<String> read = new HashSet<>();
        out.getNodeList().forEach(n -> read.addAll(OnnxGraphs.references(n)));
        g.getOutputList().forEach(v -> read.add(v.getName()));
        List<TensorProto> inits = new ArrayList<>(out.getInitializerList());
        out.clearInitializer();
        Set<String> graphInputs = new HashSet<>();
        g.getInputList().forEach(v -> graphInputs.add(v.getName()));
        for (TensorProto t : inits) {
            if (read.contains(t.getName()) || graphInputs.contains(t.getName())) {
                out.addInitializer(t);
            }
        }
        Set<String> exist = new HashSet<>();
        out.getNodeList().forEach(n -> exist.addAll(n.getOutputList()));
        List<ValueInfoProto> vi = new ArrayList<>(out.getValueInfoList());
        out.clearValueInfo();
        vi.stream().filter(v -> exist.contains(v.getName())).forEach(out::addValueInfo);
        ModelProto.Builder m = model.toBuilder().setGraph(out);
        QdqRewrite.raiseOpset(m, OPSET);
        return new Result(m.build(), unrolled);
    }

    static boolean isDefault(NodeProto n) {
        return n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
    }

    static String name(NodeProto n) {
        return n.getName().isEmpty() ? n.getOutput(0) : n.getName();
    }

    private static String input(NodeProto n, int i) {
        return n.getInputCount() > i && !n.getInput(i).isEmpty() ? n.getInput(i) : null;
    }

    private static BadInputException refuse(String file, NodeProto n, String why) {
        return new BadInputException("model file " + file + ": " + n.getOpType() + " node '" + name(n) + "': " + why
                + "; cnv2 quantize unrolls only a forward or reverse " + n.getOpType() + " with the default activations "
                + "(--keep-recurrent keeps it float)");
    }

    /** Refuses what the unrolling does not express. */
    private static void check(NodeProto n, Map<String, TensorProto> constants, String file) {
        String dir = "forward";
        for (AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
                case "direction" -> dir = a.getS().toStringUtf8();
                case "activations" -> {
                    List<String> acts = a.getStringsList().stream().map(ByteString::toStringUtf8).toList();
                    List<String> def = n.getOpType().equals("LSTM") ? List.of("Sigmoid", "Tanh", "Tanh")
                            : List.of("Sigmoid", "Tanh");
                    if (!acts.equals(def)) {
                        throw refuse(file, n, "activations " + acts + " are not the default " + def);
                    }
                }
                case "clip", "activation_alpha", "activation_beta" ->
                        throw refuse(file, n, "attribute '" + a.getName() + "' is set");
                case "input_forget" -> {
                    if (a.getI() != 0) {
                        throw refuse(file, n, "input_forget=1");
                    }
                }
                case "layout" -> {
                    if (a.getI() != 0 && a.getI() != 1) {
                        throw refuse(file, n, "layout " + a.getI());
                    }
                }
                default -> {
                }
            }
        }
        if (!dir.equals("forward") && !dir.equals("reverse")) {
            throw refuse(file, n, "direction '" + dir + "'");
        }
        if (n.getOpType().equals("LSTM") && input(n, 7) != null) {
            throw refuse(file, n, "it has peepholes (input P)");
        }
        if (n.getInputCount() < 3) {
            throw refuse(file, n, "it has no W or R");
        }
        String[] what = {"X", "W", "R", "B"};
        for (int i = 1; i < 4; i++) {
            String t = input(n, i);
            if (t == null) {
                if (i < 3) {
                    throw refuse(file, n, "it has no " + what[i]);
                }
                continue;
            }
            TensorProto c = constants.get(t);
            if (c == null || c.getDataType() != Tensors.FLOAT || c.getDims(0) != 1) {
                throw refuse(file, n, what[i] + " '" + t + "' is not a float32 constant of one direction");
            }
        }
        String lens = input(n, 4);
        if (lens != null && constants.get(lens) == null) {
            throw refuse(file, n, "sequence_lens '" + lens + "' is computed");
        }
    }

    /** Initializers and the outputs of Constant nodes holding a tensor. */
    private static Map<String, TensorProto> constants(GraphProto g) {
        Map<String, TensorProto> c = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            if (isDefault(n) && n.getOpType().equals("Constant")) {
                for (AttributeProto a : n.getAttributeList()) {
                    if (a.getName().equals("value") && a.hasT()) {
                        c.put(n.getOutput(0), a.getT());
                    }
                }
            }
        }
        g.getInitializerList().forEach(t -> c.put(t.getName(), t));
        return c;
    }

    /**
     * The shape of each LSTM's X for {@code sample}, as ONNX Runtime computes it on the part of the
     * graph X depends on (ONNX Runtime runs no LSTM with layout 1; the unrolled graph it runs).
     */
    private static Map<String, int[]> probe(ModelProto model, List<NodeProto> lstms, Map<String, Tensor> sample,
                                            String file) {
        Set<String> inputs = new HashSet<>();
        model.getGraph().getInputList().forEach(v -> inputs.add(v.getName()));
        Map<String, int[]> shapes = new HashMap<>();
        GraphProto.Builder g = model.getGraph().toBuilder().clearOutput();
        for (NodeProto n : lstms) {
            String x = n.getInput(0);
            if (inputs.contains(x) && sample.containsKey(x)) {
                shapes.put(x, sample.get(x).shape().dims());
            } else {
                g.addOutput(ValueInfoProto.newBuilder().setName(x));
            }
        }
        if (g.getOutputCount() > 0) {
            GraphProto part = g.build();
            part = part.toBuilder().clearNode().addAllNode(prune(part.getNodeList(), part)).build();
            try (OrtModel ort = new OrtModel(model.toBuilder().setGraph(part).build(), "model file " + file
                    + " (sequence lengths)", 1)) {
                Map<String, Tensor> out = ort.run(sample);
                for (NodeProto n : lstms) {
                    String x = n.getInput(0);
                    if (!shapes.containsKey(x)) {
                        Tensor t = out.get(x);
                        if (t == null || t.shape().rank() != 3) {
                            throw refuse(file, n, "ONNX Runtime gives no rank-3 X");
                        }
                        shapes.put(x, t.shape().dims());
                    }
                }
            }
        }
        return shapes;
    }

    /** Drops nodes (the zero initial state's Expand, its shape arithmetic) nothing reads any more. */
    private static List<NodeProto> prune(List<NodeProto> nodes, GraphProto g) {
        Set<String> outputs = new HashSet<>();
        g.getOutputList().forEach(v -> outputs.add(v.getName()));
        List<NodeProto> live = new ArrayList<>(nodes);
        boolean changed = true;
        while (changed) {
            Set<String> read = new HashSet<>(outputs);
            live.forEach(n -> read.addAll(OnnxGraphs.references(n)));
            changed = live.removeIf(n -> n.getOutputCount() > 0
                    && n.getOutputList().stream().noneMatch(o -> !o.isEmpty() && read.contains(o)));
        }
        return live;
    }

    /** Writes the nodes and initializers of the unrolled cells, with names unique in the graph. */
    private static final class Writer {
        private final Set<String> names = new HashSet<>();
        private final Map<String, TensorProto> constants;
        private final List<TensorProto> newInits = new ArrayList<>();
        private final Map<String, String> ints = new HashMap<>(); // int64 constant "v,v" -> initializer name
        private final GraphProto source;
        private List<NodeProto> out;
        private String prefix;

        Writer(GraphProto g, Map<String, TensorProto> constants) {
            this.source = g;
            this.constants = constants;
            g.getInputList().forEach(v -> names.add(v.getName()));
            g.getOutputList().forEach(v -> names.add(v.getName()));
            g.getInitializerList().forEach(t -> names.add(t.getName()));
            for (NodeProto n : g.getNodeList()) {
                names.addAll(n.getOutputList());
                names.add(n.getName());
            }
        }

        List<NodeProto> lstm(NodeProto n, int seq, int layout) {
            out = new ArrayList<>();
            prefix = name(n);
            boolean reverse = false;
            for (AttributeProto a : n.getAttributeList()) {
                if (a.getName().equals("direction")) {
                    reverse = a.getS().toStringUtf8().equals("reverse");
                }
            }
            TensorProto wt = constants.get(n.getInput(1));
            int hidden = (int) (wt.getDims(1) / 4);
            int features = (int) wt.getDims(2);
            String w = matrix(prefix + "/W_T", Tensors.read(wt).data(), 4 * hidden, features);
            String r = matrix(prefix + "/R_T", Tensors.read(constants.get(n.getInput(2))).data(), 4 * hidden, hidden);
            String b = null;
            if (input(n, 3) != null) {
                double[] bv = Tensors.read(constants.get(n.getInput(3))).data();
                float[] sum = new float[4 * hidden];
                for (int i = 0; i < sum.length; i++) {
                    sum[i] = (float) bv[i] + (float) bv[4 * hidden + i];
                }
                b = init(prefix + "/B", sum, new long[] {4 * hidden});
            }
            int batchAxis = layout == 0 ? 1 : 0;
            String h = state(n, 5, batchAxis);
            String c = state(n, 6, batchAxis);
            String[] ys = new String[seq];
            for (int s = 0; s < seq; s++) {
                int t = reverse ? seq - 1 - s : s;
                String p = prefix + "/t" + t + "/";
                String x = node("Gather", p + "x", List.of(n.getInput(0), int64(new long[0], t)),
                        attr("axis", layout == 0 ? 0 : 1));
                String gates = node("MatMul", p + "Wx", List.of(x, w));
                if (h != null) {
                    String rh = node("MatMul", p + "Rh", List.of(h, r));
                    gates = node("Add", p + "gates", List.of(gates, rh));
                }
                if (b != null) {
                    gates = node("Add", p + "gates_bias", List.of(gates, b));
                }
                String i = node("Sigmoid", p + "i", List.of(slice(p + "i_pre", gates, 0, hidden)));
                String o = node("Sigmoid", p + "o", List.of(slice(p + "o_pre", gates, 1, hidden)));
                String g = node("Tanh", p + "g", List.of(slice(p + "g_pre", gates, 3, hidden)));
                String ig = node("Mul", p + "i_g", List.of(i, g));
                if (c != null) {
                    String f = node("Sigmoid", p + "f", List.of(slice(p + "f_pre", gates, 2, hidden)));
                    String fc = node("Mul", p + "f_c", List.of(f, c));
                    c = node("Add", p + "c", List.of(fc, ig));
                } else {
                    c = ig;
                }
                String tc = node("Tanh", p + "tanh_c", List.of(c));
                h = node("Mul", p + "h", List.of(o, tc));
                ys[t] = h;
            }
            // Y [seq, 1, batch, H] (layout 0) or [batch, seq, 1, H] (layout 1); Y_h, Y_c [1, batch, H] or [batch, 1, H]
            if (n.getOutputCount() > 0 && !n.getOutput(0).isEmpty()) {
                List<String> parts = new ArrayList<>();
                long[] shape = layout == 0 ? new long[] {1, 1, -1, hidden} : new long[] {-1, 1, 1, hidden};
                for (int t = 0; t < seq; t++) {
                    parts.add(node("Reshape", prefix + "/t" + t + "/y", List.of(ys[t], int64(new long[] {4}, shape))));
                }
                emit("Concat", n.getOutput(0), parts, attr("axis", layout == 0 ? 0 : 1));
            }
            long[] last = layout == 0 ? new long[] {1, -1, hidden} : new long[] {-1, 1, hidden};
            if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
                emit("Reshape", n.getOutput(1), List.of(h, int64(new long[] {3}, last)));
            }
            if (n.getOutputCount() > 2 && !n.getOutput(2).isEmpty()) {
                emit("Reshape", n.getOutput(2), List.of(c, int64(new long[] {3}, last)));
            }
            return out;
        }

        /**
         * GRU, gates z, r, h (ONNX order): z = Sigmoid(W_z x + R_z h + Wb_z + Rb_z), r likewise,
         * n = Tanh(W_h x + (r * h) R_h^T + Rb_h + Wb_h) (linear_before_reset 0) or
         * Tanh(W_h x + Wb_h + r * (R_h h + Rb_h)) (1), h_t = n + z * (h_(t-1) - n).
         */
        List<NodeProto> gru(NodeProto n, int seq, int layout) {
            out = new ArrayList<>();
            prefix = name(n);
            boolean reverse = false;
            boolean lbr = QuantisableLayer.intAttr(n, "linear_before_reset", 0) != 0;
            for (AttributeProto a : n.getAttributeList()) {
                if (a.getName().equals("direction")) {
                    reverse = a.getS().toStringUtf8().equals("reverse");
                }
            }
            TensorProto wt = constants.get(n.getInput(1));
            int hidden = (int) (wt.getDims(1) / 3);
            int features = (int) wt.getDims(2);
            double[] rv = Tensors.read(constants.get(n.getInput(2))).data();
            String w = matrix(prefix + "/W_T", Tensors.read(wt).data(), 3 * hidden, features);
            String r = null;
            String rzr = null;
            String rh = null;
            if (lbr) {
                r = matrix(prefix + "/R_T", rv, 3 * hidden, hidden);
            } else {
                rzr = matrix(prefix + "/R_zr_T", java.util.Arrays.copyOfRange(rv, 0, 2 * hidden * hidden), 2 * hidden,
                        hidden);
                rh = matrix(prefix + "/R_h_T", java.util.Arrays.copyOfRange(rv, 2 * hidden * hidden, rv.length), hidden,
                        hidden);
            }
            double[] bv = input(n, 3) != null ? Tensors.read(constants.get(n.getInput(3))).data()
                    : new double[6 * hidden];
            // x side: Wb + Rb for z and r; h gate: Wb_h + Rb_h (linear_before_reset 0) or Wb_h alone (1)
            float[] bx = new float[3 * hidden];
            float[] rbh = new float[hidden];
            for (int i = 0; i < 3 * hidden; i++) {
                bx[i] = (float) bv[i] + (lbr && i >= 2 * hidden ? 0f : (float) bv[3 * hidden + i]);
            }
            for (int i = 0; i < hidden; i++) {
                rbh[i] = (float) bv[5 * hidden + i];
            }
            String b = input(n, 3) != null ? init(prefix + "/B", bx, new long[] {3 * hidden}) : null;
            String brh = lbr && input(n, 3) != null ? init(prefix + "/Rb_h", rbh, new long[] {hidden}) : null;
            int batchAxis = layout == 0 ? 1 : 0;
            String h = state(n, 5, batchAxis);
            String[] ys = new String[seq];
            for (int s = 0; s < seq; s++) {
                int t = reverse ? seq - 1 - s : s;
                String p = prefix + "/t" + t + "/";
                String x = node("Gather", p + "x", List.of(n.getInput(0), int64(new long[0], t)),
                        attr("axis", layout == 0 ? 0 : 1));
                String gx = node("MatMul", p + "Wx", List.of(x, w));
                if (b != null) {
                    gx = node("Add", p + "Wx_bias", List.of(gx, b));
                }
                String zPre = slice(p + "z_x", gx, 0, hidden);
                String rPre = slice(p + "r_x", gx, 1, hidden);
                String nPre = slice(p + "h_x", gx, 2, hidden);
                String hr = null;
                if (h != null) {
                    String rec = node("MatMul", p + "Rh", List.of(h, lbr ? r : rzr));
                    zPre = node("Add", p + "z_pre", List.of(zPre, slice(p + "z_h", rec, 0, hidden)));
                    rPre = node("Add", p + "r_pre", List.of(rPre, slice(p + "r_h", rec, 1, hidden)));
                    if (lbr) {
                        hr = slice(p + "h_h", rec, 2, hidden);
                        if (brh != null) {
                            hr = node("Add", p + "h_h_bias", List.of(hr, brh));
                        }
                    }
                } else if (lbr) {
                    hr = brh;
                }
                String z = node("Sigmoid", p + "z", List.of(zPre));
                String rg = node("Sigmoid", p + "r", List.of(rPre));
                if (lbr && hr != null) {
                    nPre = node("Add", p + "h_pre", List.of(nPre, node("Mul", p + "r_hh", List.of(rg, hr))));
                } else if (!lbr && h != null) {
                    String rhh = node("Mul", p + "r_h_prev", List.of(rg, h));
                    nPre = node("Add", p + "h_pre", List.of(nPre, node("MatMul", p + "Rrh", List.of(rhh, rh))));
                }
                String nn = node("Tanh", p + "n", List.of(nPre));
                if (h != null) {
                    String d = node("Sub", p + "h_minus_n", List.of(h, nn));
                    h = node("Add", p + "h", List.of(nn, node("Mul", p + "z_d", List.of(z, d))));
                } else {
                    h = node("Sub", p + "h", List.of(nn, node("Mul", p + "z_n", List.of(z, nn))));
                }
                ys[t] = h;
            }
            if (n.getOutputCount() > 0 && !n.getOutput(0).isEmpty()) {
                List<String> parts = new ArrayList<>();
                long[] shape = layout == 0 ? new long[] {1, 1, -1, hidden} : new long[] {-1, 1, 1, hidden};
                for (int t = 0; t < seq; t++) {
                    parts.add(node("Reshape", prefix + "/t" + t + "/y", List.of(ys[t], int64(new long[] {4}, shape))));
                }
                emit("Concat", n.getOutput(0), parts, attr("axis", layout == 0 ? 0 : 1));
            }
            if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
                long[] last = layout == 0 ? new long[] {1, -1, hidden} : new long[] {-1, 1, hidden};
                emit("Reshape", n.getOutput(1), List.of(h, int64(new long[] {3}, last)));
            }
            return out;
        }

        /** The initial state [batch, H] (the direction axis gathered away), null when it is zero. */
        private String state(NodeProto n, int index, int batchAxis) {
            String s = input(n, index);
            if (s == null || zero(s)) {
                return null;
            }
            // initial_h is [1, batch, H] with layout 0, [batch, 1, H] with layout 1
            return node("Gather", prefix + (index == 5 ? "/h0" : "/c0"), List.of(s, int64(new long[0], 0)),
                    attr("axis", 1 - batchAxis));
        }

        /** An all-zero constant, or Expand / ConstantOfShape of one. */
        private boolean zero(String t) {
            TensorProto c = constants.get(t);
            if (c != null) {
                for (double v : Tensors.read(c).data()) {
                    if (v != 0) {
                        return false;
                    }
                }
                return true;
            }
            for (NodeProto p : source.getNodeList()) {
                if (p.getOutputList().contains(t) && isDefault(p)) {
                    if (p.getOpType().equals("Expand")) {
                        return zero(p.getInput(0));
                    }
                    if (p.getOpType().equals("ConstantOfShape")) {
                        for (AttributeProto a : p.getAttributeList()) {
                            if (a.getName().equals("value")) {
                                for (double v : Tensors.read(a.getT()).data()) {
                                    if (v != 0) {
                                        return false;
                                    }
                                }
                            }
                        }
                        return true;
                    }
                }
            }
            return false;
        }

        private String slice(String name, String gates, int k, int hidden) {
            return node("Slice", name, List.of(gates, int64(new long[] {1}, (long) k * hidden),
                    int64(new long[] {1}, (long) (k + 1) * hidden), int64(new long[] {1}, 1)));
        }

        /** {@code m} [rows, cols] transposed into a [cols, rows] initializer. */
        private String matrix(String name, double[] m, int rows, int cols) {
            float[] t = new float[rows * cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    t[j * rows + i] = (float) m[i * cols + j];
                }
            }
            return init(name, t, new long[] {cols, rows});
        }

        private String init(String name, float[] v, long[] dims) {
            String n = unique(name);
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) {
                b.putFloat(x);
            }
            TensorProto.Builder t = TensorProto.newBuilder().setName(n).setDataType(Tensors.FLOAT)
                    .setRawData(ByteString.copyFrom(b.array()));
            for (long d : dims) {
                t.addDims(d);
            }
            newInits.add(t.build());
            return n;
        }

        /** A shared int64 initializer of shape {@code dims} (empty: a scalar). */
        private String int64(long[] dims, long... v) {
            String key = java.util.Arrays.toString(dims) + java.util.Arrays.toString(v);
            return ints.computeIfAbsent(key, k -> {
                String n = unique(prefix + "/const_" + String.join("_", java.util.Arrays.stream(v)
                        .mapToObj(x -> x < 0 ? "m" + -x : "" + x).toList()));
                TensorProto.Builder t = TensorProto.newBuilder().setName(n).setDataType(Tensors.INT64);
                for (long d : dims) {
                    t.addDims(d);
                }
                for (long x : v) {
                    t.addInt64Data(x);
                }
                newInits.add(t.build());
                return n;
            });
        }

        private static AttributeProto attr(String name, long v) {
            return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
        }

        /** A node named (and writing a tensor named) {@code name}, made unique; returns its output. */
        private String node(String op, String name, List<String> inputs, AttributeProto... attrs) {
            String n = unique(name);
            NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).setName(n).addAllInput(inputs).addOutput(n);
            for (AttributeProto a : attrs) {
                b.addAttribute(a);
            }
            out.add(b.build());
            return n;
        }

        /** A node writing the existing tensor {@code output}. */
        private void emit(String op, String output, List<String> inputs, AttributeProto... attrs) {
            NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).setName(unique(output + "_" + op))
                    .addAllInput(inputs).addOutput(output);
            for (AttributeProto a : attrs) {
                b.addAttribute(a);
            }
            out.add(b.build());
        }

        private String unique(String name) {
            String n = name;
            for (int i = 1; names.contains(n); i++) {
                n = name + "_" + i;
            }
            names.add(n);
            return n;
        }
    }
}
