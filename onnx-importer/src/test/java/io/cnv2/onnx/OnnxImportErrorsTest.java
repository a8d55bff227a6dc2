package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.cnv2.BadInputException;
import io.cnv2.importer.ImportOptions;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad model files: each a one-line {@link BadInputException} naming the file and what was wrong. */
class OnnxImportErrorsTest {
    @TempDir
    Path tmp;

    static ValueInfoProto tensor(String name, Object... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof Integer i) {
                s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(i));
            } else {
                s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam((String) d));
            }
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(Tensors.FLOAT).setShape(s))).build();
    }

    static Path write(Path dir, String file, GraphProto g, int opset) throws Exception {
        ModelProto m = ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset)).build();
        Path p = dir.resolve(file);
        Files.write(p, m.toByteArray());
        return p;
    }

    private static String message(Path file, ImportOptions options) {
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(file, options));
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()) || e.getMessage().contains("--input-shape"),
                "names the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void fileThatIsNotOnnxIsNamed() throws Exception {
        Path f = tmp.resolve("notes.onnx");
        Files.writeString(f, "this is a text file, not a model\n");
        assertTrue(message(f, ImportOptions.DEFAULT).contains("not"));
    }

    @Test
    void truncatedOnnxFileIsNamed() throws Exception {
        Path whole = write(tmp, "whole.onnx", reluGraph(), 13);
        byte[] b = Files.readAllBytes(io.cnv2.models.ShippedModels.fashionMnistOnnx());
        Path cut = tmp.resolve("cut.onnx");
        Files.write(cut, Arrays.copyOf(b, b.length / 2));
        String m = message(cut, ImportOptions.DEFAULT);
        assertTrue(m.contains("truncated") || m.contains("not an ONNX"), m);
        ModelLoader.load(whole); // the uncut file loads
    }

    @Test
    void opsCnv2DoesNotModelRunOnTheHostInFloatByOnnxRuntime() throws Exception {
        GraphProto g = GraphProto.newBuilder().setName("g").addInput(tensor("x", 1, 4)).addOutput(tensor("y", 1, 4))
                .addNode(NodeProto.newBuilder().setName("my_erf").setOpType("Erf").addInput("x").addOutput("y"))
                .build();
        Path f = write(tmp, "erf.onnx", g, 13);
        Network net = ModelLoader.load(f);
        assertEquals(1, net.nodes().size());
        assertTrue(net.node("my_erf").op() instanceof io.cnv2.ir.HostGraph);
        assertEquals(io.cnv2.exec.Placement.HOST_FLOAT, io.cnv2.exec.Placement.of(net.node("my_erf")));
        Tensor x = new Tensor(Shape.of(1, 4), new float[] {-1f, 0f, 0.5f, 2f});
        Tensor y = new io.cnv2.exec.FloatExecutor(net).run(x);
        for (int i = 0; i < 4; i++) {
            assertEquals(erf(x.data()[i]), y.data()[i], 1e-6, "erf(" + x.data()[i] + ")");
        }
    }

    /** erf by its series (ONNX Runtime's is a float approximation; 1e-6 apart is the same function). */
    private static double erf(double x) {
        double sum = 0;
        double term = x;
        for (int n = 0; n < 60; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    @Test
    void symbolicInputDimensionsAskForInputShape() throws Exception {
        GraphProto g = reluGraph().toBuilder().setInput(0, tensor("x", "N", 3, "H", "W")).build();
        Path f = write(tmp, "sym.onnx", g, 13);
        String m = message(f, ImportOptions.DEFAULT);
        assertTrue(m.contains("--input-shape x=") && m.contains("'x'"), m);
        Network net = ModelLoader.load(f, new ImportOptions(Map.of("x", Shape.of(1, 3, 8, 8))));
        assertTrue(net.shape("y").equals(Shape.of(1, 3, 8, 8)));
        assertTrue(message(f, new ImportOptions(Map.of("z", Shape.of(1, 3, 8, 8)))).contains("no input named 'z'"));
        assertTrue(message(f, new ImportOptions(Map.of("x", Shape.of(1, 3, 8)))).contains("rank"));
    }

    @Test
    void convWithComputedWeightsRunsOnTheHostNotTheAccelerator() throws Exception {
        GraphProto g = GraphProto.newBuilder().setName("g").addInput(tensor("x", 1, 1, 4, 4))
                .addInput(tensor("w", 1, 1, 3, 3)).addOutput(tensor("y", 1, 1, 2, 2))
                .addNode(NodeProto.newBuilder().setName("c").setOpType("Conv").addInput("x").addInput("w")
                        .addOutput("y")).build();
        Network net = ModelLoader.load(write(tmp, "conv.onnx", g, 13));
        assertTrue(net.acceleratorLayers().isEmpty(), "weights not known at import cannot be the accelerator's");
        assertTrue(net.node("c").op() instanceof io.cnv2.ir.HostGraph h && h.macs() == 2 * 2 * 9, "MACs still counted");
        float[] ones = new float[16];
        java.util.Arrays.fill(ones, 1f);
        float[] w = new float[9];
        java.util.Arrays.fill(w, 0.5f);
        Tensor y = new io.cnv2.exec.FloatExecutor(net).run(Map.of("x", new Tensor(Shape.of(1, 1, 4, 4), ones),
                "w", new Tensor(Shape.of(1, 1, 3, 3), w))).get("y");
        assertArrayEquals(new float[] {4.5f, 4.5f, 4.5f, 4.5f}, y.data());
    }

    @Test
    void everyInputThatNeedsAShapeIsNamedInOneMessage() throws Exception {
        GraphProto g = GraphProto.newBuilder().setName("g").addInput(tensor("a", "N", "H")).addInput(tensor("b", 2, "T"))
                .addOutput(tensor("y", 1, 4))
                .addNode(NodeProto.newBuilder().setName("s").setOpType("Add").addInput("a").addInput("b").addOutput("y"))
                .build();
        String m = message(write(tmp, "two.onnx", g, 13), ImportOptions.DEFAULT);
        assertTrue(m.contains("'a'") && m.contains("'b'") && m.contains("--input-shape b=2,?") && m.contains("2 inputs"), m);
    }

    @Test
    void opsetOutsideTheSupportedRangeIsNamed() throws Exception {
        String m = message(write(tmp, "old.onnx", reluGraph(), 3), ImportOptions.DEFAULT);
        assertTrue(m.contains("opset 3"), m);
    }

    @Test
    void shapeMismatchInTheGraphNamesTheNode() throws Exception {
        TensorProto w = TensorProto.newBuilder().setName("w").setDataType(Tensors.FLOAT).addAllDims(
                java.util.List.of(2L, 5L, 3L, 3L)).addAllFloatData(java.util.Collections.nCopies(90, 0.5f)).build();
        GraphProto g = GraphProto.newBuilder().setName("g").addInput(tensor("x", 1, 3, 8, 8)).addInitializer(w)
                .addOutput(tensor("y", 1, 2, 6, 6)).addNode(NodeProto.newBuilder().setName("conv7").setOpType("Conv")
                        .addInput("x").addInput("w").addOutput("y")).build();
        String m = message(write(tmp, "mismatch.onnx", g, 13), ImportOptions.DEFAULT);
        assertTrue(m.contains("conv7"), m);
    }

    private static GraphProto reluGraph() {
        return GraphProto.newBuilder().setName("g").addInput(tensor("x", 1, 3, 8, 8)).addOutput(tensor("y", 1, 3, 8, 8))
                .addNode(NodeProto.newBuilder().setName("r").setOpType("Relu").addInput("x").addOutput("y")).build();
    }
}
