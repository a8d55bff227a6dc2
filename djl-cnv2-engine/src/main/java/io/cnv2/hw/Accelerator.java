package io.cnv2.hw;

import io.cnv2.fixed.QTensor;

/**
 * An accelerator model: runs one conv or fully connected layer on 16-bit activations and
 * returns the output activations (bit-exact per CNV2-MODEL.md section 2) with the layer's
 * statistics. Every model has a reference (literal, lane by lane, cycle by cycle) and a fast
 * implementation that must agree bit for bit and cycle for cycle.
 */
public interface Accelerator {
    /** Architecture name as on the command line ("dadn", "cnv", "cnv2"). */
    String name();

    /**
     * Runs {@code layer} on {@code input} ([1, C, H, W] for a conv, [1, C] for a fully connected
     * layer, fraction length {@code layer.inputFrac()}). The output has the ONNX shape of the
     * layer's output and fraction length {@code layer.outputFrac()}.
     */
    LayerRun run(QLayer layer, QTensor input);
}
