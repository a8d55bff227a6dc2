package io.cnv2.exec;

import io.cnv2.ir.Tensor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The float outputs of the images calibration profiled (issue 23, float work once): the float
 * pass that profiles an image's activation ranges also yields its outputs, and a run over the same
 * images takes them from here instead of running the float reference again. Keyed by position in
 * the list of samples calibration was given; held only up to {@link #MAX_VALUES} values in all
 * (a segmentation network's outputs are large: past that, images run the float pass again).
 */
public final class FloatOutputs {
    /** At most this many output values are held (64 MB of float). */
    static final long MAX_VALUES = 1L << 24;

    private final List<?> samples;
    private final Map<Integer, Map<String, Tensor>> byIndex = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong held = new java.util.concurrent.atomic.AtomicLong();

    /** A memo for images {@code 0 ..} of {@code samples} (the very list a run will evaluate). */
    public FloatOutputs(List<?> samples) {
        this.samples = samples;
    }

    /** Whether this memo holds outputs of {@code list} (the same list object). */
    public boolean covers(List<?> list) {
        return list == samples;
    }

    /** Remembers image {@code index}'s outputs, unless that would hold more than {@link #MAX_VALUES}. */
    void remember(int index, Map<String, Tensor> outputs) {
        long n = outputs.values().stream().mapToLong(t -> t.data().length).sum();
        if (held.addAndGet(n) <= MAX_VALUES) {
            byIndex.put(index, Map.copyOf(outputs));
        } else {
            held.addAndGet(-n);
        }
    }

    /** Image {@code index}'s float outputs, or null when calibration did not keep them. */
    public Map<String, Tensor> get(int index) {
        return byIndex.get(index);
    }

    /** How many images' outputs are held. */
    public int size() {
        return byIndex.size();
    }
}
