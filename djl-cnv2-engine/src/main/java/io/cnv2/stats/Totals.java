package io.cnv2.stats;

/**
 * Network totals over a run (sums over layers and images).
 *
 * @param macs              multiply-accumulates per image (all layers)
 * @param acceleratorMacs   multiply-accumulates per image on the accelerator
 * @param cycles            accelerator cycles over the run
 * @param baselineCycles    DaDianNao cycles over the run
 * @param speedup           baselineCycles / cycles
 * @param cyclesPerImage    cycles / images
 * @param timePerImageUs    cyclesPerImage at the machine's clock, microseconds
 * @param sbBitsRead        weight memory bits read over the run
 * @param nmBitsRead        activation memory bits read over the run
 * @param nmBitsWritten     activation memory bits written over the run
 * @param saturations       saturations over the run
 * @param effectualLaneCycles neuron-lane cycles spent on effectual activations over the run
 * @param idleLaneCycles    neuron-lane cycles not spent on effectual activations
 * @param laneUtilisation   effectualLaneCycles / (neuronLanes x cycles)
 * @param idealSpeedup      baselineCycles / (effectualLaneCycles / neuronLanes)
 * @param energyPicojoules  energy of every image's accelerator events by the run's energy table
 * @param footprintBits     the accelerator layers' inputs in NM over every image, in the model's format
 * @param footprintRelativeToRaw that footprint / the same tensors raw
 */
public record Totals(long macs, long acceleratorMacs, long cycles, long baselineCycles, double speedup,
                     double cyclesPerImage, double timePerImageUs, long sbBitsRead, long nmBitsRead,
                     long nmBitsWritten, long saturations, long effectualLaneCycles, long idleLaneCycles,
                     double laneUtilisation, double idealSpeedup, double energyPicojoules, long footprintBits,
                     double footprintRelativeToRaw) {
}
