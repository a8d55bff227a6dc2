package io.cnv2.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with aligned columns: numbers right, text left. */
final class Table {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();
    private final boolean[] right;

    Table(String... header) {
        this.header = List.of(header);
        this.right = new boolean[header.length];
    }

    Table alignRight(int... columns) {
        for (int c : columns) {
            right[c] = true;
        }
        return this;
    }

    void row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(String.valueOf(c));
        }
        rows.add(r);
    }

    void separator() {
        rows.add(null);
    }

    String render() {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = header.get(i).length();
        }
        for (List<String> r : rows) {
            if (r != null) {
                for (int i = 0; i < r.size(); i++) {
                    w[i] = Math.max(w[i], r.get(i).length());
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header, w);
        rule(sb, w);
        for (List<String> r : rows) {
            if (r == null) {
                rule(sb, w);
            } else {
                line(sb, r, w);
            }
        }
        return sb.toString();
    }

    private void line(StringBuilder sb, List<String> cells, int[] w) {
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            String pad = " ".repeat(w[i] - c.length());
            sb.append(i == 0 ? "" : "  ").append(right[i] ? pad + c : c + (i == cells.size() - 1 ? "" : pad));
        }
        sb.append('\n');
    }

    private static void rule(StringBuilder sb, int[] w) {
        int total = 0;
        for (int x : w) {
            total += x;
        }
        sb.append("-".repeat(total + 2 * (w.length - 1))).append('\n');
    }
}
