package io.cnv2.stats;

import java.util.List;

/**
 * One layer's figures over a run (sums over all images; per-image figures divide by
 * {@link RunReport#images()}). Stable names: these are the JSON and CSV columns.
 *
 * @param name                node name
 * @param op                  operator kind
 * @param placement           accelerator, host-fixed or host-float
 * @param outputShape         output tensor shape (batch 1)
 * @param macs                multiply-accumulates per image
 * @param cycles              cycles over the run (accelerator layers; 0 on the host)
 * @param baselineCycles      DaDianNao cycles over the run
 * @param speedup             baselineCycles / cycles
 * @param inputZeroFraction   fraction of the layer's input activations that are zero (as quantised)
 * @param saturations         output values that saturated over the run
 * @param sbBitsRead          weight memory bits read over the run
 * @param nmBitsRead          activation memory bits read over the run
 * @param nmBitsWritten       activation memory bits written over the run
 * @param inputFrac           fraction length of the input activations
 * @param weightFrac          fraction length of the weights (accelerator layers)
 * @param outputFrac          fraction length of the output
 * @param threshold           ineffectual-activation threshold of the layer, real units (accelerator layers)
 * @param effectualLaneCycles neuron-lane cycles spent on effectual activations over the run
 * @param idleLaneCycles      neuron-lane cycles spent waiting (CNV) or on ineffectual values (DaDN)
 * @param laneUtilisation     effectualLaneCycles / (neuronLanes x cycles)
 * @param idealSpeedup        baselineCycles / (effectualLaneCycles / neuronLanes): the speedup if lanes never waited
 * @param effectualFraction   effectual activations / activations of the layer's input
 * @param thresholdedFraction non-zero activations the threshold made ineffectual / activations
 * @param energyPicojoules    energy of the layer's events over every image (EnergyTable)
 * @param footprintBits       the layer's input in NM over every image, in the model's format (LayerStats)
 * @param footprintRelativeToRaw that footprint / the same tensors raw
 */
public record LayerReport(String name, String op, String placement, List<Integer> outputShape, long macs,
                          long cycles, long baselineCycles, double speedup, double inputZeroFraction,
                          long saturations, long sbBitsRead, long nmBitsRead, long nmBitsWritten,
                          Integer inputFrac, Integer weightFrac, Integer outputFrac, Double threshold,
                          long effectualLaneCycles, long idleLaneCycles, double laneUtilisation, double idealSpeedup,
                          double effectualFraction, double thresholdedFraction, double energyPicojoules,
                          long footprintBits, double footprintRelativeToRaw) {
}
