package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.fasterxml.jackson.databind.JsonNode;
import io.cnv2.config.Json;
import io.cnv2.models.ShippedModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cnv2 quantize} from the command line: the file, the table, the JSON, and its user errors. */
class QuantizeCommandTest {
    @TempDir
    Path dir;

    record Outcome(int code, String out, String err) {
    }

    static Outcome cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Outcome(code, out.toString(), err.toString());
    }

    @Test
    void quantizeWritesTheQdqFileAndPrintsFloatBesideQuantisedTop1() throws Exception {
        Path q = dir.resolve("q.onnx");
        Path json = dir.resolve("q.json");
        Outcome o = cli("quantize", "--limit", "200", "--per-channel", "--out", q.toString(), "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        System.out.print(o.out());
        assertTrue(o.out().contains("float") && o.out().contains("quantised, 8-bit weights per channel"), o.out());
        assertTrue(o.out().contains("5 layer(s) quantised (Conv 3, Gemm 2)"), o.out());
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(q));
        assertTrue(m.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("QuantizeLinear")));
        JsonNode r = Json.MAPPER.readTree(json.toFile());
        assertEquals(5, r.get("layers").size());
        assertEquals(200, r.get("images").asInt());
        assertEquals(100, r.get("calibrationSamples").asInt());
        assertTrue(Math.abs(r.get("floatModel").get("top1").asDouble() - r.get("quantised").get("top1").asDouble()) <= 0.02);
    }

    @Test
    void badOptionsExitTwoWithOneLineAndWriteNothing() throws Exception {
        Path q = dir.resolve("q.onnx");
        Path json = dir.resolve("q.json");
        assertUserError(q, json, "--bits", cli("quantize", "--bits", "3", "--out", q.toString(), "--json", json.toString()));
        assertUserError(q, json, "--calibration-samples", cli("quantize", "--calibration-samples", "0", "--out",
                q.toString(), "--json", json.toString()));
        assertUserError(q, json, "not a valid ONNX model", cli("quantize", "--model",
                ShippedModels.fashionMnistDir().resolve("fashion_cnn.pt").toString(), "--limit", "5", "--out",
                q.toString(), "--json", json.toString()));
        assertUserError(q, json, "--arch", cli("quantize", "--arch", "cnv", "--out", q.toString()));
        Path relu = dir.resolve("relu.onnx");
        Files.write(relu, reluOnly().toByteArray());
        assertUserError(q, json, "no quantisable layer", cli("quantize", "--model", relu.toString(), "--limit", "5",
                "--out", q.toString(), "--json", json.toString()));
        assertUserError(q, json, "--out", cli("quantize", "--out", dir.resolve("no/such/folder/q.onnx").toString()));
    }

    private static void assertUserError(Path q, Path json, String mention, Outcome o) {
        assertEquals(2, o.code(), o.err());
        assertEquals(1, o.err().lines().filter(l -> l.startsWith("cnv2: error: ")).count(), o.err());
        assertTrue(o.err().lines().findFirst().orElse("").contains(mention), o.err());
        assertFalse(o.err().contains("\tat "), o.err());
        assertFalse(Files.exists(q) || Files.exists(json), "nothing written");
    }

    /** A model of the shipped CNN's input and a single Relu: nothing to quantise. */
    static ModelProto reluOnly() {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : new long[] {1, 1, 28, 28}) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        TypeProto t = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))
                .build();
        GraphProto g = GraphProto.newBuilder().setName("relu")
                .addNode(NodeProto.newBuilder().setOpType("Relu").setName("relu").addInput("image").addOutput("y"))
                .addInput(ValueInfoProto.newBuilder().setName("image").setType(t))
                .addOutput(ValueInfoProto.newBuilder().setName("y").setType(t)).build();
        return ModelProto.newBuilder().setIrVersion(7)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g).build();
    }
}
