package io.cnv2.importer;

import io.cnv2.ir.Shape;
import java.util.Map;

/**
 * Options for reading a model. {@code inputShapes} fixes graph inputs whose dimensions are
 * symbolic in the file (the batch dimension is always fixed to 1: the IR is per sample).
 */
public record ImportOptions(Map<String, Shape> inputShapes) {
    public static final ImportOptions DEFAULT = new ImportOptions(Map.of());

    public ImportOptions {
        inputShapes = Map.copyOf(inputShapes);
    }
}
