package io.cnv2.hw;

import io.cnv2.fixed.QTensor;

/**
 * What an accelerator model returns for one layer: the output activations and the statistics.
 * A quantised model's ConvInteger or MatMulInteger ends at its int32 sums, which go to the host:
 * {@code accumulators} holds them (row-major, the output's layout) and {@code output} is all zeros;
 * null for every other layer.
 */
public record LayerRun(QTensor output, LayerStats stats, int[] accumulators) {
    public LayerRun(QTensor output, LayerStats stats) {
        this(output, stats, null);
    }
}
