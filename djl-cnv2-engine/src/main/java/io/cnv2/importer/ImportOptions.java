package io.cnv2.importer;

import io.cnv2.BadInputException;
import io.cnv2.ir.Shape;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Options for reading a model. {@code inputShapes} fixes graph inputs whose dimensions are
 * symbolic in the file (a symbolic leading dimension is the batch and becomes 1: the IR is per
 * sample). {@code values} are real values for some inputs (a sample rate, a state), used where the
 * importer must run the model once to learn its shapes; other inputs are tried with seeded random
 * floats and integer zeros.
 */
public record ImportOptions(Map<String, Shape> inputShapes, Map<String, io.cnv2.ir.Tensor> values) {
    public static final ImportOptions DEFAULT = new ImportOptions(Map.of());

    public ImportOptions {
        inputShapes = Collections.unmodifiableSortedMap(new TreeMap<>(inputShapes)); // one order in every JVM
        values = Collections.unmodifiableSortedMap(new TreeMap<>(values));
    }

    public ImportOptions(Map<String, Shape> inputShapes) {
        this(inputShapes, Map.of());
    }

    /** These options with {@code v} as the values of some inputs. */
    public ImportOptions withValues(Map<String, io.cnv2.ir.Tensor> v) {
        return new ImportOptions(inputShapes, v);
    }

    /**
     * Shapes given by a user as {@code name -> "D0,D1,..."}; {@code option} names where they
     * came from (a command-line option, a model option) for the error message.
     */
    public static ImportOptions parse(Map<String, String> specs, String option) {
        Map<String, Shape> m = new HashMap<>();
        specs.forEach((k, v) -> {
            if (v.isBlank()) {
                m.put(k, Shape.of()); // a scalar input (a sample rate, say)
                return;
            }
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
