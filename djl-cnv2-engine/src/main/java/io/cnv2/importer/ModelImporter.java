package io.cnv2.importer;

import io.cnv2.ir.Network;
import java.nio.file.Path;

/**
 * A way to read a model file into the IR. Implementations live outside the core (the ONNX
 * importer module) and are found through {@link java.util.ServiceLoader}, so the core never
 * depends on a file format.
 */
public interface ModelImporter {
    /** Format name for messages ("ONNX"). */
    String format();

    /** True if this importer reads files like this one (by extension or magic bytes). */
    boolean accepts(Path file);

    /**
     * Reads the model. Errors in the file are {@link io.cnv2.BadInputException}s naming the file
     * and the node or tensor that was wrong.
     */
    Network load(Path file, ImportOptions options);
}
