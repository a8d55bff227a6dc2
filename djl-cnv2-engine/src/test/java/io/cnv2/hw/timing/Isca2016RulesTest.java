package io.cnv2.hw.timing;

import io.cnv2.hw.Accelerators;
import io.cnv2.hw.LayerRun;
import io.cnv2.hw.LayerStats;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.RandomLayers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.BadInputException;
import io.cnv2.config.Isca2016Profile;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.QTensor;
import io.cnv2.hw.timing.NmQueue;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.Shape;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The rules of the isca2016 timing profile (CNV2-MODEL.md section 4a), one test per rule, with
 * hand-worked layers, and the randomised proof that the cycle-by-cycle reference and the fast path
 * agree bit for bit and cycle for cycle for DaDN, CNV and CNV2.
 */
class Isca2016RulesTest {
    private static final MachineConfig M = MachineConfig.DEFAULT;
    private static final RunConfig ISCA = RunConfig.DEFAULT;
    private static final List<String> ENCODINGS = List.of("raw", "zfnaf", "roe", "viai", "compressed-viai",
            "compressed-zfnaf");

    /** A layer of all-one weights over a C x H x W input that is zero except where {@link #set} puts a 1. */
    private record Layer(ConvGeometry g, short[] input) {
        Layer(int c, int h, int w, int k, int kernel) {
            this(new ConvGeometry(c, h, w, k, kernel, kernel, 1, 1, 0, 0, 0, 0, 1, 1, 1), new short[c * h * w]);
        }

        /** Entry i of lane l's stream (S = C' / 16 channels per lane, kernel column outermost) of window (0, 0) made 1. */
        Layer set(int lane, int i) {
            int slice = (g.channels() + 15) / 16;
            int position = i / slice;
            int ky = position % g.kernelY();
            int kx = position / g.kernelY();
            int c = lane * slice + i % slice;
            input[(c * g.height() + ky) * g.width() + kx] = 1;
            return this;
        }

        /** {@code count} entries of lane l's chunk j (16 entries each) set. */
        Layer chunk(int lane, int j, int count) {
            for (int i = 0; i < count; i++) {
                set(lane, j * 16 + i);
            }
            return this;
        }

        QLayer layer() {
            short[] w = new short[g.filters() * g.channelsPerGroup() * g.kernelY() * g.kernelX()];
            java.util.Arrays.fill(w, (short) 1);
            return new QLayer("l", g, w, 0, null, 0, 0, 0);
        }

        QTensor tensor() {
            return new QTensor(new Shape(1, g.channels(), g.height(), g.width()), input, 0);
        }
    }

    private static LayerStats cycles(String arch, RunConfig run, Layer l) {
        RunConfig r = run.withArch(arch);
        LayerRun fast = Accelerators.create(r, M).run(l.layer(), l.tensor());
        LayerRun ref = Accelerators.create(r.withImplementation("reference"), M).run(l.layer(), l.tensor());
        assertEquals(ref.output(), fast.output(), arch + " outputs");
        assertEquals(ref.stats(), fast.stats(), arch + " statistics");
        return fast.stats();
    }

    @Test
    void workedExampleOfSection4aCnvTakes23CyclesAndDadn32() {
        // C = 32 (S = 2 channels per lane, streams of 18 entries: chunks of 16 and 2), 3x3, K = 16 (G = 1);
        // lanes 0, 1, 2 hold (5, 2), (3, 0), (7, 1) effectual values; position 0 holds six of them, so the
        // ideal profile's first step costs 6 and its last 3
        Layer l = new Layer(32, 3, 3, 16, 3);
        for (int lane = 0; lane < 3; lane++) {
            l.set(lane, 0).set(lane, 1);
        }
        l.set(0, 4).set(0, 6).set(0, 8).set(0, 16).set(0, 17);
        l.set(1, 2);
        for (int i = 2; i <= 6; i++) {
            l.set(2, 2 * i);
        }
        l.set(2, 16);
        assertEquals(23, cycles("cnv", ISCA, l).cycles(), "lane 2: (7 + 3 + 1 wait) + (1 + 3) + 8");
        assertEquals(32, cycles("dadn", ISCA, l).cycles(), "288 values: (16 + 3) + (2 + 3) + 8");
        assertEquals(32, cycles("cnv", ISCA, l).baselineCycles(), "the speedup is over DaDN under the same profile");
        RunConfig ideal = ISCA.withTiming("ideal");
        assertEquals(18, cycles("dadn", ideal, l).cycles());
        assertEquals(9, cycles("cnv", ideal, l).cycles());
    }

