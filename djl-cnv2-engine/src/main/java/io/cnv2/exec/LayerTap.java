package io.cnv2.exec;

import io.cnv2.fixed.QTensor;
import io.cnv2.hw.QLayer;
import io.cnv2.ir.Tensor;

/**
 * What the instrumentation captures at one conv or fully connected layer for one input: the
 * layer's input activations in float (the float reference's tensor at that point) and as the
 * accelerator received them (quantised), its output as the accelerator produced it, and its
 * weights as run (quantised; pruned when the run prunes).
 */
public record LayerTap(String layer, Tensor floatInput, QTensor input, QTensor output, QLayer weights) {
}
