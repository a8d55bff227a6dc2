package io.cnv2.stats;

import java.util.List;

/**
 * One network output, float authority against the emulated 16-bit accelerator over the run's
 * samples: {@code maxRelativeError} = max |fixed - float| / max |float| over every sample's values;
 * for class vectors (one axis of two or more values) also how often both pick the same top-1.
 *
 * @param compared samples whose float output was at hand (a sweep's later points reuse known classes
 *                 and compare none)
 */
public record OutputReport(String name, List<Integer> shape, long compared, double maxRelativeError,
                           boolean classVector, double top1Agreement) {
}
