package io.cnv2.hw.timing;

import io.cnv2.config.Isca2016Profile;

/**
 * The cycles of one window under the {@code isca2016} profile, in closed form (CNV2-MODEL.md
 * section 4a, rules 3 to 5), from each lane's chunks: {@code work[l * chunks + j]} cycles of
 * multiplying (effectual values times the filter passes run on the chunk, or the weight-skipping
 * rule's count) and {@code masks[l * chunks + j]} the chunk's effectual values, 0 when it holds
 * none (an empty chunk). Lanes take their chunks back to back: an empty chunk costs
 * {@code emptyChunkCycles}; a non-empty one issues a read when it is handed out and costs
 * {@code work + chunkOverheadCycles + wait}, the wait being {@code served - issued - 1} of
 * {@link NmQueue}; a lane whose last chunk is non-empty ends {@code pipelineLatency * passes}
 * cycles later. Requests are issued in cycle order, lanes in order within a cycle, so handing out
 * chunks in that order is the queue's order. The window costs its slowest lane.
 */
public final class Isca2016Window {
    private final Isca2016Profile p;
    private final NmQueue memory;
    private final long[] ready;
    private final int[] next;
    private final boolean[] lastEmpty;
    private final int[] active;

    private final long[] heap;
    /** Bucket queue: lanes (bit l) whose next chunk is handed out at a cycle t, in slot t mod 64; all 0 between windows. */
    private final long[] slots = new long[64];
    /** Windows the bucket queue gave up on (a lane ready 64 or more cycles ahead) and the heap timed; for tests. */
    long overflows;
    /** waits[k] = floor(k / nmPorts): the wait of a request with k requests ahead of it (rule 5). */
    private final int[] waits;

    public Isca2016Window(Isca2016Profile p, int lanes) {
        this.heap = new long[lanes];
        this.waits = new int[lanes + 1];
        for (int k = 0; k <= lanes; k++) {
            waits[k] = k / p.nmPorts();
        }
        this.p = p;
        this.memory = new NmQueue(p.nmPorts());
        this.ready = new long[lanes];
        this.next = new int[lanes];
        this.lastEmpty = new boolean[lanes];
        this.active = new int[lanes];
    }

    /**
     * Cycles of the window; {@code passes} sets the pipeline latency (rule 4). Only lanes below
     * {@code real} may hold a non-empty chunk (the others own padding channels of C'). A lane
     * whose chunks are all empty issues no read, so it cannot change the queue's order: it ends
     * after {@code chunks * emptyChunkCycles} and the others are timed without it. The caller
     * says which lanes read: bit l of {@code reading} set when lane l holds a non-empty chunk
     * (known from its stream, which spares a scan of every chunk); with more than 64 lanes the
     * chunks are scanned instead.
     */
    public long cycles(long[] work, long[] masks, int chunks, int passes, int real, long reading) {
        if (ready.length > 64) {
            return cycles(work, masks, chunks, passes, real, true);
        }
        int n = 0;
        for (long m = reading; m != 0; m &= m - 1) {
            active[n++] = Long.numberOfTrailingZeros(m);
        }
        return timed(work, masks, chunks, passes, n, true);
    }

    /**
     * {@link #cycles}, the reading lanes found by scanning the chunks; with {@code shortcut} the
     * queue-free closed form and the bucket queue, without it the binary heap only (tests hold the
     * two equal).
     */
    long cycles(long[] work, long[] masks, int chunks, int passes, int real, boolean shortcut) {
        int n = 0;
        for (int l = 0; l < real; l++) {
            int base = l * chunks;
            for (int j = 0; j < chunks; j++) {
                if (masks[base + j] != 0) {
                    active[n++] = l;
                    break;
                }
            }
        }
        return timed(work, masks, chunks, passes, n, shortcut);
    }

    private long timed(long[] work, long[] masks, int chunks, int passes, int n, boolean shortcut) {
        long idle = n < ready.length ? (long) chunks * p.emptyChunkCycles() : 0;
        if (shortcut && n <= p.nmPorts()) {
            return Math.max(idle, alone(work, masks, chunks, passes, n));
        }
        if (shortcut && ready.length <= 64) {
            long b = bucketed(work, masks, chunks, passes, n);
            if (b >= 0) {
                return Math.max(idle, b);
            }
            overflows++;
        }
        return Math.max(idle, queued(work, masks, chunks, passes, n));
    }

    /**
     * With no more reading lanes than the memory has ports no request ever waits (rule 5): a lane
     * has one request out at a time and issues its next one at least {@code chunkOverheadCycles - 1
     * >= 1} cycles after the last was served, so at most {@code nmPorts} requests are issued in any
     * cycle and each is served the cycle after; every lane then costs rule 4's closed form
     * {@code sum (non-empty: work + overhead; empty: emptyChunkCycles) + latency passes [last
     * non-empty]}. Equal to {@link #queued} (Isca2016WindowTest).
     */
    long alone(long[] work, long[] masks, int chunks, int passes, int n) {
        long most = 0;
        for (int a = 0; a < n; a++) {
            int base = active[a] * chunks;
            long t = 0;
            for (int j = 0; j < chunks; j++) {
                t += masks[base + j] == 0 ? p.emptyChunkCycles() : work[base + j] + p.chunkOverheadCycles();
            }
            if (chunks > 0 && masks[base + chunks - 1] != 0) {
                t += (long) p.pipelineLatency() * passes;
            }
            most = Math.max(most, t);
        }
        return most;
    }

