package io.cnv2.hw.design;

import io.cnv2.hw.LayerRun;
import io.cnv2.hw.LayerStats;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;
import io.cnv2.hw.brick.BrickMasks;
import io.cnv2.hw.brick.NeuronMemory;
import io.cnv2.hw.brick.OutputStage;
import io.cnv2.hw.brick.PassMasks;
import io.cnv2.hw.brick.WindowSums;
import io.cnv2.hw.timing.DaDianNaoTiming;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.QTensor;
import io.cnv2.hw.timing.Isca2016Chunks;
import io.cnv2.ir.ConvGeometry;
import java.util.Arrays;

/**
 * Cnvlutin2, fast (CNV2-MODEL.md section 5). Outputs: the exact window sums of
 * {@link WindowSums} on the ineffectual-zeroed input; skipping a zero weight, like skipping an
 * ineffectual activation, leaves every sum unchanged (rule 7). Cycles from 16-bit masks: with
 * {@code weightSkip: none} as Cnvlutin; with {@code filter-lanes} every filter lane works
 * through the pairs of its neuron lane's brick whose activation is effectual and whose weight
 * is not zero, popcount(activation mask & weight mask), and a step costs
 * max(minStepCycles, the most any (neuron lane, filter lane) pair holds); with laneSync window
 * the per-pair totals over the window decide. NM bits from {@link NeuronMemory}. Agrees with
 * {@link Cnvlutin2Reference} bit for bit and cycle for cycle.
 */
public final class Cnvlutin2Fast extends SkippingAccelerator {
    public Cnvlutin2Fast(MachineConfig machine, RunConfig run) {
        super("cnv2", machine, run, new DaDianNaoFast(machine, run));
    }

