package io.cnv2.hw.brick;

import io.cnv2.hw.QLayer;

import io.cnv2.fixed.Fixed;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.Shape;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * What every accelerator model does once a filter's sum over its window is complete
 * (CNV2-MODEL.md section 2, rules 3 to 5): wrap to the accumulator width, add the bias aligned
 * to fa + fw fraction bits, shift to the output format with round half up, saturate to 16 bits.
 * Shared by the reference and fast paths of every model so they cannot differ here.
 */
public final class OutputStage implements WindowSums.Sink {
    /**
     * A layer's output-stage constants, built once per layer and accumulator width (as
     * {@link WindowSums} keeps its packed weights): a layer is run once per image, and these
     * depend only on its bias and formats, which a QLayer never changes.
     */
    private static final Map<QLayer, Constants> CONSTANTS = Collections.synchronizedMap(new WeakHashMap<>());

    private final QLayer layer;
    private final int accumulatorBits;
    /** Per filter, the bias aligned to fa + fw fraction bits (rule 4); null for an integer layer. */
    private final long[] alignedBias;
    private final int faw;
    private final int fo;
    private final short[] out;
    private final Constants constants;
    /** A quantised model's output rule, or null in dynamic fixed point. */
    private final io.cnv2.fixed.IntegerOutput integer;
    /** The int32 sums of a raw integer layer (ConvInteger, MatMulInteger), else null. */
    private final int[] wide;
    private long saturations;

    /**
     * @param alignedBias per filter, rule 4's aligned bias
     * @param wrapFree    no sum of the layer plus its bias can leave the accumulator's range, so
     *                    wrapping (rule 3) never changes a value: |sum| <= fanIn * 2^30 (16-bit products)
     * @param biasHalf    per filter, alignedBias * 2^-s + 2^-(s+1), when the double path of
     *                    {@link #putBlock} is exact for the layer (see there), else null
     */
    private record Constants(int accumulatorBits, long[] alignedBias, boolean wrapFree, double[] biasHalf) {
        static Constants of(QLayer layer, int accumulatorBits) {
            int k = layer.geometry().filters();
            long[] aligned = new long[k];
            double most = 0; // in double: |Long.MIN_VALUE| is not a long
            if (layer.bias() != null) {
                for (int i = 0; i < k; i++) {
                    aligned[i] = Fixed.alignBias(layer.bias()[i], layer.biasFrac(), layer.accumulatorFrac());
                    most = Math.max(most, Math.abs((double) aligned[i]));
                }
            }
            double reach = Math.scalb((double) layer.fanIn(), 30) + most;
            boolean wrapFree = accumulatorBits >= 64 || reach < Math.scalb(1.0, accumulatorBits - 1);
            int s = layer.accumulatorFrac() - layer.outputFrac();
            double[] biasHalf = null;
            // the double path needs |sum + bias| < 2^51 (putBlock), whatever the accumulator's width
            if (wrapFree && s >= 1 && s <= 60 && reach < Math.scalb(1.0, 51)) {
                biasHalf = new double[k];
                for (int i = 0; i < k; i++) {
                    // exact: |bias| < 2^51, so (2 bias + 1) * 2^-(s+1) has at most 53 significant bits
                    biasHalf[i] = Math.scalb((double) aligned[i], -s) + Math.scalb(1.0, -(s + 1));
                }
            }
            return new Constants(accumulatorBits, aligned, wrapFree, biasHalf);
        }
    }

    /**
     * OutputStageSimd's chunk of results: the thread's buffer, fetched once per stage (a stage
     * finishes one layer on one thread), not once per block.
     */
    private long[] chunkBuffer;

    public OutputStage(QLayer layer, int accumulatorBits) {
        this.layer = layer;
        this.integer = layer.integer();
        this.accumulatorBits = accumulatorBits;
        var g = layer.geometry();
        this.faw = layer.accumulatorFrac();
        this.fo = layer.outputFrac();
        this.out = new short[g.filters() * g.outY() * g.outX()];
        this.wide = integer != null && integer.isRaw() ? new int[out.length] : null;
        if (integer != null) {
            // an integer layer's rule is IntegerOutput's: no aligned bias (and a dynamic input makes a
            // new QLayer per sample, which a cache would only collect)
            this.constants = null;
            this.alignedBias = null;
        } else {
            Constants c = CONSTANTS.get(layer);
            if (c == null || c.accumulatorBits() != accumulatorBits) {
                c = Constants.of(layer, accumulatorBits);
                CONSTANTS.put(layer, c);
            }
            this.constants = c;
            this.alignedBias = c.alignedBias();
        }
    }

