package io.cnv2.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.Simd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Without the Vector API module (no {@code --add-modules jdk.incubator.vector}) cnv2 runs its
 * scalar kernels and gives the same bits and statistics ({@link Simd}): held here in this JVM by
 * forcing the scalar path, and in a JVM started without the module.
 */
class ScalarPathTest {
    private static final int LAYERS = 240;

    /** Every layer's description under the current path. */
    static List<String> run(int layers) {
        Random r = new Random(1705);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            out.add(ScalarProbe.describe(i, r));
        }
        return out;
    }

    @Test
    void theScalarKernelsGiveTheVectorKernelsBitsOnRandomLayers() {
        assertTrue(Simd.present(), "tests run with the module (surefire argLine)");
        List<String> vector = run(LAYERS);
        Simd.forceScalar(true);
        try {
            assertTrue(!Simd.enabled());
            assertEquals(vector, run(LAYERS));
        } finally {
            Simd.forceScalar(false);
        }
    }

    @Test
    void aJvmWithoutTheVectorModuleRunsTheScalarPathWithTheSameBits() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                ScalarProbe.class.getName(), "60").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), text);
        List<String> lines = text.lines().toList();
        assertEquals("vector false", lines.get(0), "the probe JVM has no Vector API: " + text);
        assertEquals(run(60), lines.subList(1, lines.size()));
    }
}
