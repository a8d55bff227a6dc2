package io.cnv2.potentials;

import java.util.Map;

/**
 * One accelerator layer's potentials over a run (CNV2-MODEL.md section 7).
 *
 * @param layer               node name
 * @param macsPerImage        MACs of one image, padding positions included
 * @param activationPrecision the layer's input precision over the run (Ap's p_layer)
 * @param weightPrecision     its weights' precision (Wp's)
 * @param work                work over every image
 * @param idealSpeedup        dense / work per metric
 * @param histograms          value distributions of its inputs and weights
 */
public record LayerPotentials(String layer, long macsPerImage, int activationPrecision, int weightPrecision,
                              Work work, Map<String, Double> idealSpeedup, Histograms histograms) {
}
