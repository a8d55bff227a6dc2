package io.cnv2.fixed;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-tensor fraction lengths of one run's activations (CNV2-MODEL.md section 2, "formats
 * are part of the run"): chosen from a profiling set, recorded in every report, saved and
 * loaded so two runs on different inputs use the same arithmetic. Weight and bias formats are
 * not here: they follow from the weights themselves.
 *
 * @param source     how the formats were obtained ("profiled on 100 inputs", a file name)
 * @param fractions  tensor name to fraction length
 */
public record Calibration(String source, Map<String, Integer> fractions) {
    public Calibration {
        fractions = Collections.unmodifiableMap(new TreeMap<>(fractions));
    }

    public Integer fraction(String tensor) {
        return fractions.get(tensor);
    }

    /** This calibration with {@code pinned} fraction lengths overriding it. */
    public Calibration pin(Map<String, Integer> pinned) {
        if (pinned.isEmpty()) {
            return this;
        }
        Map<String, Integer> m = new TreeMap<>(fractions);
        m.putAll(pinned);
        return new Calibration(source + " + " + pinned.size() + " pinned", m);
    }
}
