package io.cnv2.hw;

import io.cnv2.fixed.IntegerOutput;
import io.cnv2.ir.ConvGeometry;

/**
 * A conv or fully connected layer as the accelerator holds it: geometry, 16-bit weights
 * ([K][C/groups][Ky][Kx], row-major) with fraction length {@code weightFrac}, optional
 * 16-bit bias [K] with {@code biasFrac}, and the fraction lengths of its input and output
 * activations (CNV2-MODEL.md section 2). A quantised model's integer layer ({@code integer} set)
 * holds the model's weights less their zero points, no 16-bit bias and fraction lengths 0; its
 * output stage is {@link IntegerOutput}'s.
 */
public record QLayer(String name, ConvGeometry geometry, short[] weights, int weightFrac,
                     short[] bias, int biasFrac, int inputFrac, int outputFrac, IntegerOutput integer) {
    /** A layer in dynamic fixed point. */
    public QLayer(String name, ConvGeometry geometry, short[] weights, int weightFrac, short[] bias, int biasFrac,
                  int inputFrac, int outputFrac) {
        this(name, geometry, weights, weightFrac, bias, biasFrac, inputFrac, outputFrac, null);
    }

    /** A quantised model's integer layer (centred weights, see {@link IntegerOutput}). */
    public static QLayer integer(String name, ConvGeometry geometry, short[] centredWeights, IntegerOutput integer) {
        return new QLayer(name, geometry, centredWeights, 0, null, 0, 0, 0, integer);
    }

    /** This layer with another integer rule (a dynamic input's per-sample quantisation). */
    public QLayer with(IntegerOutput other) {
        return new QLayer(name, geometry, weights, weightFrac, bias, biasFrac, inputFrac, outputFrac, other);
    }

    /** The real value of one step of the input integers: 2^-fa, or the input's quantisation scale. */
    public double inputUnit() {
        return integer == null ? Math.scalb(1.0, -inputFrac) : integer.input().scale();
    }

    public QLayer {
        long expect = (long) geometry.filters() * geometry.channelsPerGroup() * geometry.kernelY() * geometry.kernelX();
        if (weights.length != expect) {
            throw new IllegalArgumentException("layer " + name + ": " + weights.length + " weights, geometry needs " + expect);
        }
        if (bias != null && bias.length != geometry.filters()) {
            throw new IllegalArgumentException("layer " + name + ": bias has " + bias.length + " values for "
                    + geometry.filters() + " filters");
        }
    }

    /**
     * Agrees with the record's equals, which compares the arrays by identity: equal layers have the
     * same name and the same weight array. The layer keys the kernels' per-layer caches, looked up on
     * every run of a layer; hashing every component cost more, and a null bias in it made the JIT
     * throw away its compiled code for the emulation loop mid-run (issue 23).
     */
    @Override
    public int hashCode() {
        return 31 * name.hashCode() + System.identityHashCode(weights);
    }

    /** Fraction length of the products and the accumulator: fa + fw (rule 4). */
    public int accumulatorFrac() {
        return inputFrac + weightFrac;
    }

    /** Weights per filter (C/groups x Ky x Kx), the fan-in. */
    public int fanIn() {
        return geometry.channelsPerGroup() * geometry.kernelY() * geometry.kernelX();
    }
}