    /**
     * {@link #queued} with a bucket queue instead of the heap, cycle by cycle (issue #23). A lane's
     * ready time only grows and, after the lane takes a chunk at cycle t, lies at most work +
     * overhead + wait (or emptyChunkCycles) ahead, so every pending lane sits within 64 cycles of
     * the current one: slot t mod 64 holds the lanes ready at t as a bit mask, {@code occupied} the
     * non-empty slots. Rule 5 then needs no per-request queue: in every cycle the memory serves
     * {@code nmPorts} of the requests issued before it, so a request issued at t with k requests
     * still pending ahead of it (issued earlier, or in the same cycle by a lower lane) is served at
     * t + 1 + floor(k / nmPorts) and waits floor(k / nmPorts); only the pending count is kept. The
     * lanes of a cycle are taken in lane order: the heap's (ready, lane) order. A lane ready 64 or
     * more cycles ahead would alias a slot: then -1, and the caller times the window with the heap.
     * Each lane has at most one request out, so k &lt; lanes and the waits are a table.
     */
    long bucketed(long[] work, long[] masks, int chunks, int passes, int n) {
        long start = 0;
        for (int a = 0; a < n; a++) {
            int l = active[a];
            next[l] = 0;
            start |= 1L << l;
        }
        long[] slots = this.slots;
        int[] waits = this.waits;
        slots[0] = start;
        long occupied = start == 0 ? 0 : 1;
        long now = 0;
        long pending = 0;
        long ports = p.nmPorts();
        int empty = p.emptyChunkCycles();
        int overhead = p.chunkOverheadCycles();
        long latency = (long) p.pipelineLatency() * passes;
        // a lane's end (rule 4) is known when it takes its last chunk: the window's cost is kept as it goes
        long most = 0;
        while (occupied != 0) {
            long step = Long.numberOfTrailingZeros(Long.rotateRight(occupied, (int) now));
            now += step;
            int s = (int) now & 63;
            long m = slots[s];
            slots[s] = 0;
            occupied &= ~(1L << s);
            // the memory served nmPorts requests in each cycle since the last one
            pending = Math.max(0, pending - ports * step);
            do {
                int l = Long.numberOfTrailingZeros(m);
                m &= m - 1;
                int j = next[l]++;
                int at = l * chunks + j;
                // branch-free (whether a chunk is empty is a coin toss at high sparsity): sel is all
                // ones for a non-empty chunk, which costs work + overhead + wait and issues a read
                // (one more pending), and 0 for an empty one, which costs emptyChunkCycles
                long mask = masks[at];
                long nonEmpty = (mask | -mask) >>> 63;
                long sel = -nonEmpty;
                long t = now + empty + ((work[at] + overhead - empty + waits[(int) pending]) & sel);
                long end = t + (latency & sel);
                pending += nonEmpty;
                if (j + 1 == chunks) {
                    most = Math.max(most, end);
                } else {
                    if (t - now >= 64) {
                        java.util.Arrays.fill(slots, 0);
                        return -1;
                    }
                    int ts = (int) t & 63;
                    slots[ts] |= 1L << l;
                    occupied |= 1L << ts;
                }
            } while (m != 0);
        }
        return most;
    }

    /** The reading lanes {@code active[0 .. n)} event by event, in issue order, through the memory queue. */
    long queued(long[] work, long[] masks, int chunks, int passes, int n) {
        memory.reset();
        // lanes by (ready, lane): a binary heap of ready * 2^16 + lane keys, the order requests are issued in
        for (int a = 0; a < n; a++) {
            int l = active[a];
            ready[l] = 0;
            next[l] = 0;
            heap[a] = l;
        }
        int size = n; // keys of ready 0 in lane order: already a heap
        long left = (long) n * chunks;
        int empty = p.emptyChunkCycles();
        int overhead = p.chunkOverheadCycles();
        while (left-- > 0) {
            int l = (int) (heap[0] & 0xffff);
            int at = l * chunks + next[l]++;
            long h = ready[l];
            if (masks[at] == 0) {
                ready[l] = h + empty;
                lastEmpty[l] = true;
            } else {
                long wait = memory.serve(h) - h - 1;
                ready[l] = h + work[at] + overhead + wait;
                lastEmpty[l] = false;
            }
            if (next[l] < chunks) {
                heap[0] = (ready[l] << 16) | l;
            } else {
                heap[0] = heap[--size];
            }
            down(0, size);
        }
        long most = 0;
        long latency = (long) p.pipelineLatency() * passes;
        for (int a = 0; a < n; a++) {
            int l = active[a];
            most = Math.max(most, ready[l] + (lastEmpty[l] ? 0 : latency));
        }
        return most;
    }

    /** Restores the heap below {@code i}. */
    private void down(int i, int size) {
        long key = heap[i];
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) {
                break;
            }
            if (c + 1 < size && heap[c + 1] < heap[c]) {
                c++;
            }
            if (heap[c] >= key) {
                break;
            }
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = key;
    }
}
