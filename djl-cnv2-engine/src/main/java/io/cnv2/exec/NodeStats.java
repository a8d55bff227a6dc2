package io.cnv2.exec;

import io.cnv2.hw.LayerStats;

/**
 * What one node did for one sample.
 *
 * @param node          node name
 * @param hardware      accelerator statistics (null for host layers)
 * @param saturations   values that saturated when this node's output was formed
 * @param inputZeros    zero activations in the node's first input
 * @param inputValues   activations in the node's first input
 */
public record NodeStats(String node, LayerStats hardware, long saturations, long inputZeros, long inputValues) {
}
