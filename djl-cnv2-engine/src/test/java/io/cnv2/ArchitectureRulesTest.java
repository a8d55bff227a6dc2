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

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
