package io.cnv2.spark;

import java.io.Serializable;

/**
 * One task: the run at {@code run} of the job (-1: the recipe's own run) over images
 * {@code [from, to)}. Parts are what is checkpointed: a finished part is never computed again.
 */
record Part(int run, int from, int to) implements Serializable {
}
