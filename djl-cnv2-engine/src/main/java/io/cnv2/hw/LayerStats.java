package io.cnv2.hw;

/**
 * Timing and events of one layer on one accelerator (CNV2-MODEL.md sections 3 and 6).
 *
 * @param cycles             cycles of this architecture
 * @param baselineCycles     DaDianNao cycles of the same layer (section 3 formula)
 * @param macs               real multiply-accumulates of the layer
 * @param outputSaturations  outputs that saturated when requantised (rule 5)
 * @param sbBitsRead         weight memory bits read
 * @param nmBitsRead         activation memory bits read (bricks fetched, once per window and pass)
 * @param nmBitsWritten      activation memory bits written (the layer's output)
 */
public record LayerStats(long cycles, long baselineCycles, long macs, long outputSaturations,
                         long sbBitsRead, long nmBitsRead, long nmBitsWritten) {

    public double speedup() {
        return cycles == 0 ? 1.0 : (double) baselineCycles / cycles;
    }
}
