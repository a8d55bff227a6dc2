package io.cnv2.hw.design;

import io.cnv2.hw.LayerRun;
import io.cnv2.hw.LayerStats;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;
import io.cnv2.hw.brick.Bricks;
import io.cnv2.hw.brick.NeuronMemory;
import io.cnv2.hw.brick.OutputStage;
import io.cnv2.hw.timing.DaDianNaoTiming;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.WeightSkip;
import io.cnv2.fixed.Fixed;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvGeometry;
import java.util.ArrayList;
import java.util.List;

/**
 * Cnvlutin2 with {@code weightSkip: lookahead(h,d)} done literally (CNV2-MODEL.md section 5.4):
 * the Bit-Tactical front end on DaDianNao's tiles, as DNNsim's BitTactical (DaDianNao + the
 * static schedule). A tile's weight rows are the window's bricks walked in the run's
 * {@code kernelOrder}: row-major (ky, kx, channel-brick) or, as DNNsim, column-major (kx, ky,
 * channel-brick) (section 7). Each tile's weight rows are scheduled slot by slot: a slot records the
 * (row, lane) its weight came from, so in a cycle a weight lane multiplies the activation its
 * select picks from the h + 1 rows of the activation window. Neuron lanes do not skip
 * activations here (the schedule fixes which activation every lane needs); activations below
 * the threshold read as zero. Tiles of a pass run one scheduled row per cycle and meet at the end
 * of every window; a window costs the rows of its slowest tile, at least one cycle. The
 * accumulator wraps after every cycle (rule 3), and wrapping is addition modulo 2^bits, so the
 * changed order of the products leaves every output equal to DaDianNao's on the same weights.
 * Agrees with {@link TacticalSchedule} and the fast path cycle for cycle.
 */
public final class TacticalReference {
    private TacticalReference() {
    }

    static LayerRun run(QLayer layer, QTensor input, Threshold t, MachineConfig machine, NeuronMemory nm,
                        WeightSkip ws, String kernelOrder) {
        ConvGeometry g = layer.geometry();
        int lanes = machine.neuronLanes();
        int tileFilters = machine.filterLanes();
        int perPass = machine.tiles() * tileFilters;
        int cg = g.channelsPerGroup();
        int kg = g.filtersPerGroup();
        int nb = Bricks.perWindow(g, lanes);
        int perPos = Bricks.ceilDiv(cg, lanes);
        int bits = machine.accumulatorBits();
        long slotBits = (long) lanes * (machine.dataBits() + ws.selectBits());
        short[] a = input.data();
        short[] w = layer.weights();
        OutputStage outputs = new OutputStage(layer, bits);
        int[] brickOf = rowOrder(g, lanes, kernelOrder);
        long cycles = 0;
        long busy = 0;
        long nmRead = 0;
        long sbRead = 0;
        for (int group = 0; group < g.groups(); group++) {
            for (int first = 0; first < kg; first += perPass) {
                int inPass = Math.min(perPass, kg - first);
                List<Slots> tiles = new ArrayList<>();
                for (int f0 = 0; f0 < inPass; f0 += tileFilters) {
                    tiles.add(new Slots(layer, group, first + f0, Math.min(tileFilters, inPass - f0), brickOf, lanes,
                            ws));
                }
                Slots slowest = tiles.get(0);
                for (Slots s : tiles) {
                    slowest = s.processed.size() > slowest.processed.size() ? s : slowest;
                }
                for (int oy = 0; oy < g.outY(); oy++) {
                    for (int ox = 0; ox < g.outX(); ox++) {
                        short[][] act = new short[nb][lanes]; // by weight row: the brick the row multiplies
                        for (int b = 0; b < nb; b++) {
                            Bricks.fetch(a, g, group, oy, ox, brickOf[b], lanes, act[b]);
                            int n = 0;
                            for (int l = 0; l < lanes; l++) {
                                if (t.ineffectual(act[b][l])) {
                                    act[b][l] = 0; // rule 7: an ineffectual activation reads as zero
                                } else {
                                    n++;
                                }
                            }
                            nmRead += nm.brickRead(n);
                        }
                        long[] acc = new long[inPass];
                        int most = Math.max(1, slowest.processed.size());
                        for (int cycle = 0; cycle < most; cycle++) {
                            for (int ti = 0; ti < tiles.size(); ti++) {
                                Slots s = tiles.get(ti);
                                if (cycle >= s.processed.size()) {
                                    continue; // this tile has finished the window and waits
                                }
                                int r = s.processed.get(cycle);
                                int used = 0;
                                for (int f = 0; f < s.filters; f++) {
                                    int k = group * kg + first + ti * tileFilters + f;
                                    long tree = 0;
                                    for (int lane = 0; lane < lanes; lane++) {
                                        int origin = s.slot[r][f][lane];
                                        if (origin < 0) {
                                            continue;
                                        }
                                        used |= 1 << lane;
                                        int rr = origin / lanes;
                                        int ll = origin % lanes;
                                        int c = (brickOf[rr] % perPos) * lanes + ll;
                                        tree += (long) act[rr][ll] * w[Bricks.weightIndex(g, k, c,
                                                Bricks.kernelY(g, brickOf[rr], lanes),
                                                Bricks.kernelX(g, brickOf[rr], lanes))];
                                    }
                                    acc[ti * tileFilters + f] = Fixed.wrap(acc[ti * tileFilters + f] + tree, bits);
                                    sbRead += slotBits;
                                }
                                if (s == slowest) {
                                    busy += Integer.bitCount(used);
                                }
                            }
                            cycles++;
                        }
                        for (int f = 0; f < inPass; f++) {
                            outputs.finish(group * kg + first + f, oy, ox, acc[f]);
                        }
                    }
                }
            }
        }
        QTensor out = outputs.tensor(input.shape());
        long[] in = t.count(a);
        long[] fp = nm.footprint(input, t);
        return outputs.run(out, new LayerStats(cycles, DaDianNaoTiming.cycles(g, machine), g.macs(),
                outputs.saturations(), sbRead, nmRead, nm.written(out), busy, cycles * lanes - busy, in[0], in[1],
                in[2], fp[0], fp[1]));
    }

