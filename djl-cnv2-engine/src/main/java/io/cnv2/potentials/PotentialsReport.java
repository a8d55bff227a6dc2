package io.cnv2.potentials;

import io.cnv2.config.RunConfig;
import java.util.List;
import java.util.Map;

/**
 * Potentials of a network over a run: per layer, per image (the network's work for each image)
 * and for the network (sums over layers and images), with the run that set the thresholds.
 */
public record PotentialsReport(String model, String dataset, int images, RunConfig run,
                               List<LayerPotentials> layers, Work network, Map<String, Double> networkIdealSpeedup,
                               List<Work> perImage) {
}
