package io.cnv2.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep whose driver is killed (SIGKILL, mid-job) resumes from its parts checkpoint: the parts
 * finished before the kill are not computed again and the result is the uninterrupted one.
 */
class DriverKillTest {
    @Test
    void aSweepWhoseDriverIsKilledResumesToTheUninterruptedResult(@TempDir Path dir) throws Exception {
        Path parts = dir.resolve("parts");
        Path killedOut = dir.resolve("killed.json");
        Process driver = Jvms.start(SweepDriver.class.getName(), List.of(parts.toString(), killedOut.toString()),
                Map.of(), dir.resolve("driver.log"), "-Xmx1g");
        int total = Equivalence.GRID.length * SweepDriver.IMAGES / SweepDriver.PART_IMAGES;
        long deadline = System.currentTimeMillis() + 120_000;
        try {
            while (count(parts) < 4) {
                assertTrue(driver.isAlive(), "the driver ended early:\n" + Jvms.tail(dir.resolve("driver.log")));
                assertTrue(System.currentTimeMillis() < deadline, "no parts:\n" + Jvms.tail(dir.resolve("driver.log")));
                Thread.sleep(50);
            }
        } finally {
            Jvms.kill(driver);
        }
        long finished = count(parts);
        assertTrue(finished < total, "killed before the end (" + finished + " of " + total + " parts)");
        assertTrue(Files.notExists(killedOut));

        Path resumedOut = dir.resolve("resumed.json");
        Process resumed = Jvms.start(SweepDriver.class.getName(), List.of(parts.toString(), resumedOut.toString()),
                Map.of(), dir.resolve("resumed.log"), "-Xmx1g");
        assertEquals(0, resumed.waitFor(), Jvms.tail(dir.resolve("resumed.log")));
        String log = Files.readString(dir.resolve("resumed.log"));
        assertTrue(log.contains("parts computed " + (total - finished) + " reused " + finished), Jvms.tail(
                dir.resolve("resumed.log")));
        assertEquals(Fashion.json(Equivalence.grid(new Fashion(SweepDriver.IMAGES, 0.3), null)),
                Files.readString(resumedOut), "the resumed sweep gives the uninterrupted result");
    }

    private static long count(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".part")).count();
        }
    }
}
