package io.cnv2.cli;

import java.io.PrintWriter;
import java.util.function.IntConsumer;

/**
 * A progress bar with rate and time left on standard error, redrawn at most 10 times a second;
 * silent when standard error is not a terminal (scripts, CI) unless forced.
 */
final class Progress implements IntConsumer {
    private final PrintWriter err;
    private final int total;
    private final String label;
    private final long start = System.nanoTime();
    private final boolean enabled;
    private long lastDraw;
    private boolean ended;

    Progress(PrintWriter err, int total, String label, boolean enabled) {
        this.err = err;
        this.total = total;
        this.label = label;
        this.enabled = enabled && total > 1;
    }

    static boolean terminal() {
        return System.console() != null && System.getenv("CI") == null;
    }

    @Override
    public synchronized void accept(int done) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        double secs = (now - start) / 1e9;
        double rate = done / Math.max(secs, 1e-9);
        int width = 30;
        int fill = (int) Math.min(width, (long) width * done / total);
        String eta = done == 0 ? "?" : String.format("%.0fs", (total - done) / rate);
        err.printf("\r%s [%s%s] %d/%d  %.1f/s  left %s   ", label, "#".repeat(fill), ".".repeat(width - fill), done,
                total, rate, eta);
        if (done == total) {
            err.printf("%n");
            ended = true;
        }
        err.flush();
    }

    /** Ends the bar's line when the work finished short of the total (a total that was a bound). */
    synchronized void finish() {
        if (enabled && !ended && lastDraw != 0) {
            err.printf("%n");
            err.flush();
        }
        ended = true;
    }
}
