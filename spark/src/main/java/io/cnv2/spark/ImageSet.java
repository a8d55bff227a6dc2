package io.cnv2.spark;

import io.cnv2.data.Sample;
import java.io.Serializable;

/**
 * The images of a distributed run as executors reach them: shipped from the driver
 * ({@link ShippedImages}) or read from a file system every machine mounts at the same path
 * ({@link SharedImages}). Image {@code i} is the sample the single-machine run sees at position i.
 */
public interface ImageSet extends Serializable {
    int size();

    /** Image {@code i}, read now. */
    Sample get(int i);

    /** What identifies these images in a checkpoint (a part computed on other images is not reused). */
    String identity();
}
