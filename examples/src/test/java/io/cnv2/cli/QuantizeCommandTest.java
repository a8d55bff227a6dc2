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
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cnv2 quantize} from the command line: the file, the table, the JSON, and its user errors. */
class QuantizeCommandTest {
    @TempDir
    Path dir;

    private static CliTest.Outcome cli(String... args) {
        return CliTest.cli(args);
    }

    @Test
    void quantizeWritesTheQdqFileAndPrintsFloatBesideQuantisedTop1() throws Exception {
        Path q = dir.resolve("q.onnx");
        Path json = dir.resolve("q.json");
        CliTest.Outcome o = cli("quantize", "--limit", "200", "--per-channel", "--out", q.toString(), "--json", json.toString());
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

    /**
     * The researcher's path on a quantised file: check finds it equal to ONNX Runtime on every output,
     * run shows its integer layers, trace --integers writes the model's integers, characterize counts
     * on the model's widths (issue 22).
     */
    @Test
    void aQuantisedFileRunsItsIntegersThroughCheckRunTraceAndCharacterize() throws Exception {
        Path q = dir.resolve("q.onnx");
        assertEquals(0, cli("quantize", "--limit", "50", "--out", q.toString()).code());
        Path check = dir.resolve("check.json");
        CliTest.Outcome c = cli("check", "--model", q.toString(), "--dataset", "fashion-mnist", "--limit", "4", "--json",
                check.toString());
        assertEquals(0, c.code(), c.err());
        JsonNode cr = Json.MAPPER.readTree(check.toFile());
        for (JsonNode o : cr.get("outputs")) {
            assertEquals(0.0, o.get("fixedPointRelativeError").asDouble(), o.toString());
        }
        Path run = dir.resolve("run.json");
        CliTest.Outcome r = cli("run", "--model", q.toString(), "--dataset", "fashion-mnist", "--limit", "20", "--arch", "cnv",
                "--json", run.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("uint8 x int8 -> uint8") && r.out().contains("the model's integers"), r.out());
        JsonNode rr = Json.MAPPER.readTree(run.toFile());
        int integerLayers = 0;
        for (JsonNode l : rr.get("layers")) {
            if (!l.get("integers").isNull()) {
                integerLayers++;
                assertTrue(l.get("inputFrac").isNull(), "an integer layer has no fraction length");
            }
        }
        assertEquals(5, integerLayers);
        Path trace = dir.resolve("trace");
        assertEquals(0, cli("trace", "--model", q.toString(), "--dataset", "fashion-mnist", "--limit", "4", "--integers",
                "--out", trace.toString()).code());
        JsonNode index = Json.MAPPER.readTree(trace.resolve("index.json").toFile());
        JsonNode first = index.get("layers").get(0);
        assertEquals("uint8 x int8 -> uint8", first.get("integers").asText());
        assertTrue(first.get("inputScale").asDouble() > 0);
        io.cnv2.trace.Npy.Array a = io.cnv2.trace.Npy.read(trace.resolve(first.get("activationFiles").get(0).asText()));
        for (float v : a.data()) {
            assertTrue(v >= 0 && v <= 255 && v == Math.rint(v), "the model's uint8 integers: " + v);
        }
        Path ch = dir.resolve("char.json");
        CliTest.Outcome k = cli("characterize", "--model", q.toString(), "--dataset", "fashion-mnist", "--limit", "4", "--json",
                ch.toString());
        assertEquals(0, k.code(), k.err());
        JsonNode kr = Json.MAPPER.readTree(ch.toFile());
        JsonNode l0 = kr.get("layers").get(0);
        assertEquals(l0.get("macsPerImage").asLong() * 64 * 4, l0.get("work").get("dense").asLong(),
                "dense = 8b x 8b per MAC over 4 images: " + l0);
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

    private static void assertUserError(Path q, Path json, String mention, CliTest.Outcome o) {
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
