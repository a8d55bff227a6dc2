package io.cnv2.exec;

import io.cnv2.ir.Network;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The float reference's class of each image of a set, computed by the first run that meets the
 * image and reused by every later run of the same network. The float reference ignores
 * thresholds, encodings and the accelerator ({@link Emulator#with} keeps the network), so a
 * sweep's points differ only in the accelerator path; recomputing the float reference at every
 * point was most of a point's time (ResNet-18: 0.45 of 0.64 s per image). Safe from many threads.
 */
public final class FloatMemo {
    private final Network network;
    private final AtomicIntegerArray classes;

    /** A memo for images {@code 0 .. size-1} of one set, run through {@code network}. */
    public FloatMemo(Network network, int size) {
        this.network = network;
        this.classes = new AtomicIntegerArray(size);
        for (int i = 0; i < size; i++) {
            classes.set(i, -1);
        }
    }

    /** Whether this memo holds classes of {@code e}'s float reference (the same network object). */
    public boolean covers(Emulator e) {
        return e.network() == network;
    }

    /** Image {@code i}'s float class, or -1 when no run has computed it yet. */
    public int get(int i) {
        return classes.get(i);
    }

    /** Remembers image {@code i}'s float class. */
    public void remember(int i, int floatClass) {
        classes.set(i, floatClass);
    }
}
