package io.cnv2.hw.timing;

import io.cnv2.config.Isca2016Profile;

/**
 * The cycles of one window under the {@code isca2016} profile, in closed form (CNV2-MODEL.md
 * section 4a, rules 3 to 5), from each lane's chunks: {@code work[l][j]} cycles of multiplying
 * (effectual values times the filter passes run on the chunk, or the weight-skipping rule's
 * count) and {@code empty[l][j]} when the chunk holds no effectual value. Lanes take their
 * chunks back to back: an empty chunk costs {@code emptyChunkCycles}; a non-empty one issues a
 * read when it is handed out and costs {@code work + chunkOverheadCycles + wait}, the wait being
 * {@code served - issued - 1} of {@link NmQueue}; a lane whose last chunk is non-empty ends
 * {@code pipelineLatency * passes} cycles later. Requests are issued in cycle order, lanes in
 * order within a cycle, so handing out chunks in that order is the queue's order. The window
 * costs its slowest lane.
 */
public final class Isca2016Window {
    private final Isca2016Profile p;
    private final NmQueue memory;
    private final long[] ready;
    private final int[] next;
    private final boolean[] lastEmpty;

    private final long[] heap;

    public Isca2016Window(Isca2016Profile p, int lanes) {
        this.heap = new long[lanes];
        this.p = p;
        this.memory = new NmQueue(p.nmPorts());
        this.ready = new long[lanes];
        this.next = new int[lanes];
        this.lastEmpty = new boolean[lanes];
    }

    /**
     * Cycles of the window; {@code passes} sets the pipeline latency (rule 4). A lane whose chunks
     * are all empty issues no read, so it cannot change the queue's order: it ends after
     * {@code chunks * emptyChunkCycles} and the others are timed without it.
     */
    public long cycles(long[][] work, boolean[][] empty, int chunks, int passes) {
        int lanes = ready.length;
        java.util.Arrays.fill(ready, 0);
        java.util.Arrays.fill(next, 0);
        memory.reset();
        int left = 0;
        long idle = 0;
        for (int l = 0; l < lanes; l++) {
            boolean none = true;
            for (int j = 0; j < chunks && none; j++) {
                none = empty[l][j];
            }
            if (none) {
                next[l] = chunks; // done: never picked below
                ready[l] = (long) chunks * p.emptyChunkCycles();
                lastEmpty[l] = true;
                idle = ready[l];
            } else {
                left += chunks;
            }
        }
        // lanes by (ready, lane): a binary heap of ready * 2^16 + lane keys, the order requests are issued in
        int size = 0;
        for (int l = 0; l < lanes; l++) {
            if (next[l] < chunks) {
                heap[size++] = (ready[l] << 16) | l;
            }
        }
        for (int i = size / 2 - 1; i >= 0; i--) {
            down(i, size);
        }
        while (left-- > 0) {
            int l = (int) (heap[0] & 0xffff);
            int j = next[l]++;
            long h = ready[l];
            if (empty[l][j]) {
                ready[l] = h + p.emptyChunkCycles();
                lastEmpty[l] = true;
            } else {
                long wait = memory.serve(h) - h - 1;
                ready[l] = h + work[l][j] + p.chunkOverheadCycles() + wait;
                lastEmpty[l] = false;
            }
            if (next[l] < chunks) {
                heap[0] = (ready[l] << 16) | l;
            } else {
                heap[0] = heap[--size];
            }
            down(0, size);
        }
        long most = idle;
        for (int l = 0; l < lanes; l++) {
            most = Math.max(most, ready[l] + (lastEmpty[l] || chunks == 0 ? 0 : (long) p.pipelineLatency() * passes));
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
