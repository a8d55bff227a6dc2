package io.cnv2.config;

import io.cnv2.BadInputException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A zero-weight skipping mode of Cnvlutin2 (CNV2-MODEL.md section 5.4), parsed from the run
 * option {@code weightSkip}: {@code none}, {@code filter-lanes} [chosen], or
 * {@code lookahead(h,d[,shape])}, the Bit-Tactical static weight schedule with lookahead
 * {@code h}, lookaside {@code d} and search shape {@code T} or {@code L} (plain
 * {@code lookahead} is DNNsim's default, h=2, d=5, T).
 *
 * @param mode  "none", "filter-lanes" or "lookahead"
 * @param h     lookahead: how many later weight rows a slot may take a weight from (lookahead only)
 * @param d     lookaside: how many side positions the search visits (lookahead only)
 * @param shape 'T' or 'L' (lookahead only)
 */
public record WeightSkip(String mode, int h, int d, char shape) {
    private static final Pattern LOOKAHEAD = Pattern.compile(
            "lookahead(?:\\(\\s*(\\d{1,2})\\s*,\\s*(\\d{1,2})\\s*(?:,\\s*([TL])\\s*)?\\))?");

    /** The mode a {@code weightSkip} value names; a clear error naming the option otherwise. */
    public static WeightSkip parse(String value) {
        if ("none".equals(value) || "filter-lanes".equals(value)) {
            return new WeightSkip(value, 0, 0, 'T');
        }
        Matcher m = value == null ? null : LOOKAHEAD.matcher(value.trim());
        if (m == null || !m.matches()) {
            throw new BadInputException("run option weightSkip: unknown value '" + value
                    + "' (known: none, filter-lanes, lookahead, lookahead(h,d), lookahead(h,d,T|L))");
        }
        int h = m.group(1) == null ? 2 : Integer.parseInt(m.group(1));
        int d = m.group(2) == null ? 5 : Integer.parseInt(m.group(2));
        char shape = m.group(3) == null ? 'T' : m.group(3).charAt(0);
        if (h < 1 || h > 16 || d > 32) {
            throw new BadInputException("run option weightSkip: " + value
                    + " needs a lookahead h from 1 to 16 and a lookaside d from 0 to 32");
        }
        return new WeightSkip("lookahead", h, d, shape);
    }

    public boolean lookahead() {
        return mode.equals("lookahead");
    }

    public boolean filterLanes() {
        return mode.equals("filter-lanes");
    }

    /**
     * Where a zero weight slot at (row, lane) may take a weight from: (rows ahead, lanes aside)
     * pairs in the order the search visits them. As DNNsim's Bit-Tactical scheduler: h straight
     * ahead; then for 'L' one row ahead and 1..d lanes to the left; for 'T' d side positions
     * alternating right and left, widening by one lane and moving one row further (wrapping to
     * row 1 after h) every two; the whole set sorted by (rows, lanes).
     */
    public List<int[]> searchMap() {
        List<int[]> map = new ArrayList<>();
        for (int i = 1; i <= h; i++) {
            map.add(new int[] {i, 0});
        }
        if (shape == 'L') {
            for (int i = 1; i <= d; i++) {
                map.add(new int[] {1, -i});
            }
        } else {
            int row = 1;
            int side = 1;
            for (int i = 0; i < d; i++) {
                map.add(new int[] {row, i % 2 == 0 ? side : -side});
                if (i % 2 == 1) {
                    side++;
                    row = row == h ? 1 : row + 1;
                }
            }
        }
        map.sort(Comparator.<int[]>comparingInt(p -> p[0]).thenComparingInt(p -> p[1]));
        return List.copyOf(map);
    }

    /** Bits of each weight slot's select signal: one of the search positions or its own. */
    public int selectBits() {
        return lookahead() ? 32 - Integer.numberOfLeadingZeros(searchMap().size()) : 0;
    }

    @Override
    public String toString() {
        return lookahead() ? "lookahead(" + h + "," + d + "," + shape + ")" : mode;
    }
}