    @Override
    protected LayerRun skipping(QLayer layer, QTensor input, Threshold t) {
        if (weightSkip.lookahead()) {
            return TacticalFast.run(layer, input, t, machine, new NeuronMemory(machine, run), weightSkip, run.kernelOrder());
        }
        ConvGeometry g = layer.geometry();
        OutputStage outputs = new OutputStage(layer, machine.accumulatorBits()).finishAll(t.apply(input.data()));
        int lanes = machine.neuronLanes();
        int perPass = machine.filtersPerPass();
        boolean skipWeights = weightSkip.filterLanes();
        boolean windowSync = run.laneSync().equals("window");
        // under isca2016 the bricks give the memory and weight events only; Isca2016Chunks times the layer
        boolean idealSteps = !run.usesIsca2016();
        NeuronMemory nm = new NeuronMemory(machine, run);
        long cycles = 0;
        long effectual = 0;
        long nmRead = 0;
        long weightReads = 0;
        int passes = (int) DaDianNaoTiming.passes(g, machine);
        boolean fixedSlots = nm.fixedSlots();
        // isca2016: the bricks give only totals (section 4a: NM bits, SB bits, effectual lane-cycles), each
        // linear in the effectual count of every window's every brick, so one sum per group stands for the
        // window loop; the chunk timing counts it as it goes (the chunks hold the window's values, section
        // 4a rule 1), so no brick masks are built. With filter-lanes the SB reads are linear in how many
        // windows have each (brick, offset) effectual: BrickMasks.windowCounts, once per layer (issue #23).
        boolean chunkSums = !idealSteps && (fixedSlots || nm.linear());
        long[] sums = chunkSums ? new long[g.groups()] : null;
        long chunkCycles = chunkSums
                ? Isca2016Chunks.cycles(layer, input.data(), t, lanes, perPass, run.isca2016(), skipWeights, sums) : 0;
        for (int group = 0; group < g.groups(); group++) {
            BrickMasks masks = chunkSums ? null : new BrickMasks(input.data(), g, group, lanes, t);
            java.util.List<PassMasks> passMasks = PassMasks.of(layer, group, passes, perPass, lanes, skipWeights);
            // the windows' counts only where a pass skips a weight: an unpruned layer's reads are
            // linear in the window sum (pm.dense), and counting would be a pass over the input for nothing
            long[][] counts = chunkSums && passMasks.stream().anyMatch(pm -> !pm.dense)
                    ? BrickMasks.windowCounts(input.data(), g, group, lanes, t) : null;
            int nb = g.kernelY() * g.kernelX() * ((g.channelsPerGroup() + lanes - 1) / lanes);
            for (PassMasks pm : passMasks) {
                if (chunkSums) {
                    long sum = sums[group];
                    effectual += pm.repeat * sum;
                    weightReads += pm.dense ? sum * pm.column[0][0] : pm.reads(counts);
                    long slots = pm.repeat * ((long) g.outY() * g.outX()) * nb;
                    nmRead += slots * nm.brickRead(0) + (fixedSlots ? 0 : pm.repeat * sum * (nm.brickRead(1) - nm.brickRead(0)));
                    continue;
                }
                int[] laneTotal = new int[lanes * pm.classes.length];
                long passCycles = 0;
                for (int oy = 0; oy < g.outY(); oy++) {
                    for (int ox = 0; ox < g.outX(); ox++) {
                        int corner = masks.corner(oy, ox);
                        if (windowSync) {
                            Arrays.fill(laneTotal, 0);
                        }
                        int most = 0;
                        long windowEffectual = 0;
                        for (int b = 0; b < nb; b++) {
                            int a = masks.mask(corner + masks.offsets[b]);
                            int n = Integer.bitCount(a);
                            windowEffectual += n;
                            if (!fixedSlots) {
                                nmRead += pm.repeat * nm.brickRead(n);
                            }
                            if (!pm.dense) {
                                weightReads += pm.reads(a, b);
                            }
                            if (!idealSteps) {
                                continue;
                            }
                            if (windowSync) {
                                int l = b % lanes;
                                for (int c = 0; c < pm.classes.length; c++) {
                                    laneTotal[l * pm.classes.length + c] += Integer.bitCount(a & pm.classes[c][b]);
                                }
                            } else {
                                if (pm.dense) {
                                    most = Math.max(most, n);
                                } else {
                                    for (int m : pm.distinct[b]) {
                                        most = Math.max(most, Integer.bitCount(a & m));
                                    }
                                }
                                if (b % lanes == lanes - 1 || b == nb - 1) {
                                    passCycles += Math.max(run.minStepCycles(), most);
                                    most = 0;
                                }
                            }
                        }
                        effectual += pm.repeat * windowEffectual;
                        if (pm.dense) {
                            weightReads += windowEffectual * pm.column[0][0];
                        }
                        if (windowSync && idealSteps) {
                            int top = 0;
                            for (int v : laneTotal) {
                                top = Math.max(top, v);
                            }
                            passCycles += Math.max(run.minStepCycles(), top);
                        }
                    }
                }
                cycles += pm.repeat * passCycles; // the ideal profile's (section 4)
                if (fixedSlots) {
                    // every window fetches every slot of its bricks, whatever they hold
                    nmRead += (long) pm.repeat * g.outY() * g.outX() * nb * nm.brickRead(0);
                }
            }
        }
        if (run.usesIsca2016()) {
            // section 4a: chunks of channel-slice streams; the passes inner read each brick once per window
            cycles = chunkSums ? chunkCycles
                    : Isca2016Chunks.cycles(layer, input.data(), t, lanes, perPass, run.isca2016(), skipWeights);
            if (run.isca2016().passesInner()) {
                nmRead /= passes;
            }
        }
        QTensor out = outputs.tensor(input.shape());
        long[] in = t.count(input.data());
        // the input's footprint from the counts just taken (section 5 item 2), no second pass
        long[] fp = nm.linear() ? nm.footprint(input.shape(), in[1], in[1] + in[2]) : nm.footprint(input, t);
        return outputs.run(out, new LayerStats(cycles, baselineCycles(g), g.macs(),
                outputs.saturations(), weightReads * machine.dataBits(), nmRead, nm.written(out), effectual,
                cycles * lanes - effectual, in[0], in[1], in[2], fp[0], fp[1]));
    }
}
