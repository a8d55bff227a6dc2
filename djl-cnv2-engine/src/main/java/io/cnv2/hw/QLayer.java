package io.cnv2.hw;

import io.cnv2.ir.ConvGeometry;

/**
 * A conv or fully connected layer as the accelerator holds it: geometry, 16-bit weights
 * ([K][C/groups][Ky][Kx], row-major) with fraction length {@code weightFrac}, optional
 * 16-bit bias [K] with {@code biasFrac}, and the fraction lengths of its input and output
 * activations (CNV2-MODEL.md section 2).
 */
public record QLayer(String name, ConvGeometry geometry, short[] weights, int weightFrac,
                     short[] bias, int biasFrac, int inputFrac, int outputFrac) {
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

    /** Fraction length of the products and the accumulator: fa + fw (rule 4). */
    public int accumulatorFrac() {
        return inputFrac + weightFrac;
    }

    /** Weights per filter (C/groups x Ky x Kx), the fan-in. */
    public int fanIn() {
        return geometry.channelsPerGroup() * geometry.kernelY() * geometry.kernelX();
    }
}
