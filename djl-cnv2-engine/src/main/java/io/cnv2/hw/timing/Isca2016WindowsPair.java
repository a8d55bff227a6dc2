package io.cnv2.hw.timing;

import io.cnv2.config.Isca2016Profile;

/**
 * Two {@link Isca2016WindowsSimd} batches timed together (issue #23): a completed batch waits for
 * the next one, and the two run their events in turn ({@link Isca2016WindowsSimd#cycles(
 * Isca2016WindowsSimd, int, Isca2016WindowsSimd, int, int, long)}), so that each fills the other's
 * waits. A layer's cycles are the sum over its windows, so the order in which batches are timed
 * changes no figure; {@link #rest} times what is left at the end of a group. Loaded only when
 * {@link io.cnv2.Simd#enabled()}.
 */
final class Isca2016WindowsPair {
    private final Isca2016WindowsSimd first;
    private final Isca2016WindowsSimd second;
    /** The batch windows are handed to. */
    private Isca2016WindowsSimd filling;
    /** A completed batch not yet timed, or null; and its windows. */
    private Isca2016WindowsSimd waiting;
    private int waitingCount;

    Isca2016WindowsPair(Isca2016Profile p, int lanes, int chunks) {
        this.first = new Isca2016WindowsSimd(p, lanes, chunks);
        this.second = new Isca2016WindowsSimd(p, lanes, chunks);
        this.filling = first;
    }

    /** The batch being filled: its slot, putStream, put and putBand. */
    Isca2016WindowsSimd filling() {
        return filling;
    }

    /** The window at the filling batch's slot is complete; the cycles of any batches this completes and times. */
    long next(int latency, long idle) {
        return filling.advance() ? complete(Isca2016WindowsSimd.W, latency, idle) : 0;
    }

    /** The filling batch was handed whole (putBand) and holds {@code count} counted windows. */
    long batch(int count, int latency, long idle) {
        return complete(count, latency, idle);
    }

    private long complete(int count, int latency, long idle) {
        if (waiting == null) {
            waiting = filling;
            waitingCount = count;
            filling = filling == first ? second : first;
            return 0;
        }
        long cycles = Isca2016WindowsSimd.cycles(waiting, waitingCount, filling, count, latency, idle);
        waiting = null;
        return cycles;
    }

    /** The cycles of the batches still untimed (a waiting one, a partly filled one); both start empty after. */
    long rest(int latency, long idle) {
        int count = filling.drop();
        long cycles;
        if (waiting != null && count > 0) {
            cycles = Isca2016WindowsSimd.cycles(waiting, waitingCount, filling, count, latency, idle);
        } else if (waiting != null) {
            cycles = waiting.cycles(waitingCount, latency, idle);
        } else {
            cycles = count > 0 ? filling.cycles(count, latency, idle) : 0;
        }
        waiting = null;
        return cycles;
    }
}
