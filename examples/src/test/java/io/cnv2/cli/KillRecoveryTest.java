package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cnv2.config.Json;
import io.cnv2.trace.Npy;
import io.cnv2.trace.TraceIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing lost (issue 10): the command line is killed (SIGKILL) at random points while it
 * traces, measures accuracy and sweeps, again and again into the same output locations; after
 * every kill each output is absent, a previous complete version, or complete, never partial; and
 * the sweep, resumed after the kills, gives the uninterrupted sweep's result.
 */
class KillRecoveryTest {
    @TempDir
    Path dir;

    private Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "io.cnv2.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("DJL_OFFLINE", "true");
        return pb.start();
    }

    /** Starts the command and kills it after {@code ms}; false when it finished first. */
    private boolean runAndKill(long ms, String... args) throws Exception {
        Process p = start(args);
        if (!p.waitFor(ms, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            return true;
        }
        return false;
    }

    @Test
    void killedAtRandomPointsEveryOutputIsAbsentPreviousOrComplete() throws Exception {
        Random r = new Random(10);
        Path out = Files.createDirectories(dir.resolve("out"));
        String[] trace = {"trace", "--limit", "48", "--batch-size", "8", "--out", out.resolve("trace").toString()};
        String[] accuracy = {"accuracy", "--arch", "cnv", "--threshold", "0.1", "--limit", "300", "--no-progress",
            "--json", out.resolve("acc.json").toString(), "--report", out.resolve("acc.html").toString()};
        String[] sweep = {"sweep", "--arch", "cnv", "--limit", "120", "--validation", "60", "--grid", "0,0.2,0.5",
            "--no-progress", "--checkpoint", out.resolve("ck.jsonl").toString(), "--json",
            out.resolve("sweep.json").toString(), "--out", out.resolve("th.json").toString()};
        int kills = 0;
        int midSweep = 0;
        for (int round = 0; round < 4; round++) {
            for (String[] args : List.of(trace, accuracy, sweep)) {
                kills += runAndKill(600 + r.nextInt(4500), args) ? 1 : 0;
                checkOutputs(out);
                if (args == sweep && Files.exists(out.resolve("ck.jsonl")) && !Files.exists(out.resolve("sweep.json"))
                        && Files.readAllLines(out.resolve("ck.jsonl")).size() > 1) {
                    midSweep++; // killed with points finished and the result not yet written
                }
            }
        }
        assertTrue(kills >= 6, "most runs were killed while working, not after: " + kills + " of 12");
        assertTrue(midSweep >= 1, "at least one kill hit the sweep between points");
        // let the sweep finish from its checkpoint and compare with an uninterrupted one
        CliTest.Outcome o = CliTest.cli(sweep);
        assertEquals(0, o.code(), o.err());
        checkOutputs(out);
        String[] fresh = sweep.clone();
        fresh[fresh.length - 5] = dir.resolve("fresh.jsonl").toString();
        fresh[fresh.length - 3] = dir.resolve("fresh.json").toString();
        fresh[fresh.length - 1] = dir.resolve("fresh-th.json").toString();
        o = CliTest.cli(fresh);
        assertEquals(0, o.code(), o.err());
        JsonNode resumed = Json.MAPPER.readTree(out.resolve("sweep.json").toFile());
        JsonNode whole = Json.MAPPER.readTree(dir.resolve("fresh.json").toFile());
        for (String k : new String[] {"chosen", "validation", "test", "testBaseline", "baselineTop1"}) {
            assertEquals(whole.get(k), resumed.get(k), k);
        }
    }

    /** Every output present is complete; the checkpoint holds whole lines but possibly a cut last one. */
    private static void checkOutputs(Path out) throws IOException {
        Path acc = out.resolve("acc.json");
        if (Files.exists(acc)) {
            assertEquals(300, Json.MAPPER.readTree(acc.toFile()).get("images").asInt(), "accuracy JSON complete");
        }
        Path html = out.resolve("acc.html");
        if (Files.exists(html)) {
            assertTrue(Files.readString(html).trim().endsWith("</html>"), "report complete");
        }
        Path trace = out.resolve("trace");
        if (Files.exists(trace.resolve("index.json"))) {
            TraceIndex index = TraceIndex.read(trace.resolve("index.json"));
            assertEquals(48, index.images());
            for (TraceIndex.Layer l : index.layers()) {
                Npy.read(trace.resolve(l.weightFile()));
                int images = 0;
                for (String f : l.activationFiles()) {
                    images += Npy.read(trace.resolve(f)).shape()[0];
                }
                assertEquals(48, images, "every batch of " + l.name() + " is there");
            }
        }
        if (Files.isDirectory(trace)) {
            try (Stream<Path> files = Files.list(trace)) {
                for (Path f : files.filter(f -> f.toString().endsWith(".npy")).toList()) {
                    Npy.read(f); // each file is written whole or not at all
                }
            }
        }
        for (String name : new String[] {"sweep.json", "th.json"}) {
            Path p = out.resolve(name);
            if (Files.exists(p)) {
                Json.MAPPER.readTree(p.toFile()); // parses: complete
            }
        }
        Path ck = out.resolve("ck.jsonl");
        if (Files.exists(ck)) {
            List<String> lines = Files.readAllLines(ck);
            for (int i = 0; i < lines.size() - 1; i++) {
                Json.MAPPER.readTree(lines.get(i)); // every line but a cut last one is whole
            }
        }
    }
}
