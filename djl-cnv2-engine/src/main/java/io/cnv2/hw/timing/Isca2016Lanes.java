package io.cnv2.hw.timing;

import io.cnv2.config.Isca2016Profile;
import java.util.ArrayDeque;

/**
 * One window under the {@code isca2016} profile, done literally, cycle by cycle (CNV2-MODEL.md
 * section 4a): the reference that {@link Isca2016Window} is tested against. Within every cycle
 * the memory acts first (serving up to {@code nmPorts} queued requests issued in earlier
 * cycles, first in first out), then the tile hands the next chunk to each idle lane in lane order
 * (a non-empty chunk queues a read request), then every lane spends the cycle: waiting for its
 * read, filling its NBin ({@code chunkOverheadCycles - 2} cycles after the read), multiplying
 * (pass by pass, every filter lane taking the next entry of its queue, so a pass lasts as long as
 * its longest queue), dropping an empty chunk ({@code emptyChunkCycles}), or draining the
 * pipeline after its last chunk ({@code pipelineLatency} cycles per pass, only when that chunk
 * was non-empty). The window ends when every lane is done.
 */
public final class Isca2016Lanes {
    private Isca2016Lanes() {
    }

    /** What the design does with one product: filter lane {@code filter} of pass {@code pass} multiplies entry {@code entry} of lane {@code lane}'s stream. */
    public interface Products {
        void multiply(int lane, int pass, int filter, int entry);
    }

    /**
     * A chunk as a lane holds it: {@code empty} when it has no effectual value (no read is issued);
     * {@code queues[pass][filter]}: the stream entries that filter lane multiplies in that pass
     * (every effectual entry without weight skipping).
     */
    public record LaneChunk(boolean empty, int[][][] queues) {
        /** Cycles of multiplying in pass {@code pass}: the longest filter-lane queue. */
        public int work(int pass) {
            int most = 0;
            for (int[] q : queues[pass]) {
                most = Math.max(most, q.length);
            }
            return most;
        }
    }

    private enum State { READY, DROPPING, WAITING, READING, FILLING, MULTIPLYING, DRAINING, DONE }

    private static final class Lane {
        State state = State.READY;
        int chunk = -1;
        int left;
        int pass;
        int step;
        boolean lastEmpty;
        long finished;
    }

    /** Cycles of the window {@code chunks[lane][j]}, multiplying through {@code products} as it goes. */
    public static long window(LaneChunk[][] chunks, int passes, Isca2016Profile p, Products products) {
        int lanes = chunks.length;
        Lane[] ls = new Lane[lanes];
        for (int l = 0; l < lanes; l++) {
            ls[l] = new Lane();
            if (chunks[l].length == 0) {
                ls[l].state = State.DONE;
            }
        }
        record Request(int lane, long issued) {
        }
        ArrayDeque<Request> memory = new ArrayDeque<>();
        long t = 0;
        while (true) {
            boolean all = true;
            for (Lane lane : ls) {
                all &= lane.state == State.DONE;
            }
            if (all) {
                break;
            }
            // 1. memory: the first nmPorts requests issued before this cycle
            for (int served = 0; served < p.nmPorts() && !memory.isEmpty() && memory.peek().issued() < t; served++) {
                ls[memory.poll().lane()].state = State.READING;
            }
            // 2. the tile hands out chunks, lanes in order
            for (int l = 0; l < lanes; l++) {
                Lane lane = ls[l];
                if (lane.state != State.READY) {
                    continue;
                }
                LaneChunk c = chunks[l][++lane.chunk];
                if (c.empty()) {
                    lane.state = State.DROPPING;
                    lane.left = p.emptyChunkCycles();
                } else {
                    lane.state = State.WAITING;
                    memory.add(new Request(l, t));
                }
            }
            // 3. the lanes spend the cycle
            for (int l = 0; l < lanes; l++) {
                Lane lane = ls[l];
                switch (lane.state) {
                    case DROPPING -> {
                        if (--lane.left == 0) {
                            endChunk(lane, chunks[l], true, passes, p, t);
                        }
                    }
                    case READING -> {
                        lane.left = p.chunkOverheadCycles() - 2;
                        lane.pass = 0;
                        lane.step = 0;
                        lane.state = lane.left > 0 ? State.FILLING : State.MULTIPLYING;
                        if (lane.left == 0 && nothingToMultiply(lane, chunks[l][lane.chunk], passes)) {
                            endChunk(lane, chunks[l], false, passes, p, t);
                        }
                    }
                    case FILLING -> {
                        if (--lane.left == 0) {
                            lane.state = State.MULTIPLYING;
                            if (nothingToMultiply(lane, chunks[l][lane.chunk], passes)) {
                                endChunk(lane, chunks[l], false, passes, p, t);
                            }
                        }
                    }
                    case MULTIPLYING -> {
                        LaneChunk c = chunks[l][lane.chunk];
                        int[][] queues = c.queues()[lane.pass];
                        for (int f = 0; f < queues.length; f++) {
                            if (lane.step < queues[f].length) {
                                products.multiply(l, lane.pass, f, queues[f][lane.step]);
                            }
                        }
                        lane.step++;
                        if (nothingToMultiply(lane, c, passes)) {
                            endChunk(lane, chunks[l], false, passes, p, t);
                        }
                    }
                    case DRAINING -> {
                        if (--lane.left == 0) {
                            lane.state = State.DONE;
                            lane.finished = t + 1;
                        }
                    }
                    default -> {
                    }
                }
            }
            t++;
        }
        long most = 0;
        for (Lane lane : ls) {
            most = Math.max(most, lane.finished);
        }
        return most;
    }

    /** Moves past passes whose work is done; true when the chunk has nothing left to multiply. */
    private static boolean nothingToMultiply(Lane lane, LaneChunk c, int passes) {
        while (lane.pass < passes && lane.step >= c.work(lane.pass)) {
            lane.pass++;
            lane.step = 0;
        }
        return lane.pass == passes;
    }

    /** The lane finished its chunk at the end of cycle t: the next one, the drain, or done. */
    private static void endChunk(Lane lane, LaneChunk[] chunks, boolean empty, int passes, Isca2016Profile p, long t) {
        lane.lastEmpty = empty;
        if (lane.chunk + 1 < chunks.length) {
            lane.state = State.READY;
        } else if (!empty && p.pipelineLatency() * passes > 0) {
            lane.state = State.DRAINING;
            lane.left = p.pipelineLatency() * passes;
        } else {
            lane.state = State.DONE;
            lane.finished = t + 1;
        }
    }
}
