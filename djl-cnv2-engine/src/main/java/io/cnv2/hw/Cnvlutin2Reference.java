package io.cnv2.hw;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.Fixed;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvGeometry;
import java.util.ArrayList;
import java.util.List;

/**
 * Cnvlutin2 done literally (CNV2-MODEL.md section 5). As {@link CnvlutinReference}, the
 * dispatcher deals a window's bricks to the neuron lanes step by step (or window by window);
 * here every (neuron lane, filter lane) pair keeps its own queue of the brick's (activation,
 * weight) pairs: all effectual activations with {@code weightSkip: none}, only those whose
 * weight for that filter is not zero with {@code filter-lanes}. Each cycle every non-empty
 * queue hands one product to its filter lane's adder tree; the step ends when every queue is
 * empty, never before {@code minStepCycles}. Fetching a brick slot reads its encoded bits
 * ({@link NeuronMemory}); each product reads one weight from SB.
 */
public final class Cnvlutin2Reference implements Accelerator {
    private final MachineConfig machine;
    private final RunConfig run;

    public Cnvlutin2Reference(MachineConfig machine, RunConfig run) {
        this.machine = machine;
        this.run = run;
    }

    @Override
    public String name() {
        return "cnv2";
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
        boolean skipWeights = run.weightSkip().equals("filter-lanes");
        boolean windowSync = run.laneSync().equals("window");
        NeuronMemory nm = new NeuronMemory(machine, run);
        short[] w = layer.weights();
        OutputStage outputs = new OutputStage(layer, bits);
        long cycles = 0;
        long effectual = 0;
        long nmRead = 0;
        long weightReads = 0;
        for (int group = 0; group < g.groups(); group++) {
            Zfnaf stored = Zfnaf.encode(input, group * cg, cg, lanes, t);
            for (int pass = 0; pass < DaDianNaoTiming.passes(g, machine); pass++) {
                int filters = Math.min(perPass, kg - pass * perPass);
                for (int oy = 0; oy < g.outY(); oy++) {
                    for (int ox = 0; ox < g.outX(); ox++) {
                        long[] acc = new long[filters];
                        Brick[] window = new Brick[nb];
                        for (int b = 0; b < nb; b++) {
                            int iy = oy * g.strideY() - g.padTop() + Bricks.kernelY(g, b, lanes) * g.dilationY();
                            int ix = ox * g.strideX() - g.padLeft() + Bricks.kernelX(g, b, lanes) * g.dilationX();
                            boolean inside = iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width();
                            window[b] = inside ? stored.brick(iy, ix, b % perPos) : Brick.EMPTY;
                            nmRead += nm.brickRead(window[b].size());
                            effectual += window[b].size();
                        }
                        int groups = windowSync ? 1 : Bricks.ceilDiv(nb, lanes);
                        for (int s = 0; s < groups; s++) {
                            // queue[l][f]: products lane l hands filter lane f, as {value, weight}
                            List<long[]>[][] queue = queues(g, window, s, windowSync, lanes, filters, group, kg,
                                    pass * perPass, perPos, w, skipWeights);
                            int[][] next = new int[lanes][filters];
                            int spent = 0;
                            while (true) {
                                boolean any = false;
                                long[] tree = new long[filters];
                                for (int l = 0; l < lanes; l++) {
                                    for (int f = 0; f < filters; f++) {
                                        if (next[l][f] < queue[l][f].size()) {
                                            long[] p = queue[l][f].get(next[l][f]++);
                                            tree[f] += p[0] * p[1];
                                            weightReads++;
                                            any = true;
                                        }
                                    }
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
        QTensor out = outputs.tensor(input.shape());
        long[] in = t.count(input.data());
        return new LayerRun(out, new LayerStats(cycles, DaDianNaoTiming.cycles(g, machine), g.macs(),
                outputs.saturations(), weightReads * machine.dataBits(), nmRead, nm.written(out), effectual,
                cycles * lanes - effectual, in[0], in[1], in[2]));
    }

    @SuppressWarnings("unchecked")
    private static List<long[]>[][] queues(ConvGeometry g, Brick[] window, int step, boolean windowSync, int lanes,
                                           int filters, int group, int kg, int first, int perPos, short[] w,
                                           boolean skipWeights) {
        List<long[]>[][] q = new List[lanes][filters];
        for (int l = 0; l < lanes; l++) {
            for (int f = 0; f < filters; f++) {
                q[l][f] = new ArrayList<>();
            }
            // this lane's bricks: one per step, or every lanes-th brick of the window
            for (int b = windowSync ? l : step * lanes + l; b < (windowSync ? window.length : Math.min(window.length,
                    step * lanes + l + 1)); b += lanes) {
                Brick br = window[b];
                int ky = Bricks.kernelY(g, b, lanes);
                int kx = Bricks.kernelX(g, b, lanes);
                for (int i = 0; i < br.size(); i++) {
                    int c = (b % perPos) * lanes + br.offsets()[i];
                    for (int f = 0; f < filters; f++) {
                        int k = group * kg + first + f;
                        short wv = w[DaDianNaoReference.weightIndex(g, k, c, ky, kx)];
                        if (!skipWeights || wv != 0) {
                            q[l][f].add(new long[] {br.values()[i], wv});
                        }
                    }
                }
            }
        }
        return q;
    }
}
