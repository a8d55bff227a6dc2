package io.cnv2.hw;

/**
 * Timing and events of one layer on one accelerator (CNV2-MODEL.md sections 3, 4 and 6).
 *
 * @param cycles               cycles of this architecture
 * @param baselineCycles       DaDianNao cycles of the same layer (section 3 formula)
 * @param macs                 real multiply-accumulates of the layer
 * @param outputSaturations    outputs that saturated when requantised (rule 5)
 * @param sbBitsRead           weight memory bits read
 * @param nmBitsRead           activation memory bits read (bricks fetched, once per window and pass)
 * @param nmBitsWritten        activation memory bits written (the layer's output)
 * @param effectualLaneCycles  neuron-lane cycles spent on an effectual activation, over every window
 *                             and filter pass (the "effectual activations" of section 4's ideal speedup)
 * @param idleLaneCycles       neuronLanes x cycles - effectualLaneCycles: lanes waiting for others (CNV)
 *                             or multiplying ineffectual values and padding (DaDN)
 * @param inputActivations     activations in the layer's input tensor
 * @param effectualInputs      of those, the effectual ones (non-zero and not below the threshold)
 * @param thresholdedInputs    non-zero activations the threshold made ineffectual
 * @param footprintBits        the input tensor's size in NM in this model's format (raw for DaDN,
 *                             ZFNAf for CNV, the run's encoding or raw at fetch for CNV2), pointers included
 * @param rawFootprintBits     the same tensor raw (16-bit values in 16-channel bricks)
 */
public record LayerStats(long cycles, long baselineCycles, long macs, long outputSaturations,
                         long sbBitsRead, long nmBitsRead, long nmBitsWritten, long effectualLaneCycles,
                         long idleLaneCycles, long inputActivations, long effectualInputs, long thresholdedInputs,
                         long footprintBits, long rawFootprintBits) {

    /** The statistics of two runs of the layer together (e.g. the samples of a batch): every count summed. */
    public LayerStats plus(LayerStats o) {
        return new LayerStats(cycles + o.cycles, baselineCycles + o.baselineCycles, macs + o.macs,
                outputSaturations + o.outputSaturations, sbBitsRead + o.sbBitsRead, nmBitsRead + o.nmBitsRead,
                nmBitsWritten + o.nmBitsWritten, effectualLaneCycles + o.effectualLaneCycles,
                idleLaneCycles + o.idleLaneCycles, inputActivations + o.inputActivations,
                effectualInputs + o.effectualInputs, thresholdedInputs + o.thresholdedInputs,
                footprintBits + o.footprintBits, rawFootprintBits + o.rawFootprintBits);
    }

    public double speedup() {
        return cycles == 0 ? 1.0 : (double) baselineCycles / cycles;
    }
}
