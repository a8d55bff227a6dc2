package io.cnv2.hw;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.Fixed;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvGeometry;
import java.util.Arrays;

/**
 * Cnvlutin done literally (CNV2-MODEL.md section 4). The input is held in NM as ZFNAf (the
 * layer's threshold applied at encoding). For each group, pass of {@code tiles * filterLanes}
 * filters and window, the dispatcher deals the window's bricks, in storage order, to the neuron
 * lanes: with the {@code consecutive} policy step s gives brick {@code 16s + l} to lane l. Every
 * cycle each lane that still holds a pair takes its next (value, offset) pair, and every filter
 * lane of every tile multiplies it by the weight the offset selects; the filter lane's adder tree
 * sums the lanes' products into its accumulator (wrapping at the accumulator width). With
 * {@code laneSync: step} a step ends when its busiest lane is done, never before
 * {@code minStepCycles}; with {@code laneSync: window} each lane runs through all its bricks
 * of the window and the lanes meet once per window. All tiles work in lockstep on one window.
 */
public final class CnvlutinReference implements Accelerator {
    private final MachineConfig machine;
    private final RunConfig run;

    public CnvlutinReference(MachineConfig machine, RunConfig run) {
        this.machine = machine;
        this.run = run;
    }

    @Override
    public String name() {
        return "cnv";
    }

    @Override
    public LayerRun run(QLayer layer, QTensor input) {
        if (run.isDense(layer.name())) {
            return new DaDianNaoReference(machine).run(layer, input);
        }
        ConvGeometry g = layer.geometry();
        Threshold t = new Threshold(run.thresholdOf(layer.name()), layer.inputFrac());
        int lanes = machine.neuronLanes();
        int perPass = machine.filtersPerPass();
        int cg = g.channelsPerGroup();
        int kg = g.filtersPerGroup();
        int nb = Bricks.perWindow(g, lanes);
        int perPos = Bricks.ceilDiv(cg, lanes);
        int bits = machine.accumulatorBits();
        int pairBits = machine.dataBits() + machine.offsetBits();
        short[] w = layer.weights();
        OutputStage outputs = new OutputStage(layer, bits);
        long[] acc = new long[perPass];
        long cycles = 0;
        long effectual = 0;
        long nmRead = 0;
        long sbRead = 0;
        for (int group = 0; group < g.groups(); group++) {
            Zfnaf nm = Zfnaf.encode(input, group * cg, cg, lanes, t);
            for (int pass = 0; pass < DaDianNaoTiming.passes(g, machine); pass++) {
                int filters = Math.min(perPass, kg - pass * perPass);
                for (int oy = 0; oy < g.outY(); oy++) {
                    for (int ox = 0; ox < g.outX(); ox++) {
                        Arrays.fill(acc, 0);
                        // the dispatcher fetches the window's bricks: (ky, kx, channel-brick) order
                        Brick[] window = new Brick[nb];
                        for (int b = 0; b < nb; b++) {
                            int ky = Bricks.kernelY(g, b, lanes);
                            int kx = Bricks.kernelX(g, b, lanes);
                            int iy = oy * g.strideY() - g.padTop() + ky * g.dilationY();
                            int ix = ox * g.strideX() - g.padLeft() + kx * g.dilationX();
                            boolean inside = iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width();
                            window[b] = inside ? nm.brick(iy, ix, b % perPos) : Brick.EMPTY;
                            nmRead += (long) lanes * pairBits; // a ZFNAf brick slot
                        }
                        int steps = Bricks.ceilDiv(nb, lanes);
                        boolean windowSync = run.laneSync().equals("window");
                        for (int s = 0; s < (windowSync ? 1 : steps); s++) {
                            // each lane's queue of bricks for this step (or, with window sync, the whole window)
                            int[] brickOf = new int[lanes];
                            int[] pairOf = new int[lanes];
                            for (int l = 0; l < lanes; l++) {
                                brickOf[l] = windowSync ? l : s * lanes + l;
                            }
                            int spent = 0;
                            while (true) {
                                boolean any = false;
                                long[] tree = new long[filters];
                                for (int l = 0; l < lanes; l++) {
                                    // a lane whose brick is used up moves on to its next one (window sync only)
                                    while (brickOf[l] < nb && pairOf[l] >= window[brickOf[l]].size()
                                            && windowSync) {
                                        brickOf[l] += lanes;
                                        pairOf[l] = 0;
                                    }
                                    if (brickOf[l] >= nb || pairOf[l] >= window[brickOf[l]].size()) {
                                        continue; // this lane waits
                                    }
                                    Brick br = window[brickOf[l]];
                                    int b = brickOf[l];
                                    int c = (b % perPos) * lanes + br.offsets()[pairOf[l]];
                                    int ky = Bricks.kernelY(g, b, lanes);
                                    int kx = Bricks.kernelX(g, b, lanes);
                                    long v = br.values()[pairOf[l]];
                                    for (int tile = 0; tile < machine.tiles(); tile++) {
                                        for (int fl = 0; fl < machine.filterLanes(); fl++) {
                                            int f = tile * machine.filterLanes() + fl;
                                            if (f >= filters) {
                                                continue; // an idle filter lane in the last pass
                                            }
                                            int k = group * kg + pass * perPass + f;
                                            tree[f] += v * w[DaDianNaoReference.weightIndex(g, k, c, ky, kx)];
                                        }
                                    }
                                    sbRead += (long) filters * machine.dataBits();
                                    pairOf[l]++;
                                    effectual++;
                                    any = true;
                                }
                                if (!any && spent >= run.minStepCycles()) {
                                    break;
                                }
                                for (int f = 0; f < filters; f++) {
                                    acc[f] = Fixed.wrap(acc[f] + tree[f], bits); // rule 3
                                }
                                cycles++;
                                spent++;
                            }
                        }
                        for (int f = 0; f < filters; f++) {
                            outputs.finish(group * kg + pass * perPass + f, oy, ox, acc[f]);
                        }
                    }
                }
            }
        }
        long baseline = DaDianNaoTiming.cycles(g, machine);
        long[] in = t.count(input.data());
        long written = (long) g.outY() * g.outX() * Bricks.ceilDiv(g.filters(), lanes) * lanes * pairBits;
        return new LayerRun(outputs.tensor(input.shape()), new LayerStats(cycles, baseline, g.macs(),
                outputs.saturations(), sbRead, nmRead, written, effectual, cycles * lanes - effectual,
                in[0], in[1], in[2]));
    }
}
