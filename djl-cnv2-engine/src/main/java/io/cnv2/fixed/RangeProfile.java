package io.cnv2.fixed;

import io.cnv2.ir.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * Running min/max of every activation tensor over a profiling set (section 2, rule 1:
 * activations' formats come from their range over a profiling set).
 */
public final class RangeProfile {
    private final Map<String, double[]> ranges = new HashMap<>();
    private int samples;

    public synchronized void add(Map<String, Tensor> tensors) {
        tensors.forEach(this::addTensor);
        sampleDone();
    }

    /** One tensor of a sample ({@link #sampleDone} counts the sample once all its tensors came). */
    public synchronized void addTensor(String name, Tensor t) {
        double[] r = ranges.computeIfAbsent(name, k -> new double[] {Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY});
        for (float v : t.data()) {
            if (v < r[0]) {
                r[0] = v;
            }
            if (v > r[1]) {
                r[1] = v;
            }
        }
    }

    public synchronized void sampleDone() {
        samples++;
    }

    public int samples() {
        return samples;
    }

    /** Fraction length per tensor: the largest that holds the profiled range without saturating. */
    public Map<String, Integer> fractions() {
        Map<String, Integer> f = new HashMap<>();
        ranges.forEach((name, r) -> f.put(name, Fixed.fracFor(r[0], r[1])));
        return f;
    }
}
