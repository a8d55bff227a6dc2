package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import io.cnv2.BadInputException;
import io.cnv2.accuracy.AccuracyRun;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code cnv2 quantize} unrolls LSTM nodes into MatMuls and quantises them ({@link RecurrentUnroll},
 * docs/FIXED-POINT.md "Static quantisation"): the unrolled float graph equals ONNX Runtime's LSTM,
 * the shipped Fashion-MNIST LSTM keeps its top-1 when quantised, every gate MatMul becomes an
 * integer QLinearMatMul, and an LSTM the unrolling cannot express is refused in one line.
 */
class QuantisedRecurrentTest {
    private static final String Y_H = "/lstm/LSTM_output_1";

    private static ModelProto lstm;
    private static List<Map<String, Tensor>> images;
    private static List<Integer> labels;

    @BeforeAll
    static void load() throws Exception {
        lstm = OnnxImporter.parse(ShippedModels.fashionMnistLstmOnnx());
        List<Sample> s = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(0);
        images = s.stream().map(x -> Map.of("image", x.input())).toList();
        labels = s.stream().map(Sample::label).toList();
    }

    private static ModelProto withOutput(ModelProto m, String t) {
        return m.toBuilder().setGraph(m.getGraph().toBuilder().addOutput(ValueInfoProto.newBuilder().setName(t)))
                .build();
    }

    /** The largest relative error (TensorCompare) of every output of {@code b} against {@code a}'s. */
    private static double worst(ModelProto a, ModelProto b, List<Map<String, Tensor>> inputs) {
        double worst = 0;
        try (OrtModel x = new OrtModel(a, "original", 1); OrtModel y = new OrtModel(b, "unrolled", 1)) {
            for (Map<String, Tensor> in : inputs) {
                Map<String, Tensor> ox = x.run(in);
                Map<String, Tensor> oy = y.run(in);
                assertEquals(ox.keySet(), oy.keySet());
                for (String o : ox.keySet()) {
                    assertEquals(ox.get(o).shape(), oy.get(o).shape(), o);
                    worst = Math.max(worst, TensorCompare.relativeError(oy.get(o), ox.get(o)));
                }
            }
        }
        return worst;
    }

    @Test
    void unrolledLstmEqualsOnnxRuntimesLstmWithin1e5() {
        RecurrentUnroll.Result u = RecurrentUnroll.apply(lstm, images.get(0), "fashion_lstm.onnx");
        assertEquals(Map.of("/lstm/LSTM", 28), u.unrolled());
        assertFalse(QuantModels.ops(u.model()).containsKey("LSTM"));
        assertEquals(28 + 27, QuantModels.ops(u.model()).get("MatMul"), "W x_t every step, R h_(t-1) from step 1");
        double e = worst(withOutput(lstm, Y_H), withOutput(u.model(), Y_H), images);
        System.out.printf("shipped LSTM unrolled, 1,000 images: largest relative error of Y_h and logits %.2e%n", e);
        assertTrue(e < 1e-5, "relative error " + e);
    }

    private static final int T = 5;
    private static final int I = 6;
    private static final int H = 7;
    private static final int BATCH = 3;

    private static TensorProto init(String name, Random r, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(Tensors.FLOAT);
        long n = 1;
        for (long d : dims) {
            t.addDims(d);
            n *= d;
        }
        for (long i = 0; i < n; i++) {
            t.addFloatData(r.nextFloat() - 0.5f);
        }
        return t.build();
    }

