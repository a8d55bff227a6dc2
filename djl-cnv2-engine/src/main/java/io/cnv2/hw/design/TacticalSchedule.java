package io.cnv2.hw.design;

import io.cnv2.hw.QLayer;
import io.cnv2.hw.brick.BrickMasks;
import io.cnv2.hw.brick.Bricks;

import io.cnv2.config.WeightSkip;
import io.cnv2.ir.ConvGeometry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The Bit-Tactical static weight schedule (CNV2-MODEL.md section 5.4, {@code lookahead(h,d)}),
 * on 16-bit masks: the fast path's scheduler. A tile's filters hold one weight row per brick of
 * the window, 16 lanes wide, walking the kernel row-major (run option {@code kernelOrder: ky-kx},
 * the storage order ky, kx, channel-brick) or column-major as DNNsim does ({@code kx-ky}: kx, ky,
 * channel-brick; section 7, "Where DNNsim counts differently"). Walking the rows in order,
 * every zero weight slot of a filter may take a non-zero weight of the same filter from a later
 * row at one of the search map's (rows ahead, lanes aside) positions, lanes wrapping within the
 * filter; the slot with the most candidates goes first (the first lane on ties) and takes its
 * first candidate in map order, until no empty slot has one (DNNsim's BitTactical scheduler).
 * A row left empty in every filter of the tile is skipped, but never more than h in a row: the
 * activation window the weight lanes select from holds only h + 1 rows. Weights are static, so
 * the schedule is built once per layer and is the same for every window and input.
 * {@link TacticalReference} builds the same schedule literally, slot by slot.
 */
public final class TacticalSchedule {
    private TacticalSchedule() {
    }

    /**
     * One tile's schedule.
     *
     * @param rows    rows the tile spends a cycle on (not skipped)
     * @param busy    lane-cycles over those rows in which some filter of the tile has a weight in the lane
     * @param filters filters in the tile
     */
    record Tile(int rows, int busy, int filters) {
    }

    /** A pass of one group: its tiles and the tile the pass waits for (most rows, the first on ties). */
    record Pass(List<Tile> tiles, Tile slowest, int filters) {
        int cycles() {
            return Math.max(1, slowest.rows()); // a window takes at least one cycle
        }
    }

    private static final Map<QLayer, Map<String, List<List<Pass>>>> CACHE =
            Collections.synchronizedMap(new WeakHashMap<>());

    /** [group][pass] of a layer under {@code ws}, rows in {@code kernelOrder}, built once per layer. */
    static List<List<Pass>> of(QLayer layer, WeightSkip ws, String kernelOrder, int tiles, int tileFilters,
                               int lanes) {
        return CACHE.computeIfAbsent(layer, l -> Collections.synchronizedMap(new java.util.HashMap<>()))
                .computeIfAbsent(ws + "/" + kernelOrder + "/" + tiles + "x" + tileFilters + "x" + lanes,
                        k -> build(layer, ws, kernelOrder.equals("kx-ky"), tiles, tileFilters, lanes));
    }

    /**
     * The storage-order brick (ky, kx, channel-brick) that weight row {@code row} holds: the row
     * itself row-major; column-major the row counts kx slowest, then ky, then the channel brick.
     */
    static int brickOfRow(ConvGeometry g, int row, int lanes, boolean columnMajor) {
        if (!columnMajor) {
            return row;
        }
        int perPos = Bricks.ceilDiv(g.channelsPerGroup(), lanes);
        int pos = row / perPos;
        int kx = pos / g.kernelY();
        int ky = pos % g.kernelY();
        return (ky * g.kernelX() + kx) * perPos + row % perPos;
    }

    private static List<List<Pass>> build(QLayer layer, WeightSkip ws, boolean columnMajor, int tiles,
                                          int tileFilters, int lanes) {
        int fg = layer.geometry().filtersPerGroup();
        int perPass = tiles * tileFilters;
        List<int[]> map = ws.searchMap();
        List<List<Pass>> groups = new ArrayList<>();
        for (int group = 0; group < layer.geometry().groups(); group++) {
            List<Pass> passes = new ArrayList<>();
            for (int first = 0; first < fg; first += perPass) {
                List<Tile> list = new ArrayList<>();
                Tile slowest = null;
                int inPass = Math.min(perPass, fg - first);
                for (int t = 0; t * tileFilters < inPass; t++) {
                    int count = Math.min(tileFilters, inPass - t * tileFilters);
                    int[][] stored = BrickMasks.weightMasks(layer, group, first + t * tileFilters, count, lanes);
                    Tile tile = schedule(inRowOrder(stored, layer.geometry(), lanes, columnMajor), map, ws.h(), lanes);
                    list.add(tile);
                    if (slowest == null || tile.rows() > slowest.rows()) {
                        slowest = tile;
                    }
                }
                passes.add(new Pass(List.copyOf(list), slowest, inPass));
            }
            groups.add(List.copyOf(passes));
        }
        return List.copyOf(groups);
    }

    /** {@code stored[filter][brick]} with its rows in schedule order ({@link #brickOfRow}). */
    private static int[][] inRowOrder(int[][] stored, ConvGeometry g, int lanes, boolean columnMajor) {
        if (!columnMajor) {
            return stored;
        }
        int[][] rows = new int[stored.length][];
        for (int f = 0; f < stored.length; f++) {
            rows[f] = new int[stored[f].length];
            for (int r = 0; r < rows[f].length; r++) {
                rows[f][r] = stored[f][brickOfRow(g, r, lanes, true)];
            }
        }
        return rows;
    }

    /** Schedules one tile whose filters' non-zero weights are {@code masks[filter][row]} (overwritten). */
    static Tile schedule(int[][] masks, List<int[]> map, int h, int lanes) {
        int rows = masks.length == 0 ? 0 : masks[0].length;
        int full = lanes == 32 ? -1 : (1 << lanes) - 1;
        int skip = 0;
        for (int r = 0; r < rows; r++) {
            if (skip < h && union(masks, r) == 0) {
                skip++;
                continue;
            }
            skip = 0;
            for (int[] m : masks) {
                promote(m, r, map, lanes, full);
            }
        }
        int done = 0;
        int busy = 0;
        skip = 0;
        for (int r = 0; r < rows; r++) {
            int u = union(masks, r);
            if (skip < h && u == 0) {
                skip++;
                continue;
            }
            skip = 0;
            done++;
            busy += Integer.bitCount(u);
        }
        return new Tile(done, busy, masks.length);
    }

    private static void promote(int[] m, int r, List<int[]> map, int lanes, int full) {
        while (true) {
            int bestLane = -1;
            int bestCount = 0;
            int fromRow = 0;
            int fromLane = 0;
            for (int holes = ~m[r] & full; holes != 0; holes &= holes - 1) {
                int lane = Integer.numberOfTrailingZeros(holes);
                int count = 0;
                int candRow = 0;
                int candLane = 0;
                for (int[] p : map) {
                    int rr = r + p[0];
                    int ll = Math.floorMod(lane + p[1], lanes);
                    if (rr < m.length && (m[rr] >>> ll & 1) != 0) {
                        if (count++ == 0) {
                            candRow = rr;
                            candLane = ll;
                        }
                    }
                }
                if (count > bestCount) {
                    bestCount = count;
                    bestLane = lane;
                    fromRow = candRow;
                    fromLane = candLane;
                }
            }
            if (bestLane < 0) {
                return;
            }
            m[r] |= 1 << bestLane;
            m[fromRow] &= ~(1 << fromLane);
        }
    }

    private static int union(int[][] masks, int r) {
        int u = 0;
        for (int[] m : masks) {
            u |= m[r];
        }
        return u;
    }
}
