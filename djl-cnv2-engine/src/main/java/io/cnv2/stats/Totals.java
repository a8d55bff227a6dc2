package io.cnv2.stats;

/**
 * Network totals over a run (sums over layers), named as in {@link LayerReport}: a count that grows
 * with the images run comes as {@code <name>PerImage} (mean over the images, 0 when there were
 * none) and {@code <name>Total} (sum over them); ratios carry no suffix.
 *
 * @param macsPerImage             multiply-accumulates of one image (all layers)
 * @param macsTotal                macsPerImage x images
 * @param acceleratorMacsPerImage  multiply-accumulates of one image on the accelerator
 * @param acceleratorMacsTotal     acceleratorMacsPerImage x images
 * @param cyclesPerImage           accelerator cycles per image
 * @param cyclesTotal              accelerator cycles over the run
 * @param baselineCyclesPerImage   DaDianNao cycles per image, same timing profile
 * @param baselineCyclesTotal      DaDianNao cycles over the run
 * @param speedup                  baselineCyclesTotal / cyclesTotal
 * @param timeMicrosecondsPerImage cyclesPerImage at the machine's clock
 * @param timeMicrosecondsTotal    cyclesTotal at the machine's clock
 * @param sbBitsReadPerImage       weight memory bits read per image
 * @param sbBitsReadTotal          weight memory bits read over the run
 * @param nmBitsReadPerImage       activation memory bits read per image
 * @param nmBitsReadTotal          activation memory bits read over the run
 * @param nmBitsWrittenPerImage    activation memory bits written per image
 * @param nmBitsWrittenTotal       activation memory bits written over the run
 * @param saturationsPerImage      saturated output values per image
 * @param saturationsTotal         saturated output values over the run
 * @param effectualLaneCyclesPerImage neuron-lane cycles spent on effectual activations, per image
 * @param effectualLaneCyclesTotal neuron-lane cycles spent on effectual activations over the run
 * @param idleLaneCyclesPerImage   neuron-lane cycles not spent on effectual activations, per image
 * @param idleLaneCyclesTotal      the same over the run
 * @param laneUtilisation          effectualLaneCyclesTotal / (neuronLanes x cyclesTotal)
 * @param idealSpeedup             baselineCyclesTotal / (effectualLaneCyclesTotal / neuronLanes)
 * @param energyPicojoulesPerImage energy of one image's accelerator events by the run's energy table (mean)
 * @param energyPicojoulesTotal    energy of every image's accelerator events
 * @param footprintBitsPerImage    the accelerator layers' inputs as they sit in NM, in the model's format, per image
 * @param footprintBitsTotal       that footprint summed over the run's images
 * @param footprintRelativeToRaw   that footprint / the same tensors raw
 */
public record Totals(long macsPerImage, long macsTotal, long acceleratorMacsPerImage, long acceleratorMacsTotal,
                     double cyclesPerImage, long cyclesTotal, double baselineCyclesPerImage, long baselineCyclesTotal,
                     double speedup, double timeMicrosecondsPerImage, double timeMicrosecondsTotal,
                     double sbBitsReadPerImage, long sbBitsReadTotal, double nmBitsReadPerImage, long nmBitsReadTotal,
                     double nmBitsWrittenPerImage, long nmBitsWrittenTotal, double saturationsPerImage,
                     long saturationsTotal, double effectualLaneCyclesPerImage, long effectualLaneCyclesTotal,
                     double idleLaneCyclesPerImage, long idleLaneCyclesTotal, double laneUtilisation,
                     double idealSpeedup, double energyPicojoulesPerImage, double energyPicojoulesTotal,
                     double footprintBitsPerImage, long footprintBitsTotal, double footprintRelativeToRaw) {
}