    /** Finishes output (k, oy, ox) from its exact (or already wrapped) accumulator value. */
    public void finish(int k, int oy, int ox, long acc) {
        var g = layer.geometry();
        put((k * g.outY() + oy) * g.outX() + ox, k, acc);
    }

    /** Finishes output {@code index = (k * Oy + oy) * Ox + ox} of filter k. */
    @Override
    public void put(int index, int k, long acc) {
        if (wide != null) {
            wide[index] = integer.sum(acc, k); // ConvInteger, MatMulInteger: the int32 sum goes to the host
            return;
        }
        if (integer != null) {
            // a quantised model's layer: ONNX Runtime's requantisation, the result centred (IntegerOutput)
            saturations += integer.saturates(acc, k) ? 1 : 0;
            out[index] = (short) integer.finish(acc, k);
            return;
        }
        long v = Fixed.requantize(acc, accumulatorBits, alignedBias[k], faw, fo);
        int s = Fixed.saturate(v);
        saturations += s != v ? 1 : 0;
        out[index] = (short) s;
    }

    /**
     * Finishes a block of the fast path's sums (see {@link WindowSums.Sink#putBlock}) by the
     * same rules as {@link #put}, filter by filter along the output's [filter][position] order
     * (or, with the Vector API, a chunk of positions at a time, transposed in L1: OutputStageSimd),
     * every constant hoisted out of the loops.
     *
     * <p>The vector path works in double arithmetic, which is exact here and gives the same bits:
     * when the layer's sums and biases cannot reach the accumulator's range ({@code wrapFree})
     * the wraps of rule 3 are identities; x = sum + bias is an integer with |x| < 2^51 (checked
     * per layer: fanIn * 2^30 + max |bias|); z = sum * 2^-s + (bias * 2^-s + 2^-(s+1)) =
     * (2x + 1) * 2^-(s+1) exactly, in one fused multiply-add (the constant is exact, see
     * Constants); and floor(x * 2^-s + 1/2), rule 5's round half up, equals rint(z), since z
     * is never a tie for s >= 1 (an odd multiple of 2^-(s+1)), rint being done exactly by adding
     * and subtracting 1.5 * 2^52 (|z| < 2^51). Filters past the last whole vector, and layers
     * where the double path is not exact, take the scalar loops, which apply the rule itself.
     */
    @Override
    public void putBlock(double[] sums, int from, int stride, int positions, int k0, int count) {
        if (wide != null) {
            rawBlock(sums, from, stride, positions, k0, count);
            return;
        }
        if (integer != null) {
            integerBlock(sums, from, stride, positions, k0, count);
            return;
        }
        int done = 0;
        if (constants.biasHalf() != null && io.cnv2.Simd.enabled()) {
            done = count - count % OutputStageSimd.lanes();
            if (done > 0) {
                int need = Math.min(OutputStageSimd.CHUNK, positions) * done;
                if (chunkBuffer == null || chunkBuffer.length < need) {
                    chunkBuffer = OutputStageSimd.buffer(need);
                }
                saturations += OutputStageSimd.finish(sums, from, stride, positions, k0, done,
                        Math.scalb(1.0, -(faw - fo)), constants.biasHalf(), out, chunkBuffer);
            }
        }
        if (done < count) {
            fixedBlock(sums, from + done, stride, positions, k0 + done, count - done);
        }
    }

    /** Rules 3 to 5 by the scalar rule, one filter at a time over the positions. */
    private void fixedBlock(double[] sums, int from, int stride, int positions, int k0, int count) {
        int s = faw - fo;
        if (constants.wrapFree() && s >= 1 && s <= 62) {
            saturations += shiftBlock(sums, from, stride, positions, k0, count, s);
        } else {
            saturations += ruleBlock(sums, from, stride, positions, k0, count);
        }
    }

    /** The wraps are identities (wrapFree), so requantize is shiftRound's (v + 2^(s-1)) >> s. */
    private long shiftBlock(double[] sums, int from, int stride, int positions, int k0, int count, int s) {
        long half = 1L << (s - 1);
        long saturated = 0;
        for (int k = 0; k < count; k++) {
            long add = alignedBias[k0 + k] + half;
            int o = (k0 + k) * positions;
            for (int p = 0, i = from + k; p < positions; p++, i += stride) {
                long v = ((long) sums[i] + add) >> s;
                int c = (int) Math.max(Fixed.MIN, Math.min(Fixed.MAX, v));
                saturated += c != v ? 1 : 0;
                out[o + p] = (short) c;
            }
        }
        return saturated;
    }

