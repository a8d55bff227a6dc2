package io.cnv2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * ARCHITECTURE.md, rules of thumb: the core never touches DJL or ONNX types; only the DJL
 * engine's package ({@code io.cnv2.djl}) imports DJL.
 */
class ArchitectureRulesTest {
    private static final Path SOURCES = Path.of("src/main/java/io/cnv2");

    @Test
    void coreImportsNeitherDjlNorOnnx() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(SOURCES)) {
            files = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertTrue(files.size() > 50, "found the sources: " + files.size());
        List<String> offenders = files.stream()
                .filter(p -> !p.startsWith(SOURCES.resolve("djl")))
                .filter(p -> read(p).lines().anyMatch(l -> l.startsWith("import ai.djl") || l.startsWith("import ai.onnxruntime")
                        || l.startsWith("import onnx")))
                .map(Path::toString).toList();
        assertEquals(List.of(), offenders);
    }

    /**
     * The accelerator package shows its layers apart (ARCHITECTURE.md): {@code hw.brick} holds the
     * primitives every design shares (bricks, masks, encodings in NM, the output stage),
     * {@code hw.timing} how lanes are fed and what work costs under each timing profile, and
     * {@code hw.design} the designs (DaDN, CNV, CNV2, Bit-Tactical), which ask the other two.
     * Primitives know no timing or design; timing knows no design.
     */
    @Test
    void acceleratorPrimitivesAndTimingDoNotDependOnTheDesigns() throws IOException {
        List<String> offenders = new java.util.ArrayList<>();
        for (String[] rule : new String[][] {{"hw/brick", "io.cnv2.hw.design"}, {"hw/brick", "io.cnv2.hw.timing"},
                {"hw/timing", "io.cnv2.hw.design"}}) {
            try (Stream<Path> s = Files.walk(SOURCES.resolve(rule[0]))) {
                s.filter(p -> p.toString().endsWith(".java"))
                        .filter(p -> read(p).contains(rule[1] + "."))
                        .forEach(p -> offenders.add(p + " uses " + rule[1]));
            }
        }
        assertEquals(List.of(), offenders);
        try (Stream<Path> s = Files.list(SOURCES.resolve("hw"))) {
            assertTrue(s.filter(p -> p.toString().endsWith(".java")).count() <= 8,
                    "hw itself holds only the API (Accelerator, Accelerators, LayerRun, LayerStats, QLayer, ...)");
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
