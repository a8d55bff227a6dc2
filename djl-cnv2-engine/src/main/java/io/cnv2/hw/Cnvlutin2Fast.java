package io.cnv2.hw;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvGeometry;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

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
        super("cnv2", machine, run, new DaDianNaoFast(machine));
    }

    @Override
    protected LayerRun skipping(QLayer layer, QTensor input, Threshold t) {
        ConvGeometry g = layer.geometry();
        OutputStage outputs = new OutputStage(layer, machine.accumulatorBits()).finishAll(t.apply(input.data()));
        int lanes = machine.neuronLanes();
        int perPass = machine.filtersPerPass();
        boolean skipWeights = run.weightSkip().equals("filter-lanes");
        boolean windowSync = run.laneSync().equals("window");
        NeuronMemory nm = new NeuronMemory(machine, run);
        long cycles = 0;
        long effectual = 0;
        long nmRead = 0;
        long weightReads = 0;
        int passes = (int) DaDianNaoTiming.passes(g, machine);
        for (int group = 0; group < g.groups(); group++) {
            BrickMasks masks = new BrickMasks(input.data(), g, group, lanes, t);
            int nb = masks.offsets.length;
            for (int pass = 0; pass < passes; pass++) {
                int filters = Math.min(perPass, g.filtersPerGroup() - pass * perPass);
                int[][] wm = BrickMasks.weightMasks(layer, group, pass * perPass, filters, lanes);
                int[][] distinct = distinct(wm, nb);
                int[][] column = columnCounts(wm, nb, lanes);
                int[] laneTotal = new int[lanes * filters];
                for (int oy = 0; oy < g.outY(); oy++) {
                    for (int ox = 0; ox < g.outX(); ox++) {
                        int corner = masks.corner(oy, ox);
                        if (windowSync) {
                            Arrays.fill(laneTotal, 0);
                        }
                        int most = 0;
                        for (int b = 0; b < nb; b++) {
                            int a = masks.mask(corner + masks.offsets[b]);
                            int n = Integer.bitCount(a);
                            effectual += n;
                            nmRead += nm.brickRead(n);
                            weightReads += skipWeights ? reads(a, column[b]) : (long) n * filters;
                            if (windowSync) {
                                int l = b % lanes;
                                for (int f = 0; f < filters; f++) {
                                    laneTotal[l * filters + f] += Integer.bitCount(a & (skipWeights ? wm[f][b] : -1));
                                }
                            } else {
                                if (skipWeights) {
                                    for (int m : distinct[b]) {
                                        most = Math.max(most, Integer.bitCount(a & m));
                                    }
                                } else {
                                    most = Math.max(most, n);
                                }
                                if (b % lanes == lanes - 1 || b == nb - 1) {
                                    cycles += Math.max(run.minStepCycles(), most);
                                    most = 0;
                                }
                            }
                        }
                        if (windowSync) {
                            int top = 0;
                            for (int v : laneTotal) {
                                top = Math.max(top, v);
                            }
                            cycles += Math.max(run.minStepCycles(), top);
                        }
                    }
                }
            }
        }
        QTensor out = outputs.tensor(input.shape());
        long[] in = t.count(input.data());
        long[] fp = nm.footprint(input, t);
        return new LayerRun(out, new LayerStats(cycles, DaDianNaoTiming.cycles(g, machine), g.macs(),
                outputs.saturations(), weightReads * machine.dataBits(), nmRead, nm.written(out), effectual,
                cycles * lanes - effectual, in[0], in[1], in[2], fp[0], fp[1]));
    }

    /** The different weight masks the filters of a pass have at each brick position (ties cost the same). */
    private static int[][] distinct(int[][] wm, int nb) {
        int[][] d = new int[nb][];
        for (int b = 0; b < nb; b++) {
            Set<Integer> s = new LinkedHashSet<>();
            for (int[] f : wm) {
                s.add(f[b]);
            }
            d[b] = s.stream().mapToInt(Integer::intValue).toArray();
        }
        return d;
    }

    /** For each brick position and channel offset, how many filters of the pass have a non-zero weight there. */
    private static int[][] columnCounts(int[][] wm, int nb, int lanes) {
        int[][] c = new int[nb][lanes];
        for (int[] f : wm) {
            for (int b = 0; b < nb; b++) {
                for (int m = f[b]; m != 0; m &= m - 1) {
                    c[b][Integer.numberOfTrailingZeros(m)]++;
                }
            }
        }
        return c;
    }

    /** Weights read for one brick: every effectual activation times the filters whose weight there is not zero. */
    private static long reads(int a, int[] column) {
        long r = 0;
        for (int m = a; m != 0; m &= m - 1) {
            r += column[Integer.numberOfTrailingZeros(m)];
        }
        return r;
    }
}