    @Test
    void memoryServesTwoRequestsPerCycleSoLanesStartStaggered() {
        // C = 256, 1x1: every lane owns one brick, one chunk; one effectual value each: lane l waits l / 2
        Layer l = new Layer(256, 1, 1, 16, 1);
        for (int lane = 0; lane < 16; lane++) {
            l.set(lane, lane);
        }
        assertEquals(1 + 3 + 7 + 8, cycles("cnv", ISCA, l).cycles(), "lane 15 waits 7 cycles");
        assertEquals(16 + 3 + 8, cycles("dadn", ISCA, l).cycles());
        Layer two = new Layer(256, 1, 1, 16, 1).set(0, 0).set(1, 0).set(2, 0);
        assertEquals(1 + 3 + 1 + 8, cycles("cnv", ISCA, two).cycles(), "the third request waits one cycle");
        RunConfig four = ISCA.withIsca2016(withPorts(4));
        assertEquals(1 + 3 + 3 + 8, cycles("cnv", four, l).cycles(), "nmPorts 4: lane 15 waits 3");
    }

    @Test
    void queueServesFirstInFirstOutAtMostPortsPerCycle() {
        NmQueue q = new NmQueue(2);
        q.reset();
        assertEquals(1, q.serve(0));
        assertEquals(1, q.serve(0));
        assertEquals(2, q.serve(0));
        assertEquals(2, q.serve(1));
        assertEquals(3, q.serve(1), "two already served in cycle 2");
        assertEquals(11, q.serve(10), "an idle memory serves the cycle after the issue");
    }

    @Test
    void anEmptyLastChunkCostsTwoCyclesAndNoPipelineLatency() {
        // C = 32, 3x3: streams of chunks 16 + 2; lane 0 has 4 values in its first chunk only
        Layer l = new Layer(32, 3, 3, 16, 3).chunk(0, 0, 4);
        assertEquals(4 + 3 + 2, cycles("cnv", ISCA, l).cycles());
        Layer last = new Layer(32, 3, 3, 16, 3).set(0, 17);
        assertEquals(2 + (1 + 3) + 8, cycles("cnv", ISCA, last).cycles(), "an empty then a non-empty chunk");
        Layer none = new Layer(32, 3, 3, 16, 3);
        assertEquals(2 + 2, cycles("cnv", ISCA, none).cycles(), "a window of zeros: every lane drops two chunks");
    }

    @Test
    void twoFilterPassesRunBackToBackOnEachChunk() {
        // K = 300: G = 2; C = 16, 1x1: one entry per lane stream
        Layer l = new Layer(16, 1, 1, 300, 1).set(0, 0);
        assertEquals(1 * 2 + 3 + 8 * 2, cycles("cnv", ISCA, l).cycles());
        assertEquals(1 * 2 + 3 + 8 * 2, cycles("dadn", ISCA, l).cycles(), "16 values: floor(16 / 16) G + 3 + 8 G");
        RunConfig outer = ISCA.withIsca2016(new Isca2016Profile("channel-slices", "kx-ky-c", 16, 3, 2, "outer", 8, 2,
                "memory-tiles-lanes", "packed-256"));
        assertEquals(2 * (1 + 3 + 8), cycles("cnv", outer, l).cycles(), "passes outer: two sweeps");
        assertEquals(2 * (1 + 3 + 8), cycles("dadn", outer, l).cycles());
    }

    @Test
    void threeChannelsArePaddedToSixteenSoLanesThreeToFifteenIdle() {
        // C = 3: lanes 0-2 own one channel each, streams of 9 entries; DaDN packs 27 real values
        Layer l = new Layer(3, 3, 3, 16, 3);
        for (int lane = 0; lane < 3; lane++) {
            for (int i = 0; i < 9; i++) {
                l.set(lane, i);
            }
        }
        assertEquals(9 + 3 + 1 + 8, cycles("cnv", ISCA, l).cycles(), "lane 2 waits for the second port cycle");
        assertEquals(1 + 3 + 8, cycles("dadn", ISCA, l).cycles(), "floor(27 / 16) + 3 + 8");
        assertTrue(cycles("cnv", ISCA, l).speedup() < 1, "the authors' design loses on a 3-channel layer");
    }

