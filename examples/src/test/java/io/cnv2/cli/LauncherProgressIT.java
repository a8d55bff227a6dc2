package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress bar through the ./cnv2 launcher on a pseudo-terminal (util-linux's script), as a
 * person sees it (issue 21): it redraws live (carriage returns before the end), counts images
 * (accuracy runs two passes per image), and the JVM's incubator notice is gone. Piped to a file it
 * draws nothing. Runs after the package phase, which builds the jar the launcher starts.
 */
class LauncherProgressIT {
    private static final Path ROOT = Path.of(System.getProperty("cnv2.repo.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private String run(String command) throws Exception {
        Path typescript = dir.resolve("typescript");
        ProcessBuilder pb = new ProcessBuilder("script", "-q", "-e", "-c", command, typescript.toString())
                .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("script.out").toFile());
        pb.environment().remove("CI");
        Process p = pb.start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), command + " did not finish");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("script.out")));
        return Files.readString(typescript, StandardCharsets.UTF_8);
    }

    @Test
    void theBarShowsLiveCountedInImagesOnATerminalAndNotInAFile() throws Exception {
        String tty = run("./cnv2 accuracy --limit 120 --threshold 0.1");
        assertTrue(tty.contains("\r") && tty.contains("images/s"), tty);
        assertTrue(tty.contains("120/120 images"), "counted in images, not passes: " + tty);
        assertFalse(tty.contains("/240"), tty);
        assertFalse(tty.contains("Using incubator modules"), tty);
        String piped = run("./cnv2 accuracy --limit 30 2>" + dir.resolve("err.txt"));
        assertFalse(Files.readString(dir.resolve("err.txt")).contains("images/s"), "no bar when standard error is a file");
        assertTrue(piped.contains("top-1"), piped);
    }
}