    private static AttributeProto attr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    /** One LSTM over X [T, BATCH, I] (layout 0) or [BATCH, T, I] (layout 1), initial states fed, Y, Y_h, Y_c out. */
    private static ModelProto cell(String direction, int layout, Random r) {
        boolean l0 = layout == 0;
        NodeProto.Builder n = NodeProto.newBuilder().setOpType("LSTM").setName("cell").addInput("X").addInput("W")
                .addInput("R").addInput("B").addInput("").addInput("h0").addInput("c0").addOutput("Y")
                .addOutput("Y_h").addOutput("Y_c").addAttribute(attr("direction", direction))
                .addAttribute(AttributeProto.newBuilder().setName("hidden_size").setType(AttributeProto.AttributeType.INT)
                        .setI(H));
        if (layout == 1) {
            n.addAttribute(AttributeProto.newBuilder().setName("layout").setType(AttributeProto.AttributeType.INT).setI(1));
        }
        GraphProto g = GraphProto.newBuilder().setName("cell").addNode(n)
                .addInput(QuantModels.value("X", l0 ? new long[] {T, BATCH, I} : new long[] {BATCH, T, I}))
                .addInput(QuantModels.value("h0", l0 ? new long[] {1, BATCH, H} : new long[] {BATCH, 1, H}))
                .addInput(QuantModels.value("c0", l0 ? new long[] {1, BATCH, H} : new long[] {BATCH, 1, H}))
                .addInitializer(init("W", r, 1, 4 * H, I)).addInitializer(init("R", r, 1, 4 * H, H))
                .addInitializer(init("B", r, 1, 8 * H))
                .addOutput(ValueInfoProto.newBuilder().setName("Y")).addOutput(ValueInfoProto.newBuilder().setName("Y_h"))
                .addOutput(ValueInfoProto.newBuilder().setName("Y_c")).build();
        return ModelProto.newBuilder().setIrVersion(7).addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("")
                .setVersion(14)).setGraph(g).build();
    }

    private static AttributeProto perm(long... p) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName("perm").setType(AttributeProto.AttributeType.INTS);
        for (long x : p) {
            a.addInts(x);
        }
        return a.build();
    }

    private static NodeProto transpose(String in, String out, long... p) {
        return NodeProto.newBuilder().setOpType("Transpose").setName(out).addInput(in).addOutput(out)
                .addAttribute(perm(p)).build();
    }

    /** A layout-0 cell read and written batch first, as its layout-1 twin is. */
    private static ModelProto batchFirst(ModelProto m) {
        GraphProto.Builder g = m.getGraph().toBuilder().clearInput().clearOutput();
        NodeProto cell = g.getNode(0).toBuilder().setInput(0, "X_t").setInput(5, "h0_t").setInput(6, "c0_t")
                .setOutput(0, "Y_t").setOutput(1, "Y_h_t").setOutput(2, "Y_c_t").build();
        g.clearNode().addNode(transpose("X", "X_t", 1, 0, 2)).addNode(transpose("h0", "h0_t", 1, 0, 2))
                .addNode(transpose("c0", "c0_t", 1, 0, 2)).addNode(cell).addNode(transpose("Y_t", "Y", 2, 0, 1, 3))
                .addNode(transpose("Y_h_t", "Y_h", 1, 0, 2)).addNode(transpose("Y_c_t", "Y_c", 1, 0, 2))
                .addInput(QuantModels.value("X", new long[] {BATCH, T, I}))
                .addInput(QuantModels.value("h0", new long[] {BATCH, 1, H}))
                .addInput(QuantModels.value("c0", new long[] {BATCH, 1, H}));
        for (String o : List.of("Y", "Y_h", "Y_c")) {
            g.addOutput(ValueInfoProto.newBuilder().setName(o));
        }
        return m.toBuilder().setGraph(g).build();
    }

    private static Tensor random(Random r, int... dims) {
        Shape s = new Shape(dims);
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat() * 4 - 2;
        }
        return new Tensor(s, v);
    }

    @Test
    void unrolledLstmWithGivenInitialStateAnyDirectionLayoutAndBatchEqualsOnnxRuntimesLstm() {
        Random r = new Random(5);
        for (String dir : List.of("forward", "reverse")) {
            for (int layout : new int[] {0, 1}) {
                long seed = r.nextLong();
                ModelProto m = cell(dir, layout, new Random(seed));
                // ONNX Runtime runs no LSTM with layout 1: the reference is the layout-0 cell between Transposes
                ModelProto ref = layout == 0 ? m : batchFirst(cell(dir, 0, new Random(seed)));
                List<Map<String, Tensor>> in = new ArrayList<>();
                for (int k = 0; k < 3; k++) {
                    Map<String, Tensor> x = new HashMap<>();
                    x.put("X", layout == 0 ? random(r, T, BATCH, I) : random(r, BATCH, T, I));
                    x.put("h0", layout == 0 ? random(r, 1, BATCH, H) : random(r, BATCH, 1, H));
                    x.put("c0", layout == 0 ? random(r, 1, BATCH, H) : random(r, BATCH, 1, H));
                    in.add(x);
                }
                RecurrentUnroll.Result u = RecurrentUnroll.apply(m, in.get(0), "cell");
                assertEquals(2 * T, QuantModels.ops(u.model()).get("MatMul"));
                double e = worst(ref, u.model(), in);
                System.out.printf("LSTM %s layout %d batch %d, initial state fed: Y, Y_h, Y_c relative error %.2e%n",
                        dir, layout, BATCH, e);
                assertTrue(e < 1e-5, dir + " layout " + layout + ": " + e);
            }
        }
    }

    /** One GRU over X [T, BATCH, I], initial state fed or zero (absent), Y and Y_h out. */
    private static ModelProto gru(String direction, long linearBeforeReset, boolean initialState, Random r) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType("GRU").setName("gru").addInput("X").addInput("W")
                .addInput("R").addInput("B").addInput("").addInput(initialState ? "h0" : "").addOutput("Y")
                .addOutput("Y_h").addAttribute(attr("direction", direction))
                .addAttribute(AttributeProto.newBuilder().setName("hidden_size").setType(AttributeProto.AttributeType.INT)
                        .setI(H))
                .addAttribute(AttributeProto.newBuilder().setName("linear_before_reset")
                        .setType(AttributeProto.AttributeType.INT).setI(linearBeforeReset));
        GraphProto.Builder g = GraphProto.newBuilder().setName("gru").addNode(n)
                .addInput(QuantModels.value("X", new long[] {T, BATCH, I}))
                .addInitializer(init("W", r, 1, 3 * H, I)).addInitializer(init("R", r, 1, 3 * H, H))
                .addInitializer(init("B", r, 1, 6 * H))
                .addOutput(ValueInfoProto.newBuilder().setName("Y")).addOutput(ValueInfoProto.newBuilder().setName("Y_h"));
        if (initialState) {
            g.addInput(QuantModels.value("h0", new long[] {1, BATCH, H}));
        }
        return ModelProto.newBuilder().setIrVersion(7).addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("")
                .setVersion(14)).setGraph(g).build();
    }

    @Test
    void unrolledGruEqualsOnnxRuntimesGruInBothResetOrders() {
        Random r = new Random(6);
        for (String dir : List.of("forward", "reverse")) {
            for (long lbr : new long[] {0, 1}) {
                for (boolean h0 : new boolean[] {false, true}) {
                    ModelProto m = gru(dir, lbr, h0, r);
                    List<Map<String, Tensor>> in = new ArrayList<>();
                    for (int k = 0; k < 3; k++) {
                        Map<String, Tensor> x = new HashMap<>();
                        x.put("X", random(r, T, BATCH, I));
                        x.put("h0", random(r, 1, BATCH, H));
                        in.add(x);
                    }
                    RecurrentUnroll.Result u = RecurrentUnroll.apply(m, in.get(0), "gru");
                    assertFalse(QuantModels.ops(u.model()).containsKey("GRU"));
                    double e = worst(m, u.model(), in);
                    System.out.printf("GRU %s linear_before_reset %d, initial state %s: Y, Y_h relative error %.2e%n",
                            dir, lbr, h0 ? "fed" : "zero", e);
                    assertTrue(e < 1e-5, dir + " lbr " + lbr + " h0 " + h0 + ": " + e);
                }
            }
        }
    }

    @Test
    void quantisedLstmTop1StaysWithinOnePointOfFloat() {
        StaticQuantizer.Result q = StaticQuantizer.quantize(lstm, "fashion_lstm.onnx", images.subList(0, 100),
                QuantSpec.of(8, false, false));
        assertEquals(Map.of("/lstm/LSTM", 28), q.unrolled());
        assertEquals(28 + 27 + 1, q.layers().size(), "55 gate MatMuls and the classifier's Gemm");
        AccuracyRun.TopK f = OrtAccuracy.measure(lstm, "float", images, labels);
        AccuracyRun.TopK a = OrtAccuracy.measure(q.model(), "quantised", images, labels);
        System.out.printf("LSTM unrolled and quantised (8-bit per tensor, uint8), 1,000 shipped images: float top-1 "
                + "%.4f, quantised %.4f%n", f.top1(), a.top1());
        assertTrue(Math.abs(f.top1() - a.top1()) <= 0.01, f.top1() + " vs " + a.top1());
    }

    @Test
    void everyGateMatMulOfTheQuantisedFileFusesIntoQLinearMatMul() throws Exception {
        StaticQuantizer.Result q = StaticQuantizer.quantize(lstm, "fashion_lstm.onnx", images.subList(0, 20),
                QuantSpec.of(8, false, false));
        Map<String, NodeProto> producer = new HashMap<>();
        Map<String, List<NodeProto>> readers = new HashMap<>();
        for (NodeProto n : q.model().getGraph().getNodeList()) {
            n.getOutputList().forEach(o -> producer.put(o, n));
            n.getInputList().forEach(i -> readers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
        }
        int qdq = 0;
        for (NodeProto n : q.model().getGraph().getNodeList()) {
            if (!n.getOpType().equals("MatMul")) {
                continue;
            }
            // DQ(Q(x)) and DQ(W_q) in, its output read only by a QuantizeLinear: the group the emulator fuses too
            NodeProto x = producer.get(n.getInput(0));
            NodeProto w = producer.get(n.getInput(1));
            List<NodeProto> r = readers.get(n.getOutput(0));
            assertEquals("DequantizeLinear", x.getOpType(), n.getName());
            assertEquals("QuantizeLinear", producer.get(x.getInput(0)).getOpType(), n.getName());
            assertEquals("DequantizeLinear", w.getOpType(), n.getName());
            assertEquals(1, r.size(), n.getName() + " output readers");
            assertEquals("QuantizeLinear", r.get(0).getOpType(), n.getName());
            qdq++;
        }
        assertEquals(55, qdq, "28 W x_t and 27 R h_(t-1) MatMuls in QDQ form");
        Map<String, Integer> fused = QuantModels.fused(q.model());
        System.out.println("quantised LSTM, as ONNX Runtime runs it: " + fused);
        assertEquals(55, fused.get("QLinearMatMul"));
        assertFalse(fused.containsKey("MatMul"), "no float MatMul left");
        assertEquals(1, fused.get("QGemm"));
    }

    @Test
    void bidirectionalLstmIsRefusedInOneLineNamingTheNode() {
        NodeProto cell = lstm.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("LSTM")).findFirst()
                .orElseThrow();
        GraphProto.Builder g = lstm.getGraph().toBuilder();
        g.setNode(g.getNodeList().indexOf(cell), cell.toBuilder().addAttribute(attr("direction", "bidirectional")));
        ModelProto bi = lstm.toBuilder().setGraph(g).build();
        BadInputException e = assertThrows(BadInputException.class, () -> StaticQuantizer.quantize(bi, "bi.onnx",
                images.subList(0, 2), QuantSpec.of(8, false, false)));
        System.out.println("bidirectional: " + e.getMessage());
        assertTrue(e.getMessage().contains("'/lstm/LSTM'") && e.getMessage().contains("bidirectional")
                && e.getMessage().contains("--keep-recurrent") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void keepRecurrentLeavesTheLstmFloat() {
        StaticQuantizer.Result q = StaticQuantizer.quantize(lstm, "fashion_lstm.onnx", images.subList(0, 10),
                QuantSpec.of(8, false, false).withUnrollRecurrent(false));
        assertEquals(Map.of(), q.unrolled());
        assertEquals(List.of("/fc/Gemm"), q.names());
        assertEquals(1, QuantModels.ops(q.model()).get("LSTM"));
    }
}
