package io.cnv2.accuracy;

import io.cnv2.config.RunConfig;
import io.cnv2.data.Sample;
import io.cnv2.exec.Emulator;
import io.cnv2.exec.FloatMemo;
import io.cnv2.stats.RunReport;
import java.util.List;

/**
 * Where the configurations of a sweep are run: on this machine ({@link #local}) or spread over a
 * cluster (cnv2's spark module). Either way the reports are the ones {@link Emulator#evaluate}
 * gives on this machine, bit for bit, so a sweep's result does not depend on where it ran.
 */
@FunctionalInterface
public interface ConfigRunner {
    /**
     * The report of each run in {@code runs} (runs of the sweep's base emulator, given to
     * {@link Emulator#with}) over images {@code [from, to)} of the sweep's images, in the
     * order of {@code runs}. Several runs at once let a cluster run them side by side.
     */
    List<RunReport> reports(List<RunConfig> runs, int from, int to);

    /**
     * True when several runs handed over at once run side by side (a cluster); false when they
     * would run one after another anyway, so a sweep hands them over one at a time and
     * checkpoints each as soon as it is finished.
     */
    default boolean sideBySide() {
        return false;
    }

    /**
     * The runs one after another on this machine's cores; each image's float reference runs once,
     * for the first run that meets it ({@link FloatMemo}).
     */
    static ConfigRunner local(Emulator base, List<Sample> images, String model, String dataset) {
        FloatMemo memo = new FloatMemo(base.network(), images.size());
        return (runs, from, to) -> runs.stream()
                .map(r -> base.with(r).measure(images.subList(from, to), from, memo, model, dataset))
                .toList();
    }
}
