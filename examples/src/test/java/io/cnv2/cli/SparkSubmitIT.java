package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cnv2.config.Json;
import io.cnv2.spark.Jvms;
import io.cnv2.spark.LoopbackSpark;
import io.cnv2.spark.SparkContexts;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documented cluster route (docs/SPARK.md, "Running on a cluster"): {@code spark-submit} of the
 * shaded {@code target/cnv2-spark-app.jar} to a standalone cluster whose Spark knows nothing of
 * cnv2 (its classpath is Spark and what Spark brings: {@code target/spark-classpath.txt}). The
 * submit command is built the way Spark's {@code bin/spark-submit} builds it (through
 * {@code bin/spark-class}: {@code org.apache.spark.launcher.Main} prints the java command of
 * {@code SparkSubmit}), then run. An integration test: it needs the packaged jars ({@code mvn verify}).
 */
class SparkSubmitIT {
    @TempDir
    Path dir;

    @Test
    void sparkSubmitOfTheShadedJarToAStandaloneClusterGivesThisMachinesAccuracy() throws Exception {
        Path target = Path.of(System.getProperty("cnv2.repo.root"), "examples", "target");
        Path app = target.resolve("cnv2-spark-app.jar");
        String sparkJars = Files.readString(target.resolve("spark-classpath.txt")).strip();
        assertTrue(Files.isRegularFile(app), app + " (run mvn verify: the package phase builds it)");
        for (String jar : sparkJars.split(File.pathSeparator)) {
            try (JarFile j = new JarFile(jar)) {
                assertNull(j.getEntry("io/cnv2/cli/Main.class"), "the cluster's Spark has no cnv2: " + jar);
            }
        }

        String[] accuracy = {"accuracy", "--arch", "cnv", "--threshold", "0.3", "--limit", "60", "--no-progress"};
        Path here = dir.resolve("here.json");
        Path there = dir.resolve("there.json");
        CliTest.Outcome o = CliTest.cli(CliTest.concat(accuracy, "--json", here.toString()));
        assertEquals(0, o.code(), o.err());

        try (LoopbackSpark cluster = new LoopbackSpark(dir.resolve("cluster"), sparkJars, sparkJars, 2)) {
            String cnv2 = SparkContexts.CNV2_OPTIONS;
            List<String> submit = new ArrayList<>(List.of("--master", cluster.master, "--class", "io.cnv2.cli.Main",
                    "--driver-java-options", cnv2, "--conf", "spark.executor.extraJavaOptions=" + cnv2,
                    "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
                    "--executor-memory", "1g", "--total-executor-cores", "2", app.toString()));
            submit.addAll(Arrays.asList(CliTest.concat(accuracy, "--json", there.toString(), "--spark",
                    "--spark-part-images", "8")));
            Path log = dir.resolve("spark-submit.log");
            ProcessBuilder driver = new ProcessBuilder(sparkSubmit(cluster, submit)).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            driver.environment().putAll(cluster.env);
            Process p = driver.start();
            try {
                assertTrue(p.waitFor(300, TimeUnit.SECONDS), "spark-submit did not finish:\n" + Jvms.tail(log));
            } finally {
                Jvms.kill(p);
            }
            assertEquals(0, p.exitValue(), Jvms.tail(log));
            assertTrue(Files.readString(log).contains("on Spark"), Jvms.tail(log));
            // both workers started an executor for the application and it fetched the shaded jar
            for (int w = 1; w <= 2; w++) {
                try (Stream<Path> files = Files.walk(cluster.workDir(w))) {
                    assertTrue(files.anyMatch(f -> f.getFileName().toString().equals("cnv2-spark-app.jar")),
                            "worker " + w + " ran an executor with the application jar\n" + cluster.workerLog());
                }
            }
        }
        JsonNode a = Json.MAPPER.readTree(here.toFile());
        JsonNode b = Json.MAPPER.readTree(there.toFile());
        ((ObjectNode) a).remove("seconds");
        ((ObjectNode) b).remove("seconds");
        assertEquals(a.toPrettyString(), b.toPrettyString(), "every number, every per-layer statistic");
    }

    /**
     * The command {@code bin/spark-submit ARGS} runs: Spark's launcher prints it (after a line
     * holding only NUL, the arguments each ended by NUL), as {@code bin/spark-class} reads it.
     */
    private static List<String> sparkSubmit(LoopbackSpark cluster, List<String> args) throws IOException,
            InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Jvms.java(), "-Xmx128m", "-cp",
                cluster.env.get("SPARK_HOME") + "/jars/*", "org.apache.spark.launcher.Main",
                "org.apache.spark.deploy.SparkSubmit"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(cluster.env);
        Process launcher = pb.start();
        String out = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, launcher.waitFor(), "Spark's launcher: " + out);
        int start = out.indexOf("\0\n");
        assertTrue(start >= 0, "Spark's launcher printed no command: " + out);
        List<String> command = new ArrayList<>(Arrays.asList(out.substring(start + 2).split("\0")));
        command.removeIf(String::isEmpty);
        return command;
    }
}
