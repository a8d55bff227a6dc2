package io.cnv2.data;

import io.cnv2.ir.Tensor;

/** One input with its label (-1 when unlabelled) and where it came from. */
public record Sample(int index, Tensor input, int label, String source) {
}
