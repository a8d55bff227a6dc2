package io.cnv2.hw.timing;

/**
 * The shared activation memory of the {@code isca2016} profile in closed form (CNV2-MODEL.md
 * section 4a, rule 5): read requests are served first in, first out, at most {@code ports} per
 * cycle, and in cycle t only requests issued before t. Requests must be given in issue order
 * (issue cycle, then lane order). The k-th request is then served at
 * {@code max(issue_k + 1, served_(k-1), served_(k-ports) + 1)}: not before the cycle after its
 * issue, not before the one ahead of it, and not in a cycle that already served {@code ports}.
 * The reference model steps the same queue cycle by cycle.
 */
public final class NmQueue {
    private final long[] lastServed;
    private long previous;
    /** Index of lastServed that the next request replaces: the request {@code ports} ahead of it (a counter mod ports, no division). */
    private int slot;

    public NmQueue(int ports) {
        this.lastServed = new long[ports];
    }

    /** Starts a window: nothing pending, time 0. */
    public void reset() {
        java.util.Arrays.fill(lastServed, Long.MIN_VALUE / 2);
        previous = Long.MIN_VALUE / 2;
        slot = 0;
    }

    /** The cycle in which a request issued in cycle {@code issue} is served. */
    public long serve(long issue) {
        long s = Math.max(issue + 1, Math.max(previous, lastServed[slot] + 1));
        lastServed[slot] = s;
        previous = s;
        if (++slot == lastServed.length) {
            slot = 0;
        }
        return s;
    }
}
