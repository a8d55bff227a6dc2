package io.cnv2.exec;

import java.util.List;

/** The taps of every conv and fully connected layer for one input, {@code index} counting inputs from 0. */
public record SampleTaps(long index, List<LayerTap> layers) {
}
