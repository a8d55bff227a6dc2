package io.cnv2.config;

import io.cnv2.BadInputException;

/**
 * The machine (CNV2-MODEL.md section 1): one record, loaded from and saved to a JSON file a
 * researcher can diff. Defaults are the paper's DaDianNao/Cnvlutin machine; the ones marked
 * [chosen] in the model document are ours.
 *
 * @param tiles             tiles working in lockstep on one window [paper]
 * @param filterLanes       filters per tile processed at once [paper]
 * @param neuronLanes       neuron lanes per tile = activations per brick [rtl]
 * @param dataBits          activation and weight width; only 16 is modelled [rtl]
 * @param offsetBits        ZFNAf offset width, log2(brick size) [rtl]
 * @param nbinEntries       NBin entries per lane [rtl]; bounds the isca2016 profile's chunkValues (a lane holds one chunk)
 * @param accumulatorBits   width of the accumulator register [chosen]
 * @param nmBytes           central activation memory NM [chosen]
 * @param sbBytesPerTile    weight memory SB per tile [chosen]
 * @param clockMHz          clock, for time and power figures only [chosen]
 */
public record MachineConfig(int tiles, int filterLanes, int neuronLanes, int dataBits, int offsetBits,
                            int nbinEntries, int accumulatorBits, long nmBytes, long sbBytesPerTile,
                            double clockMHz) {

    public static final MachineConfig DEFAULT =
            new MachineConfig(16, 16, 16, 16, 4, 64, 48, 4L << 20, 2L << 20, 980.0);

    public MachineConfig {
        positive("tiles", tiles);
        positive("filterLanes", filterLanes);
        positive("neuronLanes", neuronLanes);
        positive("nbinEntries", nbinEntries);
        if (dataBits != 16) {
            throw new BadInputException("machine option dataBits: only 16-bit data is modelled, got " + dataBits);
        }
        if ((1 << offsetBits) < neuronLanes) {
            throw new BadInputException("machine option offsetBits: " + offsetBits + " bits cannot address "
                    + neuronLanes + " activations per brick");
        }
        if (accumulatorBits < 32 || accumulatorBits > 64) {
            throw new BadInputException("machine option accumulatorBits must be in 32..64, got " + accumulatorBits);
        }
        if (nmBytes <= 0 || sbBytesPerTile <= 0 || !(clockMHz > 0)) {
            throw new BadInputException("machine options nmBytes, sbBytesPerTile and clockMHz must be positive");
        }
    }

    /** Filters processed at once by all tiles: one "pass" (tiles x filter lanes = 256 by default). */
    public int filtersPerPass() {
        return tiles * filterLanes;
    }

    /** Dense peak MACs per cycle (4096 by default). */
    public long peakMacsPerCycle() {
        return (long) tiles * filterLanes * neuronLanes;
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new BadInputException("machine option " + name + " must be >= 1, got " + v);
        }
    }
}
