package io.cnv2.hw.brick;

import io.cnv2.hw.QLayer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * What the filters of a pass need of a window's bricks, for the fast timing of Cnvlutin and
 * Cnvlutin2 (CNV2-MODEL.md sections 4 and 5): each filter's non-zero weight masks over the
 * window's brick positions, grouped into classes of filters with identical masks (they cost the
 * same), the distinct masks per brick position, and per position and channel offset how many
 * filters read a weight there. Without weight skipping every filter needs every activation:
 * one class of all-ones masks, which costs the same in every pass, so one {@code PassMasks}
 * stands for all passes ({@code repeat} of them). Built once per layer and group, not per input.
 */
public final class PassMasks {
    /** Passes this one stands for. */
    public final int repeat;
    /** [class][brick]: the weight mask of one class of identical filters. */
    public final int[][] classes;
    /** [brick]: the distinct weight masks at that brick position. */
    public final int[][] distinct;
    /** [brick][offset]: filters (over the passes stood for) with a non-zero weight there. */
    public final int[][] column;
    /** True without weight skipping: every filter needs every effectual activation. */
    public final boolean dense;

    /**
     * Weights read per brick position and 4-bit group of activation offsets: [(b * nibbles + k) * 16 + v]
     * = the sum of column[b][4k + i] over the set bits i of v, so {@link #reads} is a few lookups
     * instead of a loop over the activation bits (null when dense).
     */
    private final long[] nibbleReads;
    private final int nibbles;

    private PassMasks(int repeat, int[][] classes, int[][] distinct, int[][] column) {
        this.repeat = repeat;
        this.dense = classes.length == 1 && Arrays.stream(classes[0]).allMatch(m -> m == -1);
        this.classes = classes;
        this.distinct = distinct;
        this.column = column;
        int brick = column.length == 0 ? 0 : column[0].length;
        this.nibbles = (brick + 3) / 4;
        this.nibbleReads = dense ? null : nibbleTable(column, nibbles);
    }

    private static long[] nibbleTable(int[][] column, int nibbles) {
        long[] t = new long[column.length * nibbles * 16];
        for (int b = 0; b < column.length; b++) {
            for (int k = 0; k < nibbles; k++) {
                int at = (b * nibbles + k) * 16;
                for (int v = 1; v < 16; v++) {
                    int i = 4 * k + Integer.numberOfTrailingZeros(v);
                    // v without its lowest bit, plus that bit's column (offsets past the brick read nothing)
                    t[at + v] = t[at + (v & (v - 1))] + (i < column[b].length ? column[b][i] : 0);
                }
            }
        }
        return t;
    }

    private static final Map<QLayer, Map<Integer, List<PassMasks>>> SKIPPING =
            Collections.synchronizedMap(new WeakHashMap<>());

    /** The passes of group {@code group}: one per pass with weight skipping, one for all passes without. */
    public static List<PassMasks> of(QLayer layer, int group, int passes, int perPass, int brick, boolean skipWeights) {
        int fg = layer.geometry().filtersPerGroup();
        int nb = layer.geometry().kernelY() * layer.geometry().kernelX()
                * Bricks.ceilDiv(layer.geometry().channelsPerGroup(), brick);
        if (!skipWeights) {
            int[] ones = new int[nb];
            Arrays.fill(ones, -1);
            int[][] column = new int[nb][brick];
            for (int[] c : column) {
                Arrays.fill(c, fg);
            }
            int[][] distinct = new int[nb][];
            Arrays.fill(distinct, new int[] {-1});
            return List.of(new PassMasks(passes, new int[][] {ones}, distinct, column));
        }
        return SKIPPING.computeIfAbsent(layer, l -> Collections.synchronizedMap(new LinkedHashMap<>()))
                .computeIfAbsent(group, gr -> {
                    List<PassMasks> list = new ArrayList<>();
                    for (int pass = 0; pass < passes; pass++) {
                        int filters = Math.min(perPass, fg - pass * perPass);
                        list.add(skipping(BrickMasks.weightMasks(layer, gr, pass * perPass, filters, brick), nb, brick));
                    }
                    return list;
                });
    }

    private static PassMasks skipping(int[][] wm, int nb, int brick) {
        Map<String, int[]> classes = new LinkedHashMap<>();
        for (int[] f : wm) {
            classes.putIfAbsent(Arrays.toString(f), f);
        }
        int[][] distinct = new int[nb][];
        int[][] column = new int[nb][brick];
        for (int b = 0; b < nb; b++) {
            LinkedHashSet<Integer> s = new LinkedHashSet<>();
            for (int[] f : wm) {
                s.add(f[b]);
                for (int m = f[b]; m != 0; m &= m - 1) {
                    column[b][Integer.numberOfTrailingZeros(m)]++;
                }
            }
            distinct[b] = s.stream().mapToInt(Integer::intValue).toArray();
        }
        return new PassMasks(1, classes.values().toArray(int[][]::new), distinct, column);
    }

    /** Weights read for one brick: every effectual activation times the filters whose weight there is not zero. */
    public long reads(int activations, int b) {
        if (dense) {
            return (long) Integer.bitCount(activations) * column[b][0];
        }
        long r = 0;
        int at = b * nibbles * 16;
        for (int m = activations; m != 0; m >>>= 4, at += 16) {
            r += nibbleReads[at + (m & 15)];
        }
        return r;
    }

    /**
     * Weights read over every window of the layer's group, from {@link BrickMasks#windowCounts}:
     * the sum of {@link #reads} over every window and brick, as one dot product per layer.
     */
    public long reads(long[][] counts) {
        long r = 0;
        for (int b = 0; b < column.length; b++) {
            for (int o = 0; o < column[b].length; o++) {
                r += column[b][o] * counts[b][o];
            }
        }
        return r;
    }
}
