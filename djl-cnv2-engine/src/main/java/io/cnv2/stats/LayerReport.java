package io.cnv2.stats;

import java.util.List;

/**
 * One layer's figures over a run. Stable names: these are the JSON keys and (in snake_case) the CSV
 * columns. Every count that grows with the images run comes twice: {@code <name>PerImage}, the
 * mean over the run's images (0 when the run had none), and {@code <name>Total}, the sum over
 * them; ratios and fractions carry no suffix (they are the same for the run and for its mean image).
 *
 * @param name                     node name
 * @param op                       operator kind
 * @param placement                accelerator, host-fixed or host-float
 * @param outputShape              output tensor shape (batch 1)
 * @param macsPerImage             multiply-accumulates of one image (the layer's shape fixes them)
 * @param macsTotal                macsPerImage x images
 * @param cyclesPerImage           cycles per image (accelerator layers; 0 on the host)
 * @param cyclesTotal              cycles over the run
 * @param baselineCyclesPerImage   DaDianNao cycles per image, same timing profile
 * @param baselineCyclesTotal      DaDianNao cycles over the run
 * @param speedup                  baselineCyclesTotal / cyclesTotal
 * @param inputZeroFraction        fraction of the layer's input activations that are zero (as quantised)
 * @param saturationsPerImage      output values that saturated, per image
 * @param saturationsTotal         output values that saturated over the run
 * @param sbBitsReadPerImage       weight memory (SB) bits read per image
 * @param sbBitsReadTotal          weight memory bits read over the run
 * @param nmBitsReadPerImage       activation memory (NM) bits read per image
 * @param nmBitsReadTotal          activation memory bits read over the run
 * @param nmBitsWrittenPerImage    activation memory bits written per image
 * @param nmBitsWrittenTotal       activation memory bits written over the run
 * @param inputFrac                fraction length of the input activations
 * @param weightFrac               fraction length of the weights (accelerator layers)
 * @param outputFrac               fraction length of the output
 * @param threshold                ineffectual-activation threshold of the layer, real units (accelerator layers)
 * @param effectualLaneCyclesPerImage neuron-lane cycles spent on effectual activations, per image
 * @param effectualLaneCyclesTotal neuron-lane cycles spent on effectual activations over the run
 * @param idleLaneCyclesPerImage   neuron-lane cycles spent waiting (CNV) or on ineffectual values (DaDN), per image
 * @param idleLaneCyclesTotal      the same over the run
 * @param laneUtilisation          effectualLaneCyclesTotal / (neuronLanes x cyclesTotal)
 * @param idealSpeedup             baselineCyclesTotal / (effectualLaneCyclesTotal / neuronLanes): the speedup if
 *                                 lanes never waited
 * @param effectualFraction        effectual activations / activations of the layer's input
 * @param thresholdedFraction      non-zero activations the threshold made ineffectual / activations
 * @param energyPicojoulesPerImage energy of the layer's events per image (EnergyTable)
 * @param energyPicojoulesTotal    energy of the layer's events over the run
 * @param footprintBitsPerImage    the layer's input as it sits in NM, in the model's format (LayerStats), per image
 * @param footprintBitsTotal       that footprint summed over the run's images
 * @param footprintRelativeToRaw   that footprint / the same tensors raw
 * @param integers                 a quantised model's integer layer: its types ("uint8 x int8 -> uint8"; the
 *                                 fraction lengths are then null), else null
 */
public record LayerReport(String name, String op, String placement, List<Integer> outputShape,
                          long macsPerImage, long macsTotal, double cyclesPerImage, long cyclesTotal,
                          double baselineCyclesPerImage, long baselineCyclesTotal, double speedup,
                          double inputZeroFraction, double saturationsPerImage, long saturationsTotal,
                          double sbBitsReadPerImage, long sbBitsReadTotal, double nmBitsReadPerImage,
                          long nmBitsReadTotal, double nmBitsWrittenPerImage, long nmBitsWrittenTotal,
                          Integer inputFrac, Integer weightFrac, Integer outputFrac, Double threshold,
                          double effectualLaneCyclesPerImage, long effectualLaneCyclesTotal,
                          double idleLaneCyclesPerImage, long idleLaneCyclesTotal, double laneUtilisation,
                          double idealSpeedup, double effectualFraction, double thresholdedFraction,
                          double energyPicojoulesPerImage, double energyPicojoulesTotal,
                          double footprintBitsPerImage, long footprintBitsTotal, double footprintRelativeToRaw,
                          String integers) {
}
