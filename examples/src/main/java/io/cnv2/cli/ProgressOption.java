package io.cnv2.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** {@code --progress / --no-progress}, shared by the commands that run long. */
final class ProgressOption {
    @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Show a progress bar on a terminal (default on).")
    boolean progress;

    /** A bar counting {@code total} items, drawn only when asked for and standard error is a terminal. */
    Progress bar(PrintWriter err, int total, String what) {
        return new Progress(err, total, what, progress && Progress.terminal());
    }

    /** A bar over {@code images} images of {@code per} work units each, counted in images. */
    Progress bar(PrintWriter err, int images, int per, String what) {
        return new Progress(err, images * per, per, what, progress && Progress.terminal());
    }
}
