package io.cnv2.data;

import java.util.AbstractList;
import java.util.List;
import java.util.Objects;

/**
 * A labelled input set read one sample at a time: {@link #get} makes the sample's tensor when it
 * is asked for and keeps nothing, so a run over a large set holds one batch of tensors, not the
 * set ({@link IdxDataset}, {@link ImageFolder}).
 */
public interface Dataset {
    String name();

    int size();

    /** Sample {@code index}, read and preprocessed now. */
    Sample get(int index);

    /** Class names by label, or null when the dataset does not name its classes. */
    default List<String> classes() {
        return null;
    }

    /**
     * The first {@code limit} samples (all when {@code limit <= 0}) as a list view: each
     * {@code get} reads its sample from the dataset; the list holds no tensors.
     */
    default List<Sample> samples(int limit) {
        int n = limit > 0 ? Math.min(limit, size()) : size();
        return new AbstractList<>() {
            @Override
            public Sample get(int i) {
                return Dataset.this.get(Objects.checkIndex(i, n));
            }

            @Override
            public int size() {
                return n;
            }
        };
    }
}
