package io.cnv2.stats;

/** One image's outcome as reports store it: where it came from, its label (-1 if none), both top-1 classes. */
public record PredictionRecord(String source, int label, int floatClass, int fixedClass) {
}
