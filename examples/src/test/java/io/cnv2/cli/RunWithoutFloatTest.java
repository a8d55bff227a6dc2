package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cnv2.config.Json;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cnv2 run --no-float} (issue 23): the emulation alone gives the same hardware figures and
 * emulated classes as a run with the float column, and says the float figures are unknown.
 */
class RunWithoutFloatTest {
    @TempDir
    Path dir;

    private static String cli(String... args) {
        CliTest.Outcome o = CliTest.cli(args);
        assertEquals(0, o.code(), o.err());
        return o.out();
    }

    @Test
    void withoutTheFloatColumnTheHardwareFiguresAndEmulatedClassesAreUnchanged() throws Exception {
        Path with = dir.resolve("with.json");
        Path without = dir.resolve("without.json");
        cli("run", "--limit", "30", "--json", with.toString());
        String out = cli("run", "--limit", "30", "--no-float", "--json", without.toString());
        assertTrue(out.contains("no float column: --no-float"), out);
        JsonNode a = Json.MAPPER.readTree(with.toFile());
        JsonNode b = Json.MAPPER.readTree(without.toFile());
        assertEquals(a.get("totals"), b.get("totals"), "cycles, memory, energy");
        assertEquals(a.get("layers"), b.get("layers"), "every layer's figures");
        assertEquals(a.get("accuracy").get("fixedTop1"), b.get("accuracy").get("fixedTop1"));
        assertEquals("NaN", b.get("accuracy").get("floatTop1").asText());
        for (int i = 0; i < 30; i++) {
            assertEquals(a.get("predictions").get(i).get("fixedClass"), b.get("predictions").get(i).get("fixedClass"));
            assertEquals(-1, b.get("predictions").get(i).get("floatClass").asInt());
        }
    }
}
