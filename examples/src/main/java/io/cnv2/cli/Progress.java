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
    /** Work units per counted item (accuracy runs each image more than once; the bar counts images). */
    private final int per;
    private final long start = System.nanoTime();
    private final boolean enabled;
    private long lastDraw;
    private boolean ended;

    Progress(PrintWriter err, int total, String label, boolean enabled) {
        this(err, total, 1, label, enabled);
    }

    Progress(PrintWriter err, int total, int per, String label, boolean enabled) {
        this.err = err;
        this.total = total;
        this.per = Math.max(1, per);
        this.label = label;
        this.enabled = enabled && total > 1;
    }

    /**
     * True if standard error reaches a person's terminal. The ./cnv2 launcher passes its own standard
     * error through a filter (so the JVM sees a pipe) and says in CNV2_STDERR_TTY whether it is a
     * terminal; run directly, the JVM's console tells.
     */
    static boolean terminal() {
        String launcher = System.getenv("CNV2_STDERR_TTY");
        if (launcher != null) {
            return launcher.equals("1") && System.getenv("CI") == null;
        }
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
        err.printf("\r%s [%s%s] %d/%d images  %.1f images/s  left %s   ", label, "#".repeat(fill), ".".repeat(width - fill),
                done / per, total / per, rate / per, eta);
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
