package io.cnv2.hw.brick;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.Simd;
import io.cnv2.fixed.Affine;
import io.cnv2.fixed.Fixed;
import io.cnv2.fixed.IntType;
import io.cnv2.fixed.IntegerOutput;
import io.cnv2.hw.QLayer;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.Shape;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * OutputStage.putBlock (the fast paths' block of sums, [position][filter] with a stride, finished
 * into [filter][position]) against the rules applied one value at a time: CNV2-MODEL.md section 2
 * rules 3 to 5 ({@link Fixed#requantize}, {@link Fixed#saturate}) in dynamic fixed point, and
 * ONNX Runtime's requantisation ({@link IntegerOutput#finish}, {@code saturates}, {@code sum}) for
 * integer layers; with the Vector API and forced scalar, every shift 1..60 and every filter count
 * 1..40, chunks of positions past the vector path's, ties, negatives and saturation.
 */
class OutputStageBlockRulesTest {

    @AfterEach
    void vectorsBack() {
        Simd.forceScalar(false);
    }

    /** Sums as the kernel hands them: from an offset, stride at least the filter count. */
    private record Block(double[] sums, int from, int stride) {
        long sum(int p, int k) {
            return (long) sums[from + p * stride + k];
        }
    }

    private static ConvGeometry geometry(int channels, int positions, int filters) {
        return new ConvGeometry(channels, positions, 1, filters, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1);
    }

    /** Rules 3 to 5, one value at a time; the saturations in the last element. */
    private static short[] rule(QLayer layer, int bits, Block b, int positions, long[] saturations) {
        int filters = layer.geometry().filters();
        short[] out = new short[filters * positions];
        for (int k = 0; k < filters; k++) {
            long bias = layer.bias() == null ? 0
                    : Fixed.alignBias(layer.bias()[k], layer.biasFrac(), layer.accumulatorFrac());
            for (int p = 0; p < positions; p++) {
                long v = Fixed.requantize(b.sum(p, k), bits, bias, layer.accumulatorFrac(), layer.outputFrac());
                int c = Fixed.saturate(v);
                saturations[0] += c != v ? 1 : 0;
                out[k * positions + p] = (short) c;
            }
        }
        return out;
    }

    private static OutputStage blocks(QLayer layer, int bits, Block b, int positions, int per) {
        OutputStage stage = new OutputStage(layer, bits);
        int filters = layer.geometry().filters();
        // several blocks of at most `per` filters, as WindowSums hands them
        for (int k0 = 0; k0 < filters; k0 += per) {
            stage.putBlock(b.sums(), b.from() + k0, b.stride(), positions, k0, Math.min(per, filters - k0));
        }
        return stage;
    }

    @Test
    void requantisationRoundsHalfUpAndSaturatesForEveryShiftAndFilterCount() {
        Random r = new Random(23);
        long ties = 0;
        long saturated = 0;
        long negative = 0;
        for (boolean scalar : new boolean[] {false, true}) {
            Simd.forceScalar(scalar);
            for (int s = 1; s <= 60; s++) {
                for (int filters = 1; filters <= 40; filters++) {
                    int positions = 1 + r.nextInt(r.nextInt(8) == 0 ? 300 : 12);
                    int fa = r.nextInt(16);
                    int fw = r.nextInt(16);
                    int fo = fa + fw - s;
                    int channels = 1 + r.nextInt(4096);
                    short[] bias = new short[filters];
                    for (int k = 0; k < filters; k++) {
                        bias[k] = (short) (r.nextInt(65536) - 32768);
                    }
                    int fb = r.nextInt(2 * (fa + fw) + 1) - 2;
                    QLayer layer = new QLayer("l", geometry(channels, positions, filters),
                            new short[filters * channels], fw, r.nextBoolean() ? bias : null, fb, fa, fo);
                    int stride = filters + r.nextInt(5);
                    int from = r.nextInt(7);
                    double[] sums = new double[from + positions * stride];
                    double limit = Math.scalb((double) channels, 30); // |sum| <= fanIn * 2^30
                    for (int p = 0; p < positions; p++) {
                        for (int k = 0; k < filters; k++) {
                            // around the output's range (2^(s+15)), some far beyond it
                            double v = Math.rint(r.nextGaussian() * Math.scalb(1.0, s + 12 + r.nextInt(6)));
                            long x = (long) Math.max(-limit, Math.min(limit, v));
                            if (r.nextInt(4) == 0) {
                                long b = layer.bias() == null ? 0 : Fixed.alignBias(bias[k], fb, fa + fw);
                                long tie = ((x + b) >> s << s) + (1L << (s - 1)) - b; // sum + bias = n + 1/2
                                if (Math.abs(tie) <= limit) {
                                    x = tie;
                                    ties++;
                                }
                            }
                            negative += x < 0 ? 1 : 0;
                            sums[from + p * stride + k] = x;
                        }
                    }
                    Block b = new Block(sums, from, stride);
                    long[] sat = new long[1];
                    short[] expected = rule(layer, 48, b, positions, sat);
                    OutputStage stage = blocks(layer, 48, b, positions, 1 + r.nextInt(40));
                    Shape shape = new Shape(1, filters, positions, 1);
                    String what = "shift " + s + ", " + filters + " filters, " + positions + " positions, scalar " + scalar;
                    assertArrayEquals(expected, stage.tensor(shape).data(), what);
                    assertEquals(sat[0], stage.saturations(), what);
                    saturated += sat[0];
                }
            }
        }
        assertTrue(ties > 5000 && saturated > 5000 && negative > 50000,
                "ties " + ties + ", saturations " + saturated + ", negative sums " + negative);
    }

    /**
     * Rule 5 where a block of the vector path (16 positions x 4 filters) holds a single saturating
     * output among values in range, above or below, at every place in the block, or none: the block
     * is found, clamped and counted, its neighbours left as the rule has them.
     */
    @Test
    void aSingleSaturatedOutputOfABlockIsClampedAndCounted() {
        Random r = new Random(26);
        long single = 0;
        for (int trial = 0; trial < 800; trial++) {
            // every sum within the layer's reach, fanIn * 2^30 = 2^42, as the kernel's are: shifts to 26
            int s = 1 + r.nextInt(26);
            int filters = 4 * (1 + r.nextInt(12));
            int positions = 16 * (1 + r.nextInt(4)) + (trial % 3 == 0 ? r.nextInt(16) : 0);
            int fa = r.nextInt(16);
            int fw = r.nextInt(16);
            QLayer layer = new QLayer("l", geometry(4096, positions, filters), new short[filters * 4096], fw, null, 0,
                    fa, fa + fw - s);
            int stride = filters + r.nextInt(3);
            double[] sums = new double[positions * stride];
            for (int p = 0; p < positions; p++) {
                for (int k = 0; k < filters; k++) {
                    // well inside the output's range: |x * 2^-s| < 2^14
                    sums[p * stride + k] = Math.rint((r.nextDouble() - 0.5) * Math.scalb(1.0, s + 14));
                }
            }
            if (trial % 8 != 0) {
                int p = r.nextInt(positions);
                int k = r.nextInt(filters);
                // just past either end, or far past it
                double edge = Math.scalb(32768.0 + (r.nextBoolean() ? 1 : r.nextInt(1 << 15)), s);
                sums[p * stride + k] = r.nextBoolean() ? edge : -edge - Math.scalb(1.0, s);
                single++;
            }
            Block b = new Block(sums, 0, stride);
            long[] sat = new long[1];
            short[] expected = rule(layer, 48, b, positions, sat);
            OutputStage stage = blocks(layer, 48, b, positions, filters);
            String what = "trial " + trial + ", shift " + s + ", " + filters + " filters, " + positions + " positions";
            assertArrayEquals(expected, stage.tensor(new Shape(1, filters, positions, 1)).data(), what);
            assertEquals(sat[0], stage.saturations(), what);
            assertEquals(trial % 8 != 0 ? 1 : 0, sat[0], what);
        }
        assertTrue(single > 600);
    }

    @Test
    void requantisationFollowsTheRuleWhereTheDoublePathDoesNot() {
        // narrow accumulators (rule 3's wrap changes values), left shifts (s < 1), shifts past 60,
        // and 64-bit accumulators whose bias alone is past 2^51
        Random r = new Random(24);
        long wrapped = 0;
        for (boolean scalar : new boolean[] {false, true}) {
            Simd.forceScalar(scalar);
            for (int trial = 0; trial < 600; trial++) {
                int filters = 1 + r.nextInt(40);
                int positions = 1 + r.nextInt(200);
                int kind = trial % 4;
                int bits = kind == 0 ? 20 + r.nextInt(20) : kind == 3 ? 64 : 48;
                int fa = r.nextInt(16);
                int fw = r.nextInt(16);
                int s = kind == 1 ? -r.nextInt(10) : kind == 2 ? 61 + r.nextInt(10) : 1 + r.nextInt(30);
                int fb = kind == 3 ? -20 : r.nextInt(16);
                short[] bias = new short[filters];
                for (int k = 0; k < filters; k++) {
                    bias[k] = (short) (r.nextInt(65536) - 32768);
                }
                int channels = 1 + r.nextInt(600);
                QLayer layer = new QLayer("l", geometry(channels, positions, filters), new short[filters * channels],
                        fw, bias, fb, fa, fa + fw - s);
                int stride = filters + r.nextInt(3);
                double[] sums = new double[positions * stride];
                double limit = Math.scalb((double) channels, 30); // |sum| <= fanIn * 2^30, the kernel's sums
                for (int i = 0; i < sums.length; i++) {
                    sums[i] = Math.max(-limit, Math.min(limit, Math.rint(r.nextGaussian() * limit / 2)));
                    wrapped += bits < 48 && Math.abs(sums[i]) >= Math.scalb(1.0, bits - 1) ? 1 : 0;
                }
                Block b = new Block(sums, 0, stride);
                long[] sat = new long[1];
                short[] expected = rule(layer, bits, b, positions, sat);
                OutputStage stage = blocks(layer, bits, b, positions, 32);
                Shape shape = new Shape(1, filters, positions, 1);
                assertArrayEquals(expected, stage.tensor(shape).data(), "trial " + trial + ", kind " + kind);
                assertEquals(sat[0], stage.saturations(), "trial " + trial);
            }
        }
        assertTrue(wrapped > 1000, "wrapped sums " + wrapped);
    }

    @Test
    void integerLayersRequantiseAsOnnxRuntimeForEveryFilterCount() {
        Random r = new Random(25);
        IntType[] types = {IntType.UINT8, IntType.INT8, IntType.INT16, IntType.UINT16, IntType.INT4};
        long clampedHigh = 0;
        long clampedLow = 0;
        long ties = 0;
        for (boolean scalar : new boolean[] {false, true}) {
            Simd.forceScalar(scalar);
            for (int filters = 1; filters <= 40; filters++) {
                for (int trial = 0; trial < 6; trial++) {
                    int positions = 1 + r.nextInt(150);
                    int[] bias = new int[filters];
                    float[] multipliers = new float[filters];
                    for (int k = 0; k < filters; k++) {
                        bias[k] = r.nextInt(4000) - 2000;
                        multipliers[k] = (float) Math.scalb(0.5 + r.nextDouble(), -r.nextInt(20));
                    }
                    if (trial == 0) {
                        multipliers[0] = 0.5f; // odd sums give exact ties: round half to even
                    }
                    IntType type = types[r.nextInt(types.length)];
                    int zp = trial % 2 == 0 ? type.min() : type.min() + r.nextInt(type.max() - type.min() + 1);
                    IntegerOutput io = new IntegerOutput(new Affine(0.02f, 0, IntType.UINT8), bias, multipliers,
                            new Affine(0.05f, zp, type));
                    QLayer layer = QLayer.integer("q", geometry(16, positions, filters), new short[filters * 16], io);
                    int stride = filters + r.nextInt(4);
                    double[] sums = new double[positions * stride];
                    for (int i = 0; i < sums.length; i++) {
                        // past int32 now and then: ONNX's accumulator wraps
                        sums[i] = Math.rint(r.nextGaussian() * Math.scalb(1.0, r.nextInt(8) == 0 ? 33 : 4 + r.nextInt(24)));
                    }
                    Block b = new Block(sums, 0, stride);
                    short[] expected = new short[filters * positions];
                    long sat = 0;
                    for (int k = 0; k < filters; k++) {
                        for (int p = 0; p < positions; p++) {
                            long acc = b.sum(p, k);
                            int v = io.finish(acc, k);
                            sat += io.saturates(acc, k) ? 1 : 0;
                            clampedHigh += v == io.output().centredMax() ? 1 : 0;
                            clampedLow += v == io.output().centredMin() ? 1 : 0;
                            float f = (float) ((int) acc + bias[k]) * multipliers[k];
                            ties += f - Math.floor(f) == 0.5 ? 1 : 0;
                            expected[k * positions + p] = (short) v;
                        }
                    }
                    OutputStage stage = blocks(layer, 48, b, positions, 1 + r.nextInt(40));
                    Shape shape = new Shape(1, filters, positions, 1);
                    assertArrayEquals(expected, stage.tensor(shape).data(), filters + " filters, " + type);
                    assertEquals(sat, stage.saturations(), filters + " filters, " + type);
                }
            }
        }
        assertTrue(clampedHigh > 1000 && clampedLow > 1000 && ties > 50,
                "clamped high " + clampedHigh + ", low " + clampedLow + ", ties " + ties);
    }

    @Test
    void rawIntegerLayersHandOnTheInt32SumPlusBias() {
        Random r = new Random(26);
        for (int filters = 1; filters <= 40; filters++) {
            int positions = 1 + r.nextInt(100);
            IntegerOutput raw = IntegerOutput.raw(new Affine(0.02f, 0, IntType.UINT8), filters);
            for (int k = 0; k < filters; k++) {
                raw.bias()[k] = r.nextInt();
            }
            QLayer layer = QLayer.integer("raw", geometry(16, positions, filters), new short[filters * 16], raw);
            int stride = filters + r.nextInt(4);
            double[] sums = new double[positions * stride];
            for (int i = 0; i < sums.length; i++) {
                sums[i] = Math.rint(r.nextGaussian() * Math.scalb(1.0, 20 + r.nextInt(16)));
            }
            Block b = new Block(sums, 0, stride);
            int[] expected = new int[filters * positions];
            for (int k = 0; k < filters; k++) {
                for (int p = 0; p < positions; p++) {
                    expected[k * positions + p] = raw.sum(b.sum(p, k), k);
                }
            }
            OutputStage stage = blocks(layer, 48, b, positions, 1 + r.nextInt(40));
            assertArrayEquals(expected, stage.run(null, null).accumulators(), filters + " filters");
            assertEquals(0, stage.saturations());
        }
    }
}
