package io.cnv2.hw;

import io.cnv2.fixed.Fixed;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.Shape;

/**
 * What every accelerator model does once a filter's sum over its window is complete
 * (CNV2-MODEL.md section 2, rules 3 to 5): wrap to the accumulator width, add the bias aligned
 * to fa + fw fraction bits, shift to the output format with round half up, saturate to 16 bits.
 * Shared by the reference and fast paths of every model so they cannot differ here.
 */
final class OutputStage {
    private final QLayer layer;
    private final int accumulatorBits;
    private final long[] alignedBias;
    private final short[] out;
    private long saturations;

    OutputStage(QLayer layer, int accumulatorBits) {
        this.layer = layer;
        this.accumulatorBits = accumulatorBits;
        int k = layer.geometry().filters();
        this.alignedBias = new long[k];
        if (layer.bias() != null) {
            for (int i = 0; i < k; i++) {
                alignedBias[i] = Fixed.alignBias(layer.bias()[i], layer.biasFrac(), layer.accumulatorFrac());
            }
        }
        this.out = new short[k * layer.geometry().outY() * layer.geometry().outX()];
    }

    /** Finishes output (k, oy, ox) from its exact (or already wrapped) accumulator value. */
    void finish(int k, int oy, int ox, long acc) {
        long v = Fixed.requantize(acc, accumulatorBits, alignedBias[k], layer.accumulatorFrac(), layer.outputFrac());
        int s = Fixed.saturate(v);
        if (s != v) {
            saturations++;
        }
        var g = layer.geometry();
        out[(k * g.outY() + oy) * g.outX() + ox] = (short) s;
    }

    /** Finishes every output from exact sums laid out [K][Oy][Ox] (the fast paths' order). */
    OutputStage finishAll(long[] sums) {
        var g = layer.geometry();
        int i = 0;
        for (int k = 0; k < g.filters(); k++) {
            for (int oy = 0; oy < g.outY(); oy++) {
                for (int ox = 0; ox < g.outX(); ox++) {
                    finish(k, oy, ox, sums[i++]);
                }
            }
        }
        return this;
    }

    long saturations() {
        return saturations;
    }

    /** The output tensor: [1, K] for a fully connected layer (input rank 2), else [1, K, Oy, Ox]. */
    QTensor tensor(Shape inputShape) {
        var g = layer.geometry();
        Shape s = inputShape.rank() == 2 ? new Shape(1, g.filters()) : new Shape(1, g.filters(), g.outY(), g.outX());
        return new QTensor(s, out, layer.outputFrac());
    }
}
