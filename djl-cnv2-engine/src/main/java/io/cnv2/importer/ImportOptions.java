package io.cnv2.importer;

import io.cnv2.BadInputException;
import io.cnv2.ir.Shape;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Options for reading a model. {@code inputShapes} fixes graph inputs whose dimensions are
 * symbolic in the file (the batch dimension is always fixed to 1: the IR is per sample).
 */
public record ImportOptions(Map<String, Shape> inputShapes) {
    public static final ImportOptions DEFAULT = new ImportOptions(Map.of());

    public ImportOptions {
        inputShapes = Collections.unmodifiableSortedMap(new TreeMap<>(inputShapes)); // one order in every JVM
    }

    /**
     * Shapes given by a user as {@code name -> "D0,D1,..."}; {@code option} names where they
     * came from (a command-line option, a model option) for the error message.
     */
    public static ImportOptions parse(Map<String, String> specs, String option) {
        Map<String, Shape> m = new HashMap<>();
        specs.forEach((k, v) -> {
            try {
                String[] parts = v.split(",");
                int[] d = new int[parts.length];
                for (int i = 0; i < d.length; i++) {
                    d[i] = Integer.parseInt(parts[i].trim());
                    if (d[i] < 1) {
                        throw new NumberFormatException();
                    }
                }
                m.put(k, new Shape(d));
            } catch (NumberFormatException e) {
                throw new BadInputException(option + " " + k + "=" + v + ": expected positive integers separated by commas");
            }
        });
        return new ImportOptions(m);
    }
}
