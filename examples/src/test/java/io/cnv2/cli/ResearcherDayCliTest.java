package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The everyday path of issue 21, one behaviour per test: CNV2 by default with DaDianNao beside it,
 * progress counted in images, outputs checked before any work, stale trace files removed, images of
 * another size named, {@code --limit 0} and options a command does not use refused, defaults that
 * fit each other.
 */
class ResearcherDayCliTest {
    @TempDir
    Path dir;

    private static void assertUserError(CliTest.Outcome o, String... mention) {
        assertEquals(2, o.code(), o.err());
        for (String m : mention) {
            assertTrue(o.err().contains(m), "stderr should name " + m + ": " + o.err());
        }
        assertFalse(o.err().contains("\tat "), "no stack trace: " + o.err());
        assertEquals(1, o.err().strip().lines().filter(l -> !l.startsWith("Try ")).count(), "one line: " + o.err());
    }

    @Test
    void runAccuracyAndSweepRunCnvlutin2ByDefaultWithTheDadianNaoBaselineBeside() throws Exception {
        CliTest.Outcome run = CliTest.cli("run", "--limit", "5", "--no-progress");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("arch cnv2"), run.out());
        assertTrue(run.out().contains("cnv2 cycles/img") && run.out().contains("dadn cycles/img"), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("dadn: ") && l.contains("cnv2's speedup over DaDianNao")), run.out());
        CliTest.Outcome acc = CliTest.cli("accuracy", "--limit", "10", "--no-progress");
        assertEquals(0, acc.code(), acc.err());
        assertTrue(acc.out().contains("cnv2"), acc.out());
        CliTest.Outcome grid = CliTest.cli("sweep", "--mode", "grid", "--grid", "0,0.1", "--limit", "10", "--no-progress",
                "--checkpoint", dir.resolve("sweep.jsonl").toString());
        assertEquals(0, grid.code(), grid.err());
        // a configuration file that names a design keeps it
        Path cfg = Files.writeString(dir.resolve("dense.json"), "{\"run\": {\"arch\": \"dadn\"}}");
        CliTest.Outcome dense = CliTest.cli("run", "--limit", "3", "--no-progress", "--config", cfg.toString());
        assertTrue(dense.out().contains("arch dadn"), dense.out());
    }

    @Test
    void theSweepsDefaultValidationFitsASmallLimit() {
        CliTest.Outcome o = CliTest.cli("sweep", "--limit", "40", "--grid", "0,0.2", "--no-progress",
                "--checkpoint", dir.resolve("search.jsonl").toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("validation (20 images)"), o.out());
    }

    @Test
    void progressCountsImagesNotPasses() {
        StringWriter s = new StringWriter();
        Progress p = new Progress(new PrintWriter(s), 10, 2, "accuracy", true); // 5 images, 2 passes each
        for (int i = 1; i <= 10; i++) {
            p.accept(i);
        }
        assertTrue(s.toString().contains("5/5 images"), s.toString());
        assertFalse(s.toString().contains("/10"), s.toString());
    }

    @Test
    void anUnwritableOutputIsFoundBeforeAnyWorkWithTheReason() {
        CliTest.Outcome o = CliTest.cli("run", "--limit", "5", "--no-progress", "--json", "/proc/cnv2-out.json");
        assertUserError(o, "--json", "/proc/cnv2-out.json");
        assertFalse(o.err().contains(".tmp"), "names the target, not a temporary file: " + o.err());
        assertFalse(o.out().contains("layer"), "nothing ran: " + o.out());
    }

    @Test
    void aTraceIntoAFolderOfAnEarlierTraceLeavesNoStaleFile() throws Exception {
        Path out = Files.createDirectories(dir.resolve("trace"));
        Files.write(out.resolve("act-conv9-Conv-41.npy"), new byte[] {1, 2, 3}); // a batch of an earlier, killed run
        Files.writeString(out.resolve("notes.txt"), "mine");
        CliTest.Outcome o = CliTest.cli("trace", "--limit", "4", "--no-progress", "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        assertFalse(Files.exists(out.resolve("act-conv9-Conv-41.npy")));
        assertTrue(Files.exists(out.resolve("notes.txt")), "files not of the trace layout are left alone");
        String index = Files.readString(out.resolve("index.json"));
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("act-")).toList()) {
                assertTrue(index.contains(f.getFileName().toString()), f + " is not in the index");
            }
        }
    }

    @Test
    void anImageOfAnotherSizeIsNamedAndResizeNoneRefusesIt() throws Exception {
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_BYTE_GRAY);
        Path png = dir.resolve("wide.png");
        ImageIO.write(img, "png", png.toFile());
        CliTest.Outcome o = CliTest.cli("run", "--input", png.toString(), "--no-progress");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("wide.png is 64x48") && o.err().contains("28x28"), o.err());
        assertUserError(CliTest.cli("run", "--input", png.toString(), "--resize", "none"), "wide.png", "64x48", "--resize none");
    }

    @Test
    void limitZeroIsAnError() {
        assertUserError(CliTest.cli("run", "--limit", "0"), "--limit");
        assertUserError(CliTest.cli("accuracy", "--limit", "0"), "--limit");
    }

    @Test
    void optionsACommandDoesNotUseAreRefusedByName() {
        assertUserError(CliTest.cli("compare", "--limit", "3", "--arch", "cnv"), "--arch", "compare");
        assertUserError(CliTest.cli("compare", "--limit", "3", "--weight-skip", "filter-lanes"), "--weight-skip");
        assertUserError(CliTest.cli("characterize", "--limit", "3", "--encoding", "roe"), "--encoding", "characterize");
        CliTest.Outcome ok = CliTest.cli("compare", "--limit", "3", "--no-progress");
        assertEquals(0, ok.code(), ok.err());
        assertFalse(ok.out().contains("pruned"), "no pruning asked, none announced: " + ok.out());
    }

    @Test
    void everyCommandsUsageNamesItsDefaults() {
        for (String cmd : List.of("run", "accuracy", "sweep")) {
            CliTest.Outcome help = CliTest.cli(cmd, "--help");
            assertTrue(help.out().contains("Default: cnv2"), cmd + ": " + help.out());
        }
    }
}
