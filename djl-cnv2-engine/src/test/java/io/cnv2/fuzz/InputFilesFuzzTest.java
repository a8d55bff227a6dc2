package io.cnv2.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cnv2.BadInputException;
import io.cnv2.config.ConfigFiles;
import io.cnv2.config.Json;
import io.cnv2.config.Thresholds;
import io.cnv2.data.IdxDataset;
import io.cnv2.data.Preprocessing;
import io.cnv2.trace.Npy;
import io.cnv2.trace.TraceIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of every file cnv2 reads besides models (issue 10): configuration,
 * thresholds, calibration and preprocessing files, IDX datasets, .npy traces and trace indexes.
 * The rule each target holds: any input either loads or fails with the project's own
 * {@link BadInputException}; any other exception, a hang or running out of memory is a finding.
 * In an ordinary test run the seeds under {@code src/test/resources/io/cnv2/fuzz/
 * InputFilesFuzzTestInputs/<target>/} and every saved finding are replayed; with
 * {@code JAZZER_FUZZ=1} one target is fuzzed for its {@code maxDuration} (.ci/fuzz).
 */
class InputFilesFuzzTest {
    private static Path file(String name, byte[] data) {
        try {
            Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "cnv2-fuzz-"
                    + ProcessHandle.current().pid()));
            Path p = dir.resolve(name);
            Files.write(p, data);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code read}; a clear user error is an acceptable outcome, anything else escapes. */
    private static void loadsOrFailsClearly(Runnable read) {
        try {
            read.run();
        } catch (BadInputException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                throw new AssertionError("a user error without a message", expected);
            }
        }
    }

    @FuzzTest(maxDuration = "60s")
    void configFile(byte[] data) {
        Path p = file("config.json", data);
        loadsOrFailsClearly(() -> ConfigFiles.load(p));
    }

    @FuzzTest(maxDuration = "60s")
    void thresholdsFile(byte[] data) {
        Path p = file("thresholds.json", data);
        loadsOrFailsClearly(() -> Thresholds.load(p));
    }

    @FuzzTest(maxDuration = "60s")
    void calibrationFile(byte[] data) {
        Path p = file("calibration.json", data);
        loadsOrFailsClearly(() -> ConfigFiles.loadCalibration(p));
    }

    @FuzzTest(maxDuration = "60s")
    void preprocessingFile(byte[] data) {
        Path p = file("preprocess.json", data);
        loadsOrFailsClearly(() -> Preprocessing.load(p));
    }

    @FuzzTest(maxDuration = "60s")
    void idxImages(byte[] data) {
        Path p = file("images-idx3-ubyte", data);
        loadsOrFailsClearly(() -> {
            IdxDataset d = new IdxDataset("fuzz", p, null);
            for (int i = 0; i < Math.min(d.size(), 64); i++) {
                d.get(i);
            }
        });
    }

    @FuzzTest(maxDuration = "60s")
    void idxLabels(byte[] data) {
        Path images = file("one-image", new byte[] {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 7});
        Path labels = file("labels-idx1-ubyte", data);
        loadsOrFailsClearly(() -> new IdxDataset("fuzz", images, labels).get(0));
    }

    @FuzzTest(maxDuration = "60s")
    void npyTrace(byte[] data) {
        Path p = file("act.npy", data);
        loadsOrFailsClearly(() -> Npy.read(p));
    }

    @FuzzTest(maxDuration = "60s")
    void traceIndex(byte[] data) {
        Path p = file("index.json", data);
        loadsOrFailsClearly(() -> TraceIndex.read(p));
    }
}
