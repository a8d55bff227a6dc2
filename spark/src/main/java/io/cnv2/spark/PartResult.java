package io.cnv2.spark;

import io.cnv2.stats.ReportBuilder;
import java.io.Serializable;

/**
 * What one task sends back for its images: the statistics added up (integers, so parts add up
 * to the single-machine sums whatever the split) and, per image in order, the predicted classes
 * and, for an accuracy run, the rank of the label in each path's scores (top-1 and top-5 come
 * from ranks; the output tensors stay on the executor).
 *
 * @param denseRanks the dense fixed-point path's ranks; null when the run did not ask for ranks
 * @param floatRuns  images whose float reference this task ran (the others' classes were known)
 */
record PartResult(ReportBuilder.Tally tally, String[] sources, int[] labels, int[] floatClasses,
                  int[] fixedClasses, int[] floatRanks, int[] fixedRanks, int[] denseRanks, int floatRuns)
        implements Serializable {
}