    /** Narrow accumulators (wrapping), left shifts and shifts past 62: {@link Fixed#requantize} itself. */
    private long ruleBlock(double[] sums, int from, int stride, int positions, int k0, int count) {
        long saturated = 0;
        for (int k = 0; k < count; k++) {
            long b = alignedBias[k0 + k];
            int o = (k0 + k) * positions;
            for (int p = 0, i = from + k; p < positions; p++, i += stride) {
                long v = Fixed.requantize((long) sums[i], accumulatorBits, b, faw, fo);
                int c = Fixed.saturate(v);
                saturated += c != v ? 1 : 0;
                out[o + p] = (short) c;
            }
        }
        return saturated;
    }

    /** 1.5 * 2^52: the bits of x + 1.5 * 2^52 are this double's plus rint(x), for |x| < 2^51. */
    private static final double RINT_MAGIC = 0x1.8p52;
    private static final long RINT_MAGIC_BITS = Double.doubleToRawLongBits(RINT_MAGIC);

    /**
     * A quantised layer's rule ({@link io.cnv2.fixed.IntegerOutput#finish} and {@code saturates})
     * with the filter's bias, multiplier and the bounds hoisted. The float product f is first
     * clamped to [min - 1, max + 1] (integers, exact in float for every 16-bit type), which changes
     * neither rint(clamp(f, min, max)), finish's value (rint is monotone and keeps integers), nor
     * whether rint(f) leaves [min, max], saturates' test; then rint (ties to even, as Math.rint) is
     * read off the bits of f + 1.5 * 2^52 as an int, and the clamp and the test are int compares. A
     * lower bound of 0 (a folded Relu) never counts as a saturation.
     */
    private void integerBlock(double[] sums, int from, int stride, int positions, int k0, int count) {
        int[] bias = integer.bias();
        float[] multipliers = integer.multipliers();
        int lo = integer.output().centredMin();
        int hi = integer.output().centredMax();
        float below = lo - 1;
        float above = hi + 1;
        int low = lo != 0 ? lo : Integer.MIN_VALUE;
        long saturated = 0;
        for (int k = 0; k < count; k++) {
            int b = bias[k0 + k];
            float m = multipliers[k0 + k];
            int o = (k0 + k) * positions;
            for (int p = 0, i = from + k; p < positions; p++, i += stride) {
                int sum = (int) (long) sums[i] + b; // ONNX's int32 accumulator: two's complement wrap
                float f = Math.min(Math.max((float) sum * m, below), above);
                int r = (int) (Double.doubleToRawLongBits(f + RINT_MAGIC) - RINT_MAGIC_BITS);
                saturated += (r > hi ? 1 : 0) + (r < low ? 1 : 0);
                out[o + p] = (short) Math.min(Math.max(r, lo), hi);
            }
        }
        saturations += saturated;
    }

    /** A raw integer layer's int32 sums ({@link io.cnv2.fixed.IntegerOutput#sum}). */
    private void rawBlock(double[] sums, int from, int stride, int positions, int k0, int count) {
        int[] bias = integer.bias();
        for (int k = 0; k < count; k++) {
            int b = bias[k0 + k];
            int o = (k0 + k) * positions;
            for (int p = 0, i = from + k; p < positions; p++, i += stride) {
                wide[o + p] = (int) (long) sums[i] + b;
            }
        }
    }

    /** Finishes every output from the fast window sums of {@code input}. */
    public OutputStage finishAll(short[] input) {
        WindowSums.into(layer, input, this);
        return this;
    }

    /** The layer's result: its output tensor, statistics, and the int32 sums of a raw integer layer. */
    public io.cnv2.hw.LayerRun run(QTensor output, io.cnv2.hw.LayerStats stats) {
        return new io.cnv2.hw.LayerRun(output, stats, wide);
    }

    public long saturations() {
        return saturations;
    }

    /** The output tensor: [1, K] for a fully connected layer (input rank 2), else [1, K, Oy, Ox]. */
    public QTensor tensor(Shape inputShape) {
        var g = layer.geometry();
        Shape s = inputShape.rank() == 2 ? new Shape(1, g.filters()) : new Shape(1, g.filters(), g.outY(), g.outX());
        return integer != null && !integer.isRaw() ? QTensor.centred(s, out, integer.output())
                : new QTensor(s, out, layer.outputFrac());
    }
}
