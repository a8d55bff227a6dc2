package io.cnv2.stats;

/**
 * Top-1 of the float reference and of the emulated fixed-point network on the same images.
 *
 * @param labelled     images with a label
 * @param floatTop1    float reference top-1 over the labelled images (NaN with none)
 * @param fixedTop1    emulated accelerator top-1 over the labelled images
 * @param agreement    fraction of images on which both predict the same class
 */
public record Accuracy(int labelled, double floatTop1, double fixedTop1, double agreement) {
}
