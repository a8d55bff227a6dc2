package io.cnv2.hw.design;

import io.cnv2.hw.LayerRun;
import io.cnv2.hw.LayerStats;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;
import io.cnv2.hw.brick.Brick;
import io.cnv2.hw.brick.Bricks;
import io.cnv2.hw.brick.NeuronMemory;
import io.cnv2.hw.brick.OutputStage;
import io.cnv2.hw.brick.Zfnaf;
import io.cnv2.hw.timing.DaDianNaoTiming;

import io.cnv2.config.Isca2016Profile;
import io.cnv2.config.MachineConfig;
import io.cnv2.hw.timing.Isca2016Lanes;
import io.cnv2.hw.timing.LaneStreams;
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
public final class Cnvlutin2Reference extends SkippingAccelerator {
    public Cnvlutin2Reference(MachineConfig machine, RunConfig run) {
        super("cnv2", machine, run, new DaDianNaoReference(machine, run));
    }

    @Override
    protected LayerRun skipping(QLayer layer, QTensor input, Threshold t) {
        if (weightSkip.lookahead()) {
            return TacticalReference.run(layer, input, t, machine, new NeuronMemory(machine, run), weightSkip, run.kernelOrder());
        }
        if (run.usesIsca2016()) {
            return isca2016(layer, input, t);
        }
        ConvGeometry g = layer.geometry();
        int lanes = machine.neuronLanes();
        int perPass = machine.filtersPerPass();
        int cg = g.channelsPerGroup();
        int kg = g.filtersPerGroup();
        int nb = Bricks.perWindow(g, lanes);
        int perPos = Bricks.ceilDiv(cg, lanes);
        int bits = machine.accumulatorBits();
        boolean skipWeights = weightSkip.filterLanes();
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
                            Queues q = new Queues(g, window, s, windowSync, lanes, filters, group * kg + pass * perPass,
                                    perPos, w, skipWeights);
                            int[][] next = new int[lanes][filters];
                            int spent = 0;
                            while (true) {
                                boolean any = false;
                                long[] tree = new long[filters];
                                for (int l = 0; l < lanes; l++) {
                                    for (int f = 0; f < filters; f++) {
                                        int[] order = q.order[l][f];
                                        if (next[l][f] < order.length) {
                                            int i = order[next[l][f]++];
                                            tree[f] += (long) q.value[l][i] * w[q.weight[l][i] + f * q.filterStride];
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
        long[] fp = nm.footprint(input, t);
        return outputs.run(out, new LayerStats(cycles, baselineCycles(g), g.macs(),
                outputs.saturations(), weightReads * machine.dataBits(), nmRead, nm.written(out), effectual,
                cycles * lanes - effectual, in[0], in[1], in[2], fp[0], fp[1]));
    }

    /**
     * Cnvlutin and Cnvlutin2 under the isca2016 profile (CNV2-MODEL.md section 4a), literally:
     * per group and window, each neuron lane's stream of its channel slice (rule 1) is read from
     * the input, cut into chunks (rule 2), and every chunk's effectual entries queued per pass for
     * each filter lane: all of them, or with {@code filter-lanes} those whose weight for that
     * filter is not zero (section 4a: a chunk's work is then its busiest filter lane's queue).
     * {@link Isca2016Lanes} spends the cycles and calls back for every product, which is
     * accumulated here (rules 2 and 3). NM events: the window's bricks as stored, read once per
     * window with the passes inner (rule 3), once per pass with them outer.
     */
    private LayerRun isca2016(QLayer layer, QTensor input, Threshold t) {
        ConvGeometry g = layer.geometry();
        Isca2016Profile p = run.isca2016();
        int lanes = machine.neuronLanes();
        int perPass = machine.filtersPerPass();
        int cg = g.channelsPerGroup();
        int kg = g.filtersPerGroup();
        int nb = Bricks.perWindow(g, lanes);
        int perPos = Bricks.ceilDiv(cg, lanes);
        int passes = DaDianNaoTiming.passes(g, machine);
        int bits = machine.accumulatorBits();
        boolean skipWeights = weightSkip.filterLanes();
        LaneStreams s = new LaneStreams(g, lanes, p);
        NeuronMemory nm = new NeuronMemory(machine, run);
        short[] a = input.data();
        short[] w = layer.weights();
        OutputStage outputs = new OutputStage(layer, bits);
        long cycles = 0;
        long effectual = 0;
        long nmRead = 0;
        long[] weightReads = new long[1];
        long[] acc = new long[kg];
        short[][] value = new short[lanes][s.length];
        int[][] weightAt = new int[lanes][s.length]; // weight index of the entry for the group's filter 0
        int filterStride = cg * g.kernelY() * g.kernelX();
        for (int group = 0; group < g.groups(); group++) {
            Zfnaf stored = Zfnaf.encode(input, group * cg, cg, lanes, t);
            for (int oy = 0; oy < g.outY(); oy++) {
                for (int ox = 0; ox < g.outX(); ox++) {
                    for (int b = 0; b < nb; b++) {
                        int iy = oy * g.strideY() - g.padTop() + Bricks.kernelY(g, b, lanes) * g.dilationY();
                        int ix = ox * g.strideX() - g.padLeft() + Bricks.kernelX(g, b, lanes) * g.dilationX();
                        boolean inside = iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width();
                        int n = inside ? stored.brick(iy, ix, b % perPos).size() : 0;
                        nmRead += (p.passesInner() ? 1 : passes) * nm.brickRead(n);
                        effectual += (long) passes * n;
                    }
                    Isca2016Lanes.LaneChunk[][] chunks = new Isca2016Lanes.LaneChunk[lanes][s.chunks];
                    for (int l = 0; l < lanes; l++) {
                        for (int i = 0; i < s.length; i++) {
                            int c = s.channel(l, i);
                            int iy = oy * g.strideY() - g.padTop() + s.kernelY(i) * g.dilationY();
                            int ix = ox * g.strideX() - g.padLeft() + s.kernelX(i) * g.dilationX();
                            boolean real = c < cg && iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width();
                            short v = real ? a[((group * cg + c) * g.height() + iy) * g.width() + ix] : 0;
                            value[l][i] = t.ineffectual(v) ? 0 : v;
                            weightAt[l][i] = real ? Bricks.weightIndex(g, group * kg, c, s.kernelY(i),
                                    s.kernelX(i)) : -1;
                        }
                        for (int j = 0; j < s.chunks; j++) {
                            int from = j * s.chunkValues;
                            int ll = l;
                            int[] entries = java.util.stream.IntStream.range(from, from + s.chunkLength(j))
                                    .filter(i -> value[ll][i] != 0).toArray();
                            int[][][] queues = new int[passes][][];
                            for (int pass = 0; pass < passes; pass++) {
                                int filters = Math.min(perPass, kg - pass * perPass);
                                queues[pass] = new int[filters][];
                                for (int f = 0; f < filters; f++) {
                                    int offset = (pass * perPass + f) * filterStride;
                                    queues[pass][f] = !skipWeights ? entries : java.util.Arrays.stream(entries)
                                            .filter(i -> w[weightAt[ll][i] + offset] != 0).toArray();
                                }
                            }
                            chunks[l][j] = new Isca2016Lanes.LaneChunk(entries.length == 0, queues);
                        }
                    }
                    java.util.Arrays.fill(acc, 0);
                    int gr = group;
                    if (p.passesInner()) {
                        cycles += Isca2016Lanes.window(chunks, passes, p, (l, pass, f, i) -> {
                            int k = pass * perPass + f;
                            acc[k] = Fixed.wrap(acc[k] + (long) value[l][i] * w[weightAt[l][i] + k * filterStride], bits);
                            weightReads[0]++;
                        });
                    } else {
                        for (int pass = 0; pass < passes; pass++) {
                            Isca2016Lanes.LaneChunk[][] one = new Isca2016Lanes.LaneChunk[lanes][s.chunks];
                            for (int l = 0; l < lanes; l++) {
                                for (int j = 0; j < s.chunks; j++) {
                                    one[l][j] = new Isca2016Lanes.LaneChunk(chunks[l][j].empty(),
                                            new int[][][] {chunks[l][j].queues()[pass]});
                                }
                            }
                            int only = pass;
                            cycles += Isca2016Lanes.window(one, 1, p, (l, zero, f, i) -> {
                                int k = only * perPass + f;
                                acc[k] = Fixed.wrap(acc[k] + (long) value[l][i] * w[weightAt[l][i] + k * filterStride],
                                        bits);
                                weightReads[0]++;
                            });
                        }
                    }
                    for (int k = 0; k < kg; k++) {
                        outputs.finish(gr * kg + k, oy, ox, acc[k]);
                    }
                }
            }
        }
        QTensor out = outputs.tensor(input.shape());
        long[] in = t.count(input.data());
        long[] fp = nm.footprint(input, t);
        return outputs.run(out, new LayerStats(cycles, baselineCycles(g), g.macs(), outputs.saturations(),
                weightReads[0] * machine.dataBits(), nmRead, nm.written(out), effectual, cycles * lanes - effectual,
                in[0], in[1], in[2], fp[0], fp[1]));
    }

    /**
     * The pairs each neuron lane holds in a step (or window) and, per filter lane, which of them
     * it multiplies: all of them without weight skipping (one shared order), only those whose
     * weight for the filter is not zero with {@code filter-lanes}.
     */
    private static final class Queues {
        final short[][] value;
        /** Index of the pair's weight for the step's first filter; filter f adds f * filterStride. */
        final int[][] weight;
        final int[][][] order;
        final int filterStride;

        Queues(ConvGeometry g, Brick[] window, int step, boolean windowSync, int lanes, int filters, int firstFilter,
               int perPos, short[] w, boolean skipWeights) {
            this.filterStride = g.channelsPerGroup() * g.kernelY() * g.kernelX();
            value = new short[lanes][];
            weight = new int[lanes][];
            order = new int[lanes][filters][];
            for (int l = 0; l < lanes; l++) {
                List<Integer> bricks = new ArrayList<>();
                for (int b = windowSync ? l : step * lanes + l; b < window.length
                        && (windowSync || b == step * lanes + l); b += lanes) {
                    bricks.add(b);
                }
                int n = 0;
                for (int b : bricks) {
                    n += window[b].size();
                }
                value[l] = new short[n];
                weight[l] = new int[n];
                int i = 0;
                for (int b : bricks) {
                    Brick br = window[b];
                    for (int j = 0; j < br.size(); j++, i++) {
                        int c = (b % perPos) * lanes + br.offsets()[j];
                        value[l][i] = br.values()[j];
                        weight[l][i] = Bricks.weightIndex(g, firstFilter, c, Bricks.kernelY(g, b, lanes),
                                Bricks.kernelX(g, b, lanes));
                    }
                }
                int[] all = java.util.stream.IntStream.range(0, n).toArray();
                for (int f = 0; f < filters; f++) {
                    if (!skipWeights) {
                        order[l][f] = all;
                        continue;
                    }
                    int fOffset = f * filterStride;
                    int[] wl = weight[l];
                    order[l][f] = java.util.stream.IntStream.range(0, n).filter(k -> w[wl[k] + fOffset] != 0).toArray();
                }
            }
        }
    }
}