    @Test
    void aOneByOneLayerCostsEachWindowItsSlowestLane() {
        // C = 64 (S = 4), 1x1, two windows, all values effectual: 16 non-empty lanes per window
        Layer l = new Layer(64, 2, 1, 16, 1);
        java.util.Arrays.fill(l.input(), (short) 1);
        assertEquals(2 * (4 + 3 + 7 + 8), cycles("cnv", ISCA, l).cycles());
        assertEquals(2 * (4 + 3 + 8), cycles("dadn", ISCA, l).cycles());
    }

    @Test
    void aFullyConnectedLayerIsOneWindowOfOneByOne() {
        ConvGeometry g = ConvGeometry.fullyConnected(32, 10);
        short[] in = new short[32];
        in[0] = in[1] = 1; // lane 0: 2 values
        in[10] = 1; // lane 5: 1 value
        in[18] = in[19] = 1; // lane 9: 2 values, third request: waits 1
        short[] w = new short[320];
        java.util.Arrays.fill(w, (short) 1);
        QLayer layer = new QLayer("fc", g, w, 0, null, 0, 0, 0);
        QTensor t = new QTensor(new Shape(1, 32), in, 0);
        for (String impl : List.of("fast", "reference")) {
            RunConfig r = ISCA.withArch("cnv").withImplementation(impl);
            assertEquals(2 + 3 + 1 + 8, Accelerators.create(r, M).run(layer, t).stats().cycles(), impl);
            assertEquals(2 + 3 + 8, Accelerators.create(r.withArch("dadn"), M).run(layer, t).stats().cycles(), impl);
        }
    }

    @Test
    void filterLanesChunkWorkIsTheBusiestFilterLanesEffectualValuesWithNonZeroWeights() {
        // one lane, one chunk of 4 effectual values; filter 0 has zero weights at two of them, filter 1 at all four
        Layer l = new Layer(64, 1, 1, 2, 1).set(0, 0).set(0, 1).set(0, 2).set(0, 3);
        QLayer layer = l.layer();
        layer.weights()[0] = 0;
        layer.weights()[1] = 0;
        for (int c = 0; c < 4; c++) {
            layer.weights()[64 + c] = 0;
        }
        for (String impl : List.of("fast", "reference")) {
            RunConfig r = ISCA.withArch("cnv2").withImplementation(impl);
            assertEquals(2 + 3 + 8, Accelerators.create(r, M).run(layer, l.tensor()).stats().cycles(), impl);
            assertEquals(4 + 3 + 8, Accelerators.create(r.withCnv2("zfnaf", "output", "none"), M)
                    .run(layer, l.tensor()).stats().cycles(), impl + " without weight skipping");
        }
    }

    @Test
    void streamOrderDecidesWhichValuesShareAChunk() {
        // C = 16 (S = 1), 5x5 kernel: lane 0's stream is 25 entries, chunks of 16 + 9. Column-major, the first 16
        // entries are kernel columns 0-2 (and one of column 3); row-major, rows 0-2. Effectual: kernel row 0 only.
        Layer l = new Layer(16, 5, 5, 16, 5);
        for (int kx = 0; kx < 5; kx++) {
            l.input()[kx] = 1; // channel 0, y 0, x = kx
        }
        // kx-ky-c: row 0 is entries 0, 5, 10, 15 (chunk 0) and 20 (chunk 1): (4 + 3) + (1 + 3) + 8
        assertEquals(4 + 3 + 1 + 3 + 8, cycles("cnv", ISCA, l).cycles());
        RunConfig rows = ISCA.withIsca2016(new Isca2016Profile("channel-slices", "ky-kx-c", 16, 3, 2, "inner", 8, 2,
                "memory-tiles-lanes", "packed-256"));
        assertEquals(5 + 3 + 2, cycles("cnv", rows, l).cycles(), "ky-kx-c: row 0 is entries 0-4, chunk 1 empty");
    }

