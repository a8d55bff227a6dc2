package io.cnv2.config;

import io.cnv2.BadInputException;

/**
 * Energy per event (CNV2-MODEL.md section 6), in picojoules, for the {@code energy} section of
 * a configuration file. The default is indicative only: 45 nm figures from M. Horowitz,
 * "Computing's energy problem (and what we can do about it)", ISSCC 2014: an 8-bit integer
 * multiply 0.2 pJ and a 32-bit one 3.1 pJ, so a 16-bit multiply about 0.8 pJ (multiplier energy
 * grows with the square of the width); 16-bit add about 0.05 pJ (8-bit 0.03, 32-bit 0.1); a
 * 64-bit read of a large (1 MB) SRAM about 100 pJ, 1.56 pJ per bit, used for the eDRAM of both
 * the synapse buffers (SB) and the neuron memory (NM). Scale or replace it for a real process.
 *
 * @param multiply16 one 16 x 16-bit multiplication
 * @param add16      one adder-tree input (a 16-bit product added)
 * @param sbBitRead  one bit read from a synapse buffer
 * @param nmBitRead  one bit read from neuron memory
 * @param nmBitWrite one bit written to neuron memory
 * @param source     where the figures come from
 */
public record EnergyTable(double multiply16, double add16, double sbBitRead, double nmBitRead, double nmBitWrite,
                          String source) {
    public static final EnergyTable DEFAULT = new EnergyTable(0.8, 0.05, 1.56, 1.56, 1.56,
            "indicative, 45 nm: Horowitz, ISSCC 2014 (16-bit multiply interpolated, large-SRAM bit read)");

    public EnergyTable {
        for (double v : new double[] {multiply16, add16, sbBitRead, nmBitRead, nmBitWrite}) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new BadInputException("energy table: every energy must be a finite number >= 0 (picojoules)");
            }
        }
    }

    /**
     * The energy of a layer's events: every weight read from SB feeds one multiplier and one
     * adder-tree input, so multiplications = SB bits read / data bits.
     */
    public double picojoules(long sbBits, long nmBitsRead, long nmBitsWritten, int dataBits) {
        double products = (double) sbBits / dataBits;
        return products * (multiply16 + add16) + sbBits * sbBitRead + nmBitsRead * nmBitRead
                + nmBitsWritten * nmBitWrite;
    }
}
