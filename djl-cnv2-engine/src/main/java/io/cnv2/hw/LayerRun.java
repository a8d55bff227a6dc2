package io.cnv2.hw;

import io.cnv2.fixed.QTensor;

/** What an accelerator model returns for one layer: the output activations and the statistics. */
public record LayerRun(QTensor output, LayerStats stats) {
}