    @Test
    void lookaheadIsRefusedUnderIsca2016ByName() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> ISCA.withArch("cnv2").withCnv2("zfnaf", "output", "lookahead"));
        assertTrue(e.getMessage().contains("--timing ideal"), e.getMessage());
        assertEquals("lookahead(2,5,T)", ISCA.withTiming("ideal").withArch("cnv2").withCnv2("zfnaf", "output",
                "lookahead").weightSkip());
    }

    @Test
    void referenceAndFastAgreeOnRandomLayersForEveryDesignEncodingAndWeightSkip() {
        Random r = new Random(2016);
        int slower = 0;
        int faster = 0;
        int[] met = new int[5]; // C = 3, C not a multiple of 16, depthwise, stride 2 with padding, K above 256
        for (int i = 0; i < 540; i++) {
            double sparsity = i % 10 == 9 ? 0.99 : i % 10 / 10.0;
            RandomLayers.Case c = RandomLayers.next(r, i, sparsity);
            if (i % 4 == 1) {
                c = prune(r, c, r.nextDouble() * 0.9);
            }
            String arch = List.of("dadn", "cnv", "cnv2").get(i % 3);
            double t = i % 3 == 0 ? 0 : r.nextDouble() * Math.scalb(3000.0, -c.layer().inputFrac());
            RunConfig run = ISCA.withArch(arch).withThresholds(t, null)
                    .withCnv2(ENCODINGS.get(i % ENCODINGS.size()), r.nextBoolean() ? "output" : "fetch",
                            r.nextBoolean() ? "none" : "filter-lanes");
            if (i % 7 == 3) {
                run = run.withIsca2016(new Isca2016Profile("channel-slices", r.nextBoolean() ? "kx-ky-c" : "ky-kx-c",
                        4 + r.nextInt(40), 2 + r.nextInt(4), 1 + r.nextInt(3), r.nextBoolean() ? "inner" : "outer",
                        r.nextInt(10), 1 + r.nextInt(3), "memory-tiles-lanes", "packed-" + (16 + r.nextInt(300))));
            }
            LayerRun ref = Accelerators.create(run.withImplementation("reference"), M).run(c.layer(), c.input());
            LayerRun fast = Accelerators.create(run, M).run(c.layer(), c.input());
            String what = "case " + i + " " + arch + " " + c.layer().geometry() + " " + run.encoding() + " "
                    + run.weightSkip() + " " + run.isca2016();
            assertEquals(ref.output(), fast.output(), what);
            assertEquals(ref.stats(), fast.stats(), what);
            if (!arch.equals("dadn") && t == 0) {
                LayerRun dense = Accelerators.create(run.withArch("dadn"), M).run(c.layer(), c.input());
                assertEquals(dense.output(), fast.output(), "threshold 0: the dense baseline's bits, " + what);
            }
            slower += fast.stats().speedup() < 1 ? 1 : 0;
            faster += fast.stats().speedup() > 1 ? 1 : 0;
            ConvGeometry g = c.layer().geometry();
            met[0] += g.channelsPerGroup() == 3 ? 1 : 0;
            met[1] += g.channelsPerGroup() % 16 != 0 ? 1 : 0;
            met[2] += g.groups() > 1 && g.channelsPerGroup() == 1 ? 1 : 0;
            met[3] += g.strideY() == 2 && g.padTop() + g.padLeft() + g.padBottom() + g.padRight() > 0 ? 1 : 0;
            met[4] += g.filtersPerGroup() > 256 ? 1 : 0;
        }
        assertTrue(slower > 10 && faster > 10, "both slower and faster layers met: " + slower + ", " + faster);
        for (int m : met) {
            assertTrue(m >= 5, "every kind of layer the rules single out is met: " + java.util.Arrays.toString(met));
        }
    }

    /**
     * Rows of at least 16 output columns are timed a batch of windows at a time, straight from the
     * lane planes' band (Isca2016WindowsSimd.putBand, by phase for strides above 1): wide random
     * layers with strides 1 to 3, dilations 1 and 2, kernels up to 7 wide, slices whose kernel
     * columns fit a 64-bit field or not, against the cycle-by-cycle reference, CNV and CNV2. The
     * random layers above are narrower than a batch.
     */
    @Test
    void wideRowsTimedABatchAtATimeAgreeWithTheReference() {
        Random r = new Random(1605);
        int banded = 0;
        for (int i = 0; i < 48; i++) {
            // case 0: every value effectual in chunks of 64 (a full chunk's work is 64, not 0)
            int c = i == 0 ? 128 : 1 + r.nextInt(i % 4 == 0 ? 200 : 70);
            int ky = i == 0 ? 3 : 1 + r.nextInt(7);
            int kx = i == 0 ? 3 : 1 + r.nextInt(7);
            int stride = i == 0 ? 1 : 1 + r.nextInt(3);
            int dil = i == 0 ? 1 : 1 + r.nextInt(2);
            int pl = r.nextInt(3);
            int pr = r.nextInt(3);
            int pt = r.nextInt(2);
            int outX = 16 + r.nextInt(40);
            int outY = 1 + r.nextInt(3);
            int w = Math.max(1, (outX - 1) * stride + (kx - 1) * dil + 1 - pl - pr);
            int h = Math.max(1, (outY - 1) * stride + (ky - 1) * dil + 1 - pt);
            int k = r.nextInt(5) == 0 ? 257 + r.nextInt(40) : 1 + r.nextInt(40);
            ConvGeometry g = new ConvGeometry(c, h, w, k, ky, kx, stride, stride, pt, pl, 0, pr, dil, dil, 1);
            short[] weights = new short[k * c * ky * kx];
            RandomLayers.fill(r, weights, r.nextDouble() * 0.5);
            short[] act = new short[c * h * w];
            RandomLayers.fill(r, act, i % 8 == 7 || i == 0 ? 0 : r.nextDouble());
            QLayer layer = new QLayer("wide" + i, g, weights, 8, null, 0, 8, 6);
            QTensor input = new QTensor(new Shape(1, c, h, w), act, 8);
            String arch = i % 2 == 0 ? "cnv" : "cnv2";
            double t = r.nextBoolean() || i == 0 ? 0 : r.nextDouble() * Math.scalb(3000.0, -8);
            RunConfig run = ISCA.withArch(arch).withThresholds(t, null)
                    .withCnv2("zfnaf", "output", r.nextInt(4) == 0 && i > 0 ? "filter-lanes" : "none");
            if (i == 0) {
                run = run.withIsca2016(new Isca2016Profile("channel-slices", "kx-ky-c", 64, 3, 2, "inner", 8, 2,
                        "memory-tiles-lanes", "packed-256"));
            } else if (i % 3 == 2) {
                // chunks of up to 64 values (a full one counts 64), other costs and ports
                run = run.withIsca2016(new Isca2016Profile("channel-slices", "kx-ky-c", r.nextBoolean() ? 64
                        : 4 + r.nextInt(60), 2 + r.nextInt(4), 1 + r.nextInt(3), "inner", r.nextInt(10),
                        1 + r.nextInt(3), "memory-tiles-lanes", "packed-256"));
            }
            LayerRun ref = Accelerators.create(run.withImplementation("reference"), M).run(layer, input);
            LayerRun fast = Accelerators.create(run, M).run(layer, input);
            String what = "case " + i + " " + arch + " " + g + " " + run.weightSkip();
            assertEquals(ref.output(), fast.output(), what);
            assertEquals(ref.stats(), fast.stats(), what);
            int slice = (c + 15) / 16;
            banded += g.outX() >= 16 && ky * slice <= 64 && dil == 1 ? 1 : 0;
        }
        assertTrue(banded >= 20, "layers timed from the band: " + banded);
    }

    /** {@code c} with a fraction of its weights set to zero at random. */
    private static RandomLayers.Case prune(Random r, RandomLayers.Case c, double fraction) {
        short[] w = c.layer().weights().clone();
        for (int i = 0; i < w.length; i++) {
            if (r.nextDouble() < fraction) {
                w[i] = 0;
            }
        }
        QLayer l = c.layer();
        return new RandomLayers.Case(new QLayer(l.name(), l.geometry(), w, l.weightFrac(), l.bias(), l.biasFrac(),
                l.inputFrac(), l.outputFrac()), c.input());
    }

    private static Isca2016Profile withPorts(int ports) {
        Isca2016Profile d = Isca2016Profile.DEFAULT;
        return new Isca2016Profile(d.laneStreams(), d.streamOrder(), d.chunkValues(), d.chunkOverheadCycles(),
                d.emptyChunkCycles(), d.filterPassOrder(), d.pipelineLatency(), ports, d.sameCycleOrder(), d.dadnLayout());
    }
}
