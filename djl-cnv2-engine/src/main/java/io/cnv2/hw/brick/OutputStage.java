package io.cnv2.hw.brick;

import io.cnv2.hw.QLayer;

import io.cnv2.fixed.Fixed;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.Shape;

/**
 * What every accelerator model does once a filter's sum over its window is complete
 * (CNV2-MODEL.md section 2, rules 3 to 5): wrap to the accumulator width, add the bias aligned
 * to fa + fw fraction bits, shift to the output format with round half up, saturate to 16 bits.
 * Shared by the reference and fast paths of every model so they cannot differ here.
 */
public final class OutputStage implements WindowSums.Sink {
    private final QLayer layer;
    private final int accumulatorBits;
    private final long[] alignedBias;
    private final int faw;
    private final int fo;
    private final short[] out;
    private final double[] biasAsDouble;
    private final boolean wrapFree;
    /** A quantised model's output rule, or null in dynamic fixed point. */
    private final io.cnv2.fixed.IntegerOutput integer;
    /** The int32 sums of a raw integer layer (ConvInteger, MatMulInteger), else null. */
    private final int[] wide;
    private long saturations;

    public OutputStage(QLayer layer, int accumulatorBits) {
        this.layer = layer;
        this.integer = layer.integer();
        this.accumulatorBits = accumulatorBits;
        int k = layer.geometry().filters();
        this.alignedBias = new long[k];
        if (layer.bias() != null) {
            for (int i = 0; i < k; i++) {
                alignedBias[i] = Fixed.alignBias(layer.bias()[i], layer.biasFrac(), layer.accumulatorFrac());
            }
        }
        this.faw = layer.accumulatorFrac();
        this.fo = layer.outputFrac();
        this.out = new short[k * layer.geometry().outY() * layer.geometry().outX()];
        this.wide = integer != null && integer.isRaw() ? new int[out.length] : null;
        this.biasAsDouble = new double[k];
        long most = 0;
        for (int i = 0; i < k; i++) {
            biasAsDouble[i] = alignedBias[i];
            most = Math.max(most, Math.abs(alignedBias[i]));
        }
        this.wrapFree = accumulatorBits >= 64
                || Math.scalb((double) layer.fanIn(), 30) + most < Math.scalb(1.0, accumulatorBits - 1);
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
     * same rules as {@link #put}, four filters at a time in double arithmetic, which is exact
     * here and gives the same bits: when the layer's sums and biases cannot reach the
     * accumulator's range ({@link #wrapFree}) the wraps are identities; x = sum + bias is an
     * integer below 2^53; y = x * 2^-s is exact; and floor(y + 1/2), the round half up of rule
     * 5, equals rint(y + 2^-(s+1)), whose argument (2x + 1) * 2^-(s+1) is never a tie for s >= 1,
     * rint being done exactly by adding and subtracting 1.5 * 2^52. Other layers take the
     * scalar path.
     */
    @Override
    public void putBlock(double[] sums, int from, int stride, int positions, int k0, int count) {
        int s = faw - fo;
        if (integer != null || !wrapFree() || s < 1 || s > 60) {
            WindowSums.Sink.super.putBlock(sums, from, stride, positions, k0, count);
            return;
        }
        if (!io.cnv2.Simd.enabled()) {
            WindowSums.Sink.super.putBlock(sums, from, stride, positions, k0, count);
            return;
        }
        long[] done = OutputStageSimd.finish(sums, from, stride, positions, k0, count, s, biasAsDouble, out);
        long saturated = done[0];
        int k = (int) done[1];
        saturations += saturated;
        if (k < count) {
            WindowSums.Sink.super.putBlock(sums, from + k, stride, positions, k0 + k, count - k);
        }
    }


    /**
     * True when no sum of this layer plus its bias can leave the accumulator's range, so
     * wrapping (rule 3) never changes a value: |sum| <= fanIn * 2^30 (16-bit products).
     */
    private boolean wrapFree() {
        return wrapFree;
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
