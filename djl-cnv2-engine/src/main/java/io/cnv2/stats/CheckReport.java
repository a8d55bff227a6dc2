package io.cnv2.stats;

import java.util.List;

/**
 * {@code cnv2 check}: cnv2's handling of a model against its float authority (ONNX Runtime running
 * the original file) on some inputs. For every output and every intermediate tensor the authority
 * computes: {@code maxRelativeError} = max |cnv2 float - authority| / max |authority| over the
 * samples (cnv2's own float execution of the imported, placed graph: the proof the import is
 * faithful), {@code fixedPointRelativeError} the same for the 16-bit emulation, and where the
 * tensor was made.
 */
public record CheckReport(String model, String authority, String inputs, int samples, List<Entry> outputs,
                          List<Entry> tensors, List<Place> placements) {
    /** One tensor. */
    public record Entry(String name, List<Integer> shape, String placement, String op, double maxRelativeError,
                        double fixedPointRelativeError) {
    }

    /** One place: how many IR nodes it runs and its share of the network's multiply-accumulates. */
    public record Place(String placement, int nodes, long macs, double macShare) {
    }
}
