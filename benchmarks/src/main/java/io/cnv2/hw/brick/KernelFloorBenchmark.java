package io.cnv2.hw.brick;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What this machine allows an exact emulation (issue 23): how many double-precision vector FMAs a
 * nanosecond one core makes (a) with every operand in registers, the FMA units' own peak, which
 * bounds any dense kernel, and (b) in the shape of the sparse window-sum kernel, the engine's own
 * {@link WindowSumsSimd#tap}: one broadcast effectual activation times eight weight vectors of a
 * block, one weight vector loaded per FMA, the weights spread over {@code weightsKiB} (8: held in
 * L1; 48: a kernel row of 32 channels of 64 filters on AVX-512; 512: in L2) in runs of
 * {@code pairs} activations, layer1's typical run at 50 % zeros (three pixels of a 32-channel chunk).
 *
 * <p>A score is vector FMAs per nanosecond; times {@link #lanes()} it is exact products per
 * nanosecond (G a second). {@code FloorSummary} turns the two rates and a network's per-layer
 * effectual and dense products into the least time any kernel of these two shapes can take.
 * In the {@code io.cnv2.hw.brick} package (on the class path, beside the engine's) to time the
 * engine's kernel itself, not a copy.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g", "-XX:ObjectAlignmentInBytes=64", "-XX:PerMethodTrapLimit=100000",
        "-XX:+UseSerialGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
public class KernelFloorBenchmark {
    private static final VectorSpecies<Double> V = DoubleVector.SPECIES_PREFERRED;
    /** Register-only FMA rounds per invocation, each eight independent chains (latency 4 x two units). */
    private static final int ROUNDS = 4096;
    /** Effectual activations per invocation of the sparse shape. */
    private static final int PAIRS = 3072;

    private double seed;

    /** Exact products per vector FMA on this JVM (8 with AVX-512, 4 with AVX2). */
    public static int lanes() {
        return V.length();
    }

    /**
     * Products Winograd's kernels take for the layer, the fewer of F(2x2, 3x3)'s (16 a 2x2 tile per
     * channel and filter) and F(4x4, 3x3)'s (36 a 4x4 tile), tiles not rounded to register blocks,
     * by the engine's own rules of which layers they compute; -1 for a layer they do not.
     */
    public static long winogradProducts(io.cnv2.ir.ConvGeometry g) {
        if (!WinogradSums.suits(g)) {
            return -1;
        }
        long f2 = 16L * WinogradSums.tilesY(g) * WinogradSums.tilesX(g) * g.channelsPerGroup() * g.filters();
        long f4 = 36L * Winograd4Sums.tilesY(g) * Winograd4Sums.tilesX(g) * g.channelsPerGroup() * g.filters();
        return Winograd4Sums.suits(g) ? Math.min(f2, f4) : f2;
    }

    /** The sparse shape's activations and weights: the weights over {@code weightsKiB}, runs of {@code pairs}. */
    @State(Scope.Thread)
    public static class Sparse {
        @Param({"8", "48", "512"})
        public int weightsKiB;

        @Param({"48"})
        public int pairs;

        double[] values;
        int[] codes;
        double[] weights;
        double[] acc;

        @Setup
        public void setUp() {
            if (!io.cnv2.Simd.enabled() || WindowSums.NB != WindowSumsSimd.BLOCK) {
                throw new IllegalStateException("the Vector API is off in this JVM: nothing to measure");
            }
            if (PAIRS % pairs != 0) {
                throw new IllegalStateException("pairs must divide " + PAIRS + ": " + pairs);
            }
            Random r = new Random(23);
            int block = WindowSumsSimd.BLOCK;
            int blocks = Math.max(1, weightsKiB * 1024 / (block * Double.BYTES));
            values = new double[PAIRS];
            codes = new int[PAIRS];
            for (int i = 0; i < PAIRS; i++) {
                values[i] = r.nextInt(1 << 12);
                codes[i] = r.nextInt(blocks) * block;
            }
            // the engine's layout: PAD doubles first, so that with 64-byte object alignment each block starts a line
            weights = new double[WindowSums.PAD + blocks * block];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = r.nextInt(1 << 12) - (1 << 11);
            }
            acc = new double[WindowSums.PAD + (PAIRS / pairs) * block];
        }
    }

    @Setup
    public void setUp() {
        seed = new Random(23).nextDouble();
    }

    /** The FMA units' peak: eight independent chains, nothing loaded. */
    @Benchmark
    @OperationsPerInvocation(8 * ROUNDS)
    public double fmaRegisters() {
        DoubleVector m = DoubleVector.broadcast(V, 0.9999999);
        DoubleVector b = DoubleVector.broadcast(V, seed * 1e-7);
        DoubleVector a0 = DoubleVector.broadcast(V, 1);
        DoubleVector a1 = DoubleVector.broadcast(V, 2);
        DoubleVector a2 = DoubleVector.broadcast(V, 3);
        DoubleVector a3 = DoubleVector.broadcast(V, 4);
        DoubleVector a4 = DoubleVector.broadcast(V, 5);
        DoubleVector a5 = DoubleVector.broadcast(V, 6);
        DoubleVector a6 = DoubleVector.broadcast(V, 7);
        DoubleVector a7 = DoubleVector.broadcast(V, 8);
        for (int i = 0; i < ROUNDS; i++) {
            a0 = a0.fma(m, b);
            a1 = a1.fma(m, b);
            a2 = a2.fma(m, b);
            a3 = a3.fma(m, b);
            a4 = a4.fma(m, b);
            a5 = a5.fma(m, b);
            a6 = a6.fma(m, b);
            a7 = a7.fma(m, b);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
    }

    /** The sparse kernel's shape: eight FMAs per effectual activation, each with its own weight vector. */
    @Benchmark
    @OperationsPerInvocation(8 * PAIRS)
    public double sparseTap(Sparse s) {
        int block = WindowSumsSimd.BLOCK;
        for (int j = 0, o = WindowSums.PAD; j < PAIRS; j += s.pairs, o += block) {
            WindowSumsSimd.tap(s.values, s.codes, j, j + s.pairs, s.weights, WindowSums.PAD, s.acc, o);
        }
        return s.acc[WindowSums.PAD];
    }
}
