package io.cnv2.hw.brick;

import io.cnv2.hw.Threshold;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.encoding.Encoding;
import io.cnv2.encoding.Footprint;
import io.cnv2.fixed.QTensor;

/**
 * NM traffic of Cnvlutin2 (CNV2-MODEL.md section 5, items 1 to 3). With detection at the
 * producer's output the activations sit in NM in the run's encoding, so fetching a brick slot
 * reads its encoded bits, plus its pointer for the variable-length encodings (one
 * {@link #POINTER_BITS}-bit pointer per brick [chosen]); with detection at fetch NM holds raw
 * bricks and the dispatcher finds the ineffectual values as they stream in.
 */
public final class NeuronMemory {
    /** Indirection pointer width, one pointer per brick (section 5 item 2 defaults). */
    public static final int POINTER_BITS = 32;
    private final MachineConfig machine;
    private final Encoding encoding;
    private final boolean atFetch;

    public NeuronMemory(MachineConfig machine, RunConfig run) {
        this.machine = machine;
        this.atFetch = run.detect().equals("fetch");
        this.encoding = atFetch ? Encoding.RAW : Encoding.byLabel(run.encoding());
    }

    /** True when every brick slot reads the same bits, whatever it holds (fixed-slot encodings, raw at fetch). */
    public boolean fixedSlots() {
        return !encoding.variableLength();
    }

    /** Bits read to fetch one brick slot holding {@code effectual} effectual activations. */
    public long brickRead(int effectual) {
        int lanes = machine.neuronLanes();
        return encoding.brickBits(effectual, lanes, machine.dataBits(), machine.offsetBits())
                + (encoding.variableLength() ? POINTER_BITS : 0);
    }

    /** The input tensor's size in NM, {total, raw} (ineffectual by {@code t} at output, none at fetch). */
    public long[] footprint(QTensor input, Threshold t) {
        Footprint f = Footprint.of(input, atFetch ? Threshold.zero(input.frac()) : t, encoding, machine.neuronLanes(),
                machine.dataBits(), machine.offsetBits(), POINTER_BITS, 1);
        return new long[] {f.totalBits(), f.rawBits()};
    }

    /**
     * The same from counts the caller already has: {@code effectual} values under the layer's
     * threshold and {@code nonZero} values (effectual at fetch), for an encoding linear in the
     * effectual count ({@link Footprint#linear}; every encoding is), so no pass over the tensor.
     */
    public long[] footprint(io.cnv2.ir.Shape input, long effectual, long nonZero) {
        Footprint f = Footprint.of(input, atFetch ? nonZero : effectual, encoding, machine.neuronLanes(),
                machine.dataBits(), machine.offsetBits(), POINTER_BITS, 1);
        return new long[] {f.totalBits(), f.rawBits()};
    }

    /** True when {@link #footprint(io.cnv2.ir.Shape, long, long)} applies to this memory's encoding. */
    public boolean linear() {
        return Footprint.linear(encoding, machine.neuronLanes(), machine.dataBits(), machine.offsetBits());
    }

    /** The same for a model with a fixed format (DaDN raw, CNV ZFNAf). */
    public static long[] footprint(QTensor input, Threshold t, Encoding e, MachineConfig m) {
        Footprint f = Footprint.of(input, t, e, m.neuronLanes(), m.dataBits(), m.offsetBits(), POINTER_BITS, 1);
        return new long[] {f.totalBits(), f.rawBits()};
    }

    /** Bits written for a layer's output as the layer produces it (zeros are the ineffectual values). */
    public long written(QTensor output) {
        return Footprint.of(output, Threshold.zero(output.frac()), encoding, machine.neuronLanes(), machine.dataBits(),
                machine.offsetBits(), POINTER_BITS, 1).totalBits();
    }
}