    /**
     * The window's bricks (storage index, ky, kx, channel-brick) in weight-row order: the kernel
     * walked row-major ("ky-kx") or column-major ("kx-ky"), the channel bricks of a position innermost.
     */
    private static int[] rowOrder(ConvGeometry g, int lanes, String kernelOrder) {
        int perPos = Bricks.ceilDiv(g.channelsPerGroup(), lanes);
        boolean columnMajor = kernelOrder.equals("kx-ky");
        int outer = columnMajor ? g.kernelX() : g.kernelY();
        int inner = columnMajor ? g.kernelY() : g.kernelX();
        int[] order = new int[g.kernelY() * g.kernelX() * perPos];
        int row = 0;
        for (int i = 0; i < outer; i++) {
            for (int j = 0; j < inner; j++) {
                int ky = columnMajor ? j : i;
                int kx = columnMajor ? i : j;
                for (int cb = 0; cb < perPos; cb++) {
                    order[row++] = (ky * g.kernelX() + kx) * perPos + cb;
                }
            }
        }
        return order;
    }

    /**
     * One tile's weight rows after scheduling: {@code slot[row][filter][lane]} is the
     * {@code row * lanes + lane} its weight came from, or -1 for an empty (zero) slot; and the
     * rows the tile spends a cycle on.
     */
    private static final class Slots {
        final int[][][] slot;
        final int filters;
        final List<Integer> processed = new ArrayList<>();

        Slots(QLayer layer, int group, int firstFilter, int filters, int[] brickOf, int lanes, WeightSkip ws) {
            ConvGeometry g = layer.geometry();
            int rows = brickOf.length;
            int cg = g.channelsPerGroup();
            int perPos = Bricks.ceilDiv(cg, lanes);
            this.filters = filters;
            this.slot = new int[rows][filters][lanes];
            for (int r = 0; r < rows; r++) {
                for (int f = 0; f < filters; f++) {
                    int k = group * g.filtersPerGroup() + firstFilter + f;
                    for (int lane = 0; lane < lanes; lane++) {
                        int c = (brickOf[r] % perPos) * lanes + lane;
                        boolean nonZero = c < cg && layer.weights()[Bricks.weightIndex(g, k, c,
                                Bricks.kernelY(g, brickOf[r], lanes), Bricks.kernelX(g, brickOf[r], lanes))] != 0;
                        slot[r][f][lane] = nonZero ? r * lanes + lane : -1;
                    }
                }
            }
            List<int[]> map = ws.searchMap();
            int skip = 0;
            for (int r = 0; r < rows; r++) {
                if (skip < ws.h() && empty(r)) {
                    skip++;
                    continue;
                }
                skip = 0;
                for (int f = 0; f < filters; f++) {
                    int overlap = 1;
                    while (overlap > 0) {
                        // every empty slot of the row and the filled slots it could take a weight from
                        List<Integer> holes = new ArrayList<>();
                        List<List<int[]>> candidates = new ArrayList<>();
                        overlap = -1;
                        for (int lane = 0; lane < lanes; lane++) {
                            if (slot[r][f][lane] >= 0) {
                                continue;
                            }
                            List<int[]> c = new ArrayList<>();
                            for (int[] p : map) {
                                int rr = r + p[0];
                                int ll = Math.floorMod(lane + p[1], lanes);
                                if (rr < rows && slot[rr][f][ll] >= 0) {
                                    c.add(new int[] {rr, ll});
                                }
                            }
                            holes.add(lane);
                            candidates.add(c);
                            if (!c.isEmpty() && c.size() > overlap) {
                                overlap = c.size();
                            }
                        }
                        // the most flexible slot first, its first candidate (DNNsim's order)
                        for (int i = 0; i < holes.size(); i++) {
                            if (candidates.get(i).size() == overlap) {
                                int[] from = candidates.get(i).get(0);
                                slot[r][f][holes.get(i)] = slot[from[0]][f][from[1]];
                                slot[from[0]][f][from[1]] = -1;
                                break;
                            }
                        }
                    }
                }
            }
            skip = 0;
            for (int r = 0; r < rows; r++) {
                if (skip < ws.h() && empty(r)) {
                    skip++;
                    continue;
                }
                skip = 0;
                processed.add(r);
            }
        }

        private boolean empty(int r) {
            for (int[] f : slot[r]) {
                for (int origin : f) {
                    if (origin >= 0) {
                        return false;
                    }
                }
            }
            return true;
        }
    }
}
