package io.cnv2.spark;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Child JVMs of the tests (Spark's master and workers, a driver to kill). Public for the examples' ITs. */
public final class Jvms {
    private Jvms() {
    }

    /** The test classpath (surefire runs tests from a manifest-only jar and names the real one here). */
    static String classpath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** Starts {@code main} on the test classpath with {@code args}; its output goes to {@code log}. */
    static Process start(String main, List<String> args, Map<String, String> env, Path log, String... jvmOptions)
            throws IOException {
        return start(classpath(), main, args, env, log, jvmOptions);
    }

    /** Starts {@code main} on {@code classpath} with {@code args}; its output goes to {@code log}. */
    public static Process start(String classpath, String main, List<String> args, Map<String, String> env, Path log,
            String... jvmOptions) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-cp", classpath));
        cmd.addAll(Arrays.asList(SparkContexts.CNV2_OPTIONS.split(" ")));
        cmd.addAll(Arrays.asList(jvmOptions));
        cmd.add(main);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    /** This JVM's java command. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Kills {@code p} and every process it started (by their ids: only what the test started). */
    public static void kill(Process p) {
        if (p == null) {
            return;
        }
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A SPARK_HOME whose jars/ links the jars of {@code classpath} (a Worker builds executor classpaths from it). */
    public static Path sparkHome(Path dir, String classpath) throws IOException {
        Path jars = Files.createDirectories(dir.resolve("jars"));
        for (String entry : classpath.split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(p) && !Files.exists(jars.resolve(p.getFileName()))) {
                Files.createSymbolicLink(jars.resolve(p.getFileName()), p.toAbsolutePath());
            }
        }
        return dir;
    }

    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
