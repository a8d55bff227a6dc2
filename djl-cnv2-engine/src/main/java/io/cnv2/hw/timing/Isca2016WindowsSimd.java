package io.cnv2.hw.timing;

import io.cnv2.config.Isca2016Profile;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Isca2016Window}'s cycles for {@link #W} windows at once, one window per vector lane
 * (issue #23): windows are independent, and every window of a layer takes the same number of
 * events, one per (lane, chunk), so the event-by-event queue of rules 3 to 5 (CNV2-MODEL.md
 * section 4a) runs with no branch on the data. Loaded only when {@link io.cnv2.Simd#enabled()}.
 *
 * <p>Each lane's next hand-out is a key {@code ready << sh | q}, q = lane * chunks + chunk: the
 * smallest key is the next event, in (cycle, lane) order, the order requests enter the memory
 * queue (rule 5, lanes in order within a cycle). A lane whose chunks are all empty is timed like
 * the others and ends after {@code chunks * emptyChunkCycles}, what the scalar path gives it
 * without a queue. The memory is kept as the serve cycles of the last {@code nmPorts} requests:
 * request i, issued at h, is served at {@code max(h, s[i - nmPorts]) + 1}, since the memory serves
 * {@code nmPorts} requests a cycle first in first out, each only after the cycle it was issued in;
 * its wait is {@code served - h - 1}. The same answer as the pending count of
 * {@link Isca2016Window#bucketed} and the request queue of {@link NmQueue}
 * ({@code Isca2016WindowTest}). Keys are ints: {@link #fits} says when a layer's windows fit.
 *
 * <p>Window w of a batch lives in vector lane {@link #lane}(w): the first half of the windows in
 * the even lanes, the second in the odd ones, so that {@link #putBand} computes a chunk's codes as
 * two vectors of longs (windows 0 .. W/2 - 1 and W/2 .. W - 1) and stores them as one vector of
 * ints, each long lane's two halves. The events do not care which lane holds which window.
 */
final class Isca2016WindowsSimd {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.vectorBitSize() <= 512
            ? IntVector.SPECIES_PREFERRED : IntVector.SPECIES_512;
    /** Windows timed at once. */
    static final int W = I.length();
    private static final int LOG_W = Integer.numberOfTrailingZeros(W);
    /** Longs of the same vector size: a window's chunk mask per long lane. */
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED.vectorBitSize() <= 512
            ? LongVector.SPECIES_PREFERRED : LongVector.SPECIES_512;

    private final int lanes;
    private final int chunks;
    private final int ports;
    private final int empty;
    private final int overhead;
    private final int sh;
    /** [(lane * chunks + chunk) * W + window]: cost << 2 | last << 1 | nonEmpty. */
    private final int[] codes;
    private final int[] keys;
    private final int[] served;
    private final int[] index = new int[W];
    private final int[] iota = new int[W];
    private final int[] ends = new int[W];
    /** Per key's low bits q = lane * chunks + chunk: where the lane's keys begin, lane * W. */
    private final int[] laneRow;
    /** The taken lanes' q and their next keys in an event, one per window. */
    private final int[] taken = new int[W];
    private final int[] nexts = new int[W];
    /** Per long lane of {@link #putBand}: all ones where the window it holds counts (low and high halves), and the counts. */
    private final long[] countLow = new long[L.length()];
    private final long[] countHigh = new long[L.length()];
    private final long[] tally = new long[L.length()];
    /** The slot the window being handed in goes to ({@link #advance}). */
    private int slot;

    /** Windows of {@code lanes} lanes (the real ones: the others only ever hold empty chunks) of {@code chunks} chunks. */
    Isca2016WindowsSimd(Isca2016Profile p, int lanes, int chunks) {
        this.lanes = lanes;
        this.chunks = chunks;
        this.ports = p.nmPorts();
        this.empty = p.emptyChunkCycles();
        this.overhead = p.chunkOverheadCycles();
        this.sh = shift(lanes, chunks);
        this.codes = new int[lanes * chunks * W];
        this.keys = new int[lanes * W];
        this.served = new int[ports * W];
        for (int w = 0; w < W; w++) {
            iota[w] = w;
        }
        this.laneRow = new int[lanes * chunks];
        for (int q = 0; q < laneRow.length; q++) {
            laneRow[q] = q / chunks * W;
        }
        // every slot holds a well-formed window from the start: one left over from an earlier batch
        // is timed along with the others (and not counted), never read out of bounds
        for (int l = 0; l < lanes; l++) {
            for (int j = 0; j < chunks; j++) {
                for (int w = 0; w < W; w++) {
                    put(w, l, j, 0, false);
                }
            }
        }
    }

    /** The vector lane of window {@code w}: 2 w in the first half of the batch, 2 (w - W/2) + 1 in the second. */
    static int lane(int w) {
        int half = W / 2;
        return w < half ? 2 * w : 2 * (w - half) + 1;
    }

    private static int shift(int lanes, int chunks) {
        return 32 - Integer.numberOfLeadingZeros(lanes * chunks);
    }

    /**
     * True when every window of {@code lanes} lanes and {@code chunks} chunks, {@code passes}
     * filter passes run on each, keeps its keys in an int: a chunk's work is at most
     * {@code chunkValues * passes}, a lane's ready cycle at most its chunks' costs plus their
     * waits, and a wait at most {@code (lanes - 1) / nmPorts} (each lane has one request out at a
     * time, so fewer than {@code lanes} are ever ahead of it).
     */
    static boolean fits(Isca2016Profile p, int lanes, int chunks, int passes) {
        if ((long) lanes * chunks >= 1 << 24) {
            return false;
        }
        long cost = Math.max((long) p.chunkValues() * passes + p.chunkOverheadCycles(), p.emptyChunkCycles())
                + (lanes - 1) / p.nmPorts();
        long latest = chunks * cost + (long) p.pipelineLatency() * passes;
        return latest < (1L << (31 - shift(lanes, chunks))) - 1;
    }

    /**
     * The current slot's chunks of lane {@code lane} from the lane's stream of effectual bits
     * (rule 2: chunk j is bits j * chunkValues onwards, {@code lengths[j]} of them; Cnvlutin's work,
     * its effectual count times {@code passes}, rule 3). Returns the stream's effectual count.
     */
    int putStream(int lane, long[] stream, int chunkValues, int[] lengths, int passes) {
        int effectual = 0;
        int at = lane * chunks * W + lane(slot);
        // the whole stream in one word: chunk j is a shift and a mask
        boolean oneWord = chunks * chunkValues <= 64;
        for (int j = 0; j < chunks; j++, at += W) {
            long m = oneWord
                    ? (stream[0] >>> (j * chunkValues)) & mask(lengths[j])
                    : io.cnv2.hw.brick.Bits.get(stream, 0, j * chunkValues, lengths[j]);
            int n = Long.bitCount(m);
            effectual += n;
            // branch-free: whether a chunk is empty is a coin toss at high sparsity
            int reads = (int) ((m | -m) >>> 63);
            int cost = empty + ((n * passes + overhead - empty) & -reads);
            codes[at] = cost << 2 | (j == chunks - 1 ? 2 : 0) | reads;
        }
        return effectual;
    }

    /**
     * Where each chunk of a lane's stream lies in the kernel columns' fields of a banded lane plane
     * (Isca2016Chunks.LanePlanes): chunk j is the or of pieces {@code from[j] .. from[j + 1] - 1},
     * piece i taking {@code bits[i]} bits of the field at {@code offset[i]} (below) from bit
     * {@code right[i]}, placed at bit {@code left[i]} of the chunk.
     */
    record Pieces(int[] from, int[] right, int[] bits, int[] left, int[] offset) {
        /**
         * The pieces of a stream of {@code columns} fields of {@code width} bits cut into chunks of
         * {@code chunkValues}, read from a band phased by {@code stride} in rows of {@code bandWidth}
         * (Isca2016Chunks.LanePlanes.phase): piece i's field lies {@code offset[i]} longs after its
         * window's first column, {@code (d % stride) * bandWidth + d / stride}, d = field * dilation,
         * worked out here once per layer (two integer divisions a piece cost more than its vector work).
         */
        static Pieces of(int columns, int width, int chunkValues, int stride, int dilation, int bandWidth) {
            int length = columns * width;
            int chunks = (length + chunkValues - 1) / chunkValues;
            java.util.List<int[]> all = new java.util.ArrayList<>();
            int[] from = new int[chunks + 1];
            for (int j = 0; j < chunks; j++) {
                from[j] = all.size();
                int b0 = j * chunkValues;
                int b1 = Math.min(length, b0 + chunkValues);
                for (int o = b0 / width; o * width < b1; o++) {
                    int start = Math.max(b0, o * width);
                    int end = Math.min(b1, (o + 1) * width);
                    all.add(new int[] {o, start - o * width, end - start, start - b0});
                }
            }
            from[chunks] = all.size();
            int n = all.size();
            int[] right = new int[n];
            int[] bits = new int[n];
            int[] left = new int[n];
            int[] offset = new int[n];
            for (int i = 0; i < n; i++) {
                int d = all.get(i)[0] * dilation; // the piece's kernel column, times the dilation
                offset[i] = (d % stride) * bandWidth + d / stride;
                right[i] = all.get(i)[1];
                bits[i] = all.get(i)[2];
                left[i] = all.get(i)[3];
            }
            return new Pieces(from, right, bits, left, offset);
        }
    }

    /**
     * A whole batch at once: W consecutive windows of one output row, the first at output column
     * {@code ox}, of which the first {@code count} are the row's (the others read the band's
     * padding or the next lane's columns, are timed and not counted). Lane l's kernel column o of
     * the window at column x is the field at grid column {@code x * stride + o * dilation}, which
     * {@code phased} holds per lane and phase (the column mod stride) at
     * {@code (l * stride + phase) * width + column / stride}: then the W windows' fields of one
     * (lane, o) are W adjacent longs whatever the stride. For every lane and chunk the windows'
     * masks are two vectors of longs, one window per long lane, counted and coded together: what
     * {@link #putStream} does window by window. Returns the batch's effectual count.
     */
    long putBand(long[] phased, int width, int ox, int stride, Pieces pc, int passes, int count) {
        int n = L.length();
        for (int h = 0; h < n; h++) {
            countLow[h] = h < count ? -1L : 0;
            countHigh[h] = n + h < count ? -1L : 0;
        }
        java.util.Arrays.fill(tally, 0);
        for (int l = 0; l < lanes; l++) {
            for (int j = 0; j < chunks; j++) {
                chunkCodes(phased, (l * stride) * width + ox, pc, j, passes, (l * chunks + j) * W);
            }
        }
        long effectual = 0;
        for (long t : tally) {
            effectual += t;
        }
        return effectual;
    }

    /**
     * {@link #putBand}'s W windows of one lane's chunk j, from {@code first}: windows 0 .. n - 1 and
     * n .. 2n - 1 as two vectors of masks, their codes stored as one vector of ints (window w in
     * lane {@link #lane}(w)), the counted windows' effectual counts added to {@link #tally}.
     */
    private void chunkCodes(long[] phased, int first, Pieces pc, int j, int passes, int at) {
        int n = L.length();
        LongVector low = LongVector.zero(L);
        LongVector high = low;
        for (int i = pc.from()[j]; i < pc.from()[j + 1]; i++) {
            int f = first + pc.offset()[i];
            int right = pc.right()[i];
            long bits = mask(pc.bits()[i]);
            int left = pc.left()[i];
            low = low.or(LongVector.fromArray(L, phased, f).lanewise(VectorOperators.LSHR, right).and(bits)
                    .lanewise(VectorOperators.LSHL, left));
            high = high.or(LongVector.fromArray(L, phased, f + n).lanewise(VectorOperators.LSHR, right).and(bits)
                    .lanewise(VectorOperators.LSHL, left));
        }
        // set bits per long lane by halves, quarters, ... (no vector bit count in JDK 17's API), the
        // bytes summed by shifts, not a multiply (a 64-bit vector multiply needs AVX-512DQ); written
        // out for both vectors (C2 keeps them in registers only when no helper returns a vector)
        LongVector cl = low.sub(low.lanewise(VectorOperators.LSHR, 1).and(0x5555555555555555L));
        LongVector ch = high.sub(high.lanewise(VectorOperators.LSHR, 1).and(0x5555555555555555L));
        cl = cl.and(0x3333333333333333L).add(cl.lanewise(VectorOperators.LSHR, 2).and(0x3333333333333333L));
        ch = ch.and(0x3333333333333333L).add(ch.lanewise(VectorOperators.LSHR, 2).and(0x3333333333333333L));
        cl = cl.add(cl.lanewise(VectorOperators.LSHR, 4)).and(0x0f0f0f0f0f0f0f0fL);
        ch = ch.add(ch.lanewise(VectorOperators.LSHR, 4)).and(0x0f0f0f0f0f0f0f0fL);
        cl = cl.add(cl.lanewise(VectorOperators.LSHR, 8));
        ch = ch.add(ch.lanewise(VectorOperators.LSHR, 8));
        cl = cl.add(cl.lanewise(VectorOperators.LSHR, 16));
        ch = ch.add(ch.lanewise(VectorOperators.LSHR, 16));
        LongVector countLowV = cl.add(cl.lanewise(VectorOperators.LSHR, 32)).and(0x7fL);
        LongVector countHighV = ch.add(ch.lanewise(VectorOperators.LSHR, 32)).and(0x7fL);
        // rule 3 as putStream: cost = empty, or work + overhead when the chunk has a read
        LongVector readsLow = low.or(low.neg()).lanewise(VectorOperators.LSHR, 63);
        LongVector readsHigh = high.or(high.neg()).lanewise(VectorOperators.LSHR, 63);
        LongVector workLow = passes == 1 ? countLowV : countLowV.mul(passes);
        LongVector workHigh = passes == 1 ? countHighV : countHighV.mul(passes);
        long last = j == chunks - 1 ? 2 : 0;
        LongVector codeLow = workLow.add(overhead - empty).and(readsLow.neg()).add(empty)
                .lanewise(VectorOperators.LSHL, 2).or(readsLow.or(last));
        LongVector codeHigh = workHigh.add(overhead - empty).and(readsHigh.neg()).add(empty)
                .lanewise(VectorOperators.LSHL, 2).or(readsHigh.or(last));
        // codes are below 2^31: the two halves of a long lane hold window h (low) and n + h (high)
        codeLow.or(codeHigh.lanewise(VectorOperators.LSHL, 32)).reinterpretAsInts().intoArray(codes, at);
        LongVector.fromArray(L, tally, 0).add(countLowV.and(LongVector.fromArray(L, countLow, 0)))
                .add(countHighV.and(LongVector.fromArray(L, countHigh, 0))).intoArray(tally, 0);
    }

    private static long mask(int bits) {
        return bits == 64 ? -1L : (1L << bits) - 1;
    }

    /** Window {@code w}'s chunk {@code chunk} of lane {@code lane}: {@code work} cycles of multiplying, whether it holds an effectual value. */
    void put(int w, int lane, int chunk, long work, boolean nonEmpty) {
        int cost = nonEmpty ? (int) work + overhead : empty;
        codes[(lane * chunks + chunk) * W + lane(w)] = cost << 2 | (chunk == chunks - 1 ? 2 : 0) | (nonEmpty ? 1 : 0);
    }

    /** The slot the next window handed in goes to: 0 when no batch is under way. */
    int slot() {
        return slot;
    }

    /** The window at {@link #slot} is complete: true when that fills the batch (the next window starts a new one). */
    boolean advance() {
        if (++slot < W) {
            return false;
        }
        slot = 0;
        return true;
    }

    /** Forgets a batch under way: the next window goes to slot 0. Returns the windows it held. */
    int drop() {
        int count = slot;
        slot = 0;
        return count;
    }

    /**
     * The sum over windows 0 .. count - 1 of their cycles, at least {@code idle} each (the lanes
     * beyond {@code lanes}, all empty chunks), {@code latency} cycles after a last chunk that
     * holds an effectual value (rule 4).
     */
    long cycles(int count, int latency, long idle) {
        start();
        for (int e = lanes * chunks; e > 0; e--) {
            event(latency);
        }
        return sum(count, idle);
    }

    /**
     * {@link #cycles} of two batches of timers of the same lanes and chunks, their events taken in
     * turn: each event waits on the one before it in its batch (a chain of loads, minima, a gather
     * and stores), and the other batch's event fills that wait. Layer 1 of ResNet-18: 0.45 -> 0.33 ms
     * of events (issue #23).
     */
    static long cycles(Isca2016WindowsSimd a, int countA, Isca2016WindowsSimd b, int countB, int latency,
                       long idle) {
        a.start();
        b.start();
        for (int e = a.lanes * a.chunks; e > 0; e--) {
            a.event(latency);
            b.event(latency);
        }
        return a.sum(countA, idle) + b.sum(countB, idle);
    }

    /** Every lane at its first chunk, the memory idle. */
    private void start() {
        for (int l = 0; l < lanes; l++) {
            java.util.Arrays.fill(keys, l * W, (l + 1) * W, l * chunks);
        }
        // no request before the window: serve cycles far in the past
        java.util.Arrays.fill(served, Integer.MIN_VALUE / 2);
        java.util.Arrays.fill(ends, 0);
    }

    /** The cycles of windows 0 .. count - 1 once the events are done, at least {@code idle} each. */
    private long sum(int count, long idle) {
        long sum = 0;
        for (int w = 0; w < count; w++) {
            sum += Math.max(idle, ends[lane(w)]);
        }
        return sum;
    }

    /**
     * Every window's next event: the lane with the smallest key takes its chunk. A method of its
     * own that takes and keeps no vector, called once per event: on JDK 17 it is compiled by C2
     * after a few batches and stays compiled whatever tier its caller runs at (a vector loop inside
     * a long-running caller waits for an on-stack replacement, and until then runs the Vector
     * API's Java fallback, some fifty times slower).
     */
    private void event(int latency) {
        int sh = this.sh;
        int[] keys = this.keys;
        int[] served = this.served;
        int last = lanes * W;
        int top = (ports - 1) * W;
        // the smallest key of every window (two chains of minima for speed)
        IntVector m0 = IntVector.fromArray(I, keys, 0);
        IntVector m1 = m0;
        int k = W;
        for (; k + W < last; k += 2 * W) {
            m0 = m0.min(IntVector.fromArray(I, keys, k));
            m1 = m1.min(IntVector.fromArray(I, keys, k + W));
        }
        if (k < last) {
            m0 = m0.min(IntVector.fromArray(I, keys, k));
        }
        IntVector m = m0.min(m1);
        IntVector now = m.lanewise(VectorOperators.LSHR, sh);
        IntVector q = m.and((1 << sh) - 1);
        q.lanewise(VectorOperators.LSHL, LOG_W).add(IntVector.fromArray(I, iota, 0)).intoArray(index, 0);
        IntVector code = IntVector.fromArray(I, codes, 0, index, 0);
        // selections are lanewise bit arithmetic, a ^ ((a ^ b) & sel) with sel all ones or zero, not
        // VectorMask blends (issue #23: with the mask blends, C2 compiled this method in one JVM in two
        // such that its stores ran the Vector API's Java fallback, IntVector.stOp, a store per lane:
        // four times slower)
        IntVector reads = code.and(1).neg(); // all ones when the chunk issues a read
        IntVector ends = code.and(2).lanewise(VectorOperators.LSHR, 1).neg(); // all ones after a last chunk
        IntVector s = now.max(IntVector.fromArray(I, served, 0)).add(1);
        IntVector ready = now.add(code.lanewise(VectorOperators.LSHR, 2)).add(s.sub(now).sub(1).and(reads));
        for (int p = 0; p < top; p += W) {
            IntVector a = IntVector.fromArray(I, served, p);
            a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.XOR, IntVector.fromArray(I, served, p + W))
                    .and(reads)).intoArray(served, p);
        }
        IntVector latest = IntVector.fromArray(I, served, top);
        latest.lanewise(VectorOperators.XOR, latest.lanewise(VectorOperators.XOR, s).and(reads)).intoArray(served, top);
        IntVector.fromArray(I, this.ends, 0).max(ready.add(reads.and(latency)).and(ends)).intoArray(this.ends, 0);
        // the lane's next key, or never again after its last chunk
        IntVector after = ready.lanewise(VectorOperators.LSHL, sh).or(q.add(1));
        IntVector next = after.lanewise(VectorOperators.XOR, after.lanewise(VectorOperators.XOR, Integer.MAX_VALUE)
                .and(ends));
        // only the taken lane of each window gets the new key: sixteen scalar stores, not a vector pass
        // over every lane's keys (steadier across JVMs, and never in the slow mode described above)
        q.intoArray(taken, 0);
        next.intoArray(nexts, 0);
        for (int w = 0; w < W; w++) {
            keys[laneRow[taken[w]] + w] = nexts[w];
        }
    }
}
