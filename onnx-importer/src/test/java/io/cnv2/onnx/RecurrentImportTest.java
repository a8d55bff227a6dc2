package io.cnv2.onnx;

import static io.cnv2.onnx.OnnxImportErrorsTest.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.cnv2.BadInputException;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Dense;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX LSTM and GRU unrolled by {@link Recurrent}: random cells against ONNX Runtime on every output
 * (Y, Y_h, Y_c), with given initial states, both directions the importer supports and GRU's two
 * reset orders; unsupported attributes refused naming the node.
 */
class RecurrentImportTest {
    private static final int T = 5;
    private static final int I = 6;
    private static final int H = 7;

    @TempDir
    Path tmp;

    private final Random random = new Random(8);

    private TensorProto init(String name, boolean zeros, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(Tensors.FLOAT);
        long n = 1;
        for (long d : dims) {
            t.addDims(d);
            n *= d;
        }
        for (long i = 0; i < n; i++) {
            t.addFloatData(zeros ? 0f : random.nextFloat() - 0.5f);
        }
        return t.build();
    }

    private static AttributeProto attr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto attr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    /**
     * x [1, T, I] (batch first, as PyTorch feeds it) transposed to [T, 1, I], one cell, and its outputs
     * transposed back to batch first: Y [1, T, 1, H], Y_h and Y_c [1, 1, H].
     */
    private Path model(String op, boolean initialState, List<AttributeProto> attrs, String file) throws Exception {
        int gates = op.equals("LSTM") ? 4 : 3;
        NodeProto.Builder cell = NodeProto.newBuilder().setOpType(op).setName("cell").addInput("xt")
                .addInput("W").addInput("R").addInput("B").addInput("").addInput(initialState ? "h0" : "")
                .addOutput("Y").addOutput("Y_h").addAllAttribute(attrs).addAttribute(attr("hidden_size", H));
        GraphProto.Builder g = GraphProto.newBuilder().setName(file).addInput(tensor("x", 1, T, I))
                .addNode(NodeProto.newBuilder().setOpType("Transpose").setName("to_time_major").addInput("x")
                        .addOutput("xt").addAttribute(ints("perm", 1, 0, 2)))
                .addInitializer(init("W", false, 1, gates * H, I)).addInitializer(init("R", false, 1, gates * H, H))
                .addInitializer(init("B", false, 1, 2 * gates * H))
                .addNode(NodeProto.newBuilder().setOpType("Transpose").setName("Y_batch_first").addInput("Y")
                        .addOutput("y").addAttribute(ints("perm", 2, 0, 1, 3)))
                .addNode(NodeProto.newBuilder().setOpType("Transpose").setName("Y_h_batch_first").addInput("Y_h")
                        .addOutput("y_h").addAttribute(ints("perm", 1, 0, 2)))
                .addOutput(tensor("y", 1, T, 1, H)).addOutput(tensor("y_h", 1, 1, H));
        if (initialState) {
            g.addInitializer(init("h0", false, 1, 1, H));
        }
        if (op.equals("LSTM")) {
            cell.addInput(initialState ? "c0" : "").addOutput("Y_c");
            if (initialState) {
                g.addInitializer(init("c0", false, 1, 1, H));
            }
            g.addNode(NodeProto.newBuilder().setOpType("Transpose").setName("Y_c_batch_first").addInput("Y_c")
                    .addOutput("y_c").addAttribute(ints("perm", 1, 0, 2))).addOutput(tensor("y_c", 1, 1, H));
        }
        g.addNode(1, cell);
        return OnnxImportErrorsTest.write(tmp, file + ".onnx", g.build(), 14);
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    private void agreesWithOnnxRuntime(Path model, int gateLayers) throws Exception {
        Network net = ModelLoader.load(model);
        assertEquals(gateLayers, net.acceleratorLayers().size(), "gate layers on the accelerator");
        assertTrue(net.acceleratorLayers().stream().allMatch(n -> n.op() instanceof Dense));
        List<Map<String, Tensor>> inputs = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            float[] x = new float[T * I];
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextInt(3) == 0 ? 0 : random.nextFloat() * 4 - 2; // sparse, as image rows are
            }
            inputs.add(Map.of("x", new Tensor(Shape.of(1, T, I), x)));
        }
        OrtAgreementTest.compareEveryTensor(model, net, inputs);
    }

    @Test
    void lstmWithInitialStateMatchesOnnxRuntimeOnYYhAndYc() throws Exception {
        // h_0 given: R h_0 folds into step 0's bias, so T input layers and T - 1 recurrent ones
        agreesWithOnnxRuntime(model("LSTM", true, List.of(), "lstm_h0"), 2 * T - 1);
    }

    @Test
    void reverseLstmWithZeroStateMatchesOnnxRuntime() throws Exception {
        agreesWithOnnxRuntime(model("LSTM", false, List.of(attr("direction", "reverse")), "lstm_reverse"), 2 * T - 1);
    }

    @Test
    void gruMatchesOnnxRuntimeWithBothResetOrders() throws Exception {
        // linear_before_reset=1 (PyTorch's GRU): W x and R h + B_r per step
        agreesWithOnnxRuntime(model("GRU", true, List.of(attr("linear_before_reset", 1)), "gru_lbr"), 2 * T - 1);
        // linear_before_reset=0 (ONNX's default): R_h multiplies r * h, a third layer per step (also at step 0)
        agreesWithOnnxRuntime(model("GRU", true, List.of(), "gru"), 3 * T - 1);
        agreesWithOnnxRuntime(model("GRU", false, List.of(attr("direction", "reverse")), "gru_reverse"), 3 * T - 1);
    }

    @Test
    void stackedCellsLstmYIntoAGruMatchOnnxRuntime() throws Exception {
        // the importer fuzz seed: an LSTM (initial h) whose Y, its direction axis squeezed, feeds a
        // GRU (batch on axis 1, tracked through the Squeeze); the output adds both cells' last states
        Path model = tmp.resolve("recurrent.onnx");
        try (var in = getClass().getResourceAsStream("OnnxModelFuzzTestInputs/onnxModel/recurrent.onnx")) {
            java.nio.file.Files.write(model, in.readAllBytes());
        }
        Network net = ModelLoader.load(model);
        List<Map<String, Tensor>> inputs = List.of(Map.of("x", new Tensor(Shape.of(1, 3, 2),
                new float[] {0.5f, 0f, -1f, 2f, 0f, 0.25f})));
        OrtAgreementTest.compareEveryTensor(model, net, inputs);
        assertEquals(3 + 2 + 3 + 2, net.acceleratorLayers().size(), "each cell: 3 W x_t, 2 R h_(t-1) (h_0 folded)");
    }

    private String refused(Path model) {
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(model));
        assertTrue(e.getMessage().contains("node 'cell' (") && e.getMessage().contains(model.toString()),
                "names the file and the node: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void recurrentCellsCnv2DoesNotUnrollRunOnTheHostAndAgreeWithOnnxRuntime() throws Exception {
        // clip, other activations, coupled gates: ONNX Runtime runs the cell in float on the host
        for (Path m : List.of(
                model("LSTM", false, List.of(AttributeProto.newBuilder().setName("clip")
                        .setType(AttributeProto.AttributeType.FLOAT).setF(0.3f).build()), "clip"),
                model("GRU", false, List.of(AttributeProto.newBuilder().setName("activations")
                        .setType(AttributeProto.AttributeType.STRINGS).addStrings(ByteString.copyFromUtf8("Relu"))
                        .addStrings(ByteString.copyFromUtf8("Tanh")).build()), "acts"),
                model("LSTM", false, List.of(attr("input_forget", 1)), "coupled"))) {
            Network net = ModelLoader.load(m);
            assertTrue(net.nodes().stream().anyMatch(n -> n.op() instanceof io.cnv2.ir.HostGraph h
                    && h.opTypes().contains(m.toString().contains("acts") ? "GRU" : "LSTM")), m + " on the host");
            List<Map<String, Tensor>> inputs = new ArrayList<>();
            float[] x = new float[T * I];
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextFloat() * 4 - 2;
            }
            inputs.add(Map.of("x", new Tensor(Shape.of(1, T, I), x)));
            OrtAgreementTest.compareEveryTensor(m, net, inputs);
        }
        // a cell ONNX Runtime itself refuses (a bidirectional cell with one direction's weights):
        // refused at import, naming the file and the node
        Path bi = model("LSTM", false, List.of(attr("direction", "bidirectional")), "bi");
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(bi));
        assertTrue(e.getMessage().contains("'cell'") && e.getMessage().contains(bi.toString()), e.getMessage());
    }
}
