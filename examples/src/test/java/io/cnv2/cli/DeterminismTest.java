package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cnv2.config.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Determinism (issue 10): the same command gives the same outputs and statistics, every number
 * of every layer and every prediction, with 1, 2 and 4 worker threads and on a second run. Only
 * the echo of the thread count and wall times may differ.
 */
class DeterminismTest {
    @TempDir
    Path dir;

    private JsonNode run(int threads, String... args) throws Exception {
        Path json = dir.resolve("out-" + threads + "-" + System.nanoTime() + ".json");
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--threads", String.valueOf(threads), "--json", json.toString()));
        CliTest.Outcome o = CliTest.cli(all.toArray(String[]::new));
        assertEquals(0, o.code(), o.err());
        return withoutRunEcho(Json.MAPPER.readTree(json.toFile()));
    }

    /** Drops what is meant to differ: the thread count the run echoes and wall-clock seconds. */
    private static JsonNode withoutRunEcho(JsonNode n) {
        if (n.isObject()) {
            ObjectNode o = (ObjectNode) n;
            o.remove("threads");
            o.remove("seconds");
            o.fields().forEachRemaining(e -> withoutRunEcho(e.getValue()));
        } else if (n.isArray()) {
            n.forEach(DeterminismTest::withoutRunEcho);
        }
        return n;
    }

    private void sameForEveryThreadCount(String... args) throws Exception {
        JsonNode one = run(1, args);
        assertEquals(one, run(2, args), "2 threads vs 1: " + String.join(" ", args));
        assertEquals(one, run(4, args), "4 threads vs 1: " + String.join(" ", args));
        assertEquals(one, run(2, args), "a second run: " + String.join(" ", args));
    }

    @Test
    void theShippedModelGivesIdenticalResultsForOneTwoAndFourThreads() throws Exception {
        sameForEveryThreadCount("run", "--arch", "cnv2", "--prune", "0.5", "--limit", "120");
        sameForEveryThreadCount("run", "--arch", "cnv", "--threshold", "0.1", "--impl", "reference", "--limit", "6");
        sameForEveryThreadCount("accuracy", "--arch", "cnv", "--threshold", "0.2", "--limit", "150", "--no-progress");
        sameForEveryThreadCount("characterize", "--limit", "60", "--no-progress");
    }

    @Test
    void thePaddleOcrClassifierGivesIdenticalResultsForOneTwoAndFourThreads() throws Exception {
        Path model = Path.of(System.getProperty("user.dir")).getParent()
                .resolve("models/paddleocr/.cache/ch_ppocr_mobile_v2.0_cls_infer.onnx");
        if (System.getenv("CNV2_REQUIRE_MODELS") == null) {
            assumeTrue(Files.exists(model), "run models/paddleocr/fetch.sh first");
        }
        sameForEveryThreadCount("run", "--model", model.toString(), "--input-shape", "x=1,3,48,192", "--arch", "cnv",
                "--limit", "6", "--dataset", textLines().toString());
    }

    /** A few upright and upside-down text lines, drawn by the same generator as the results. */
    private Path textLines() throws Exception {
        Path folder = dir.resolve("lines");
        Path source = Path.of(System.getProperty("user.dir")).getParent().resolve("models/paddleocr/TextLines.java");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                source.toString(), folder.toString(), "3").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor(), "TextLines.java");
        Files.writeString(folder.resolve("preprocess.json"), "{\"mean\": [0.5], \"std\": [0.5]}");
        return folder;
    }
}
