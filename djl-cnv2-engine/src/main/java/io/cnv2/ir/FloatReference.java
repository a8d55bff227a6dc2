package io.cnv2.ir;

import java.util.Map;
import java.util.Set;

/**
 * The float authority for a network imported from a file a real runtime can run: for ONNX models,
 * ONNX Runtime running the original file (docs/ARCHITECTURE.md). Runs report its outputs as the
 * float column and calibration profiles its intermediate tensors, so both cost what the runtime
 * costs; cnv2's own float execution ({@code FloatExecutor}) stays as the proof that the import is
 * faithful ({@code cnv2 check}) and as the float path of networks no runtime holds (DJL block
 * trees, TorchScript, pruned networks). Implementations are safe to call from many threads.
 */
public interface FloatReference {
    /** Who computes ("ONNX Runtime"). */
    String name();

    /** True if {@link #run} can return the network tensor of this name. */
    boolean computes(String tensor);

    /** The tensors named in {@code wanted}, each as float32, for one sample's inputs. */
    Map<String, Tensor> run(Map<String, Tensor> inputs, Set<String> wanted);

    /**
     * The same tensors handed to {@code each} one at a time, so that a caller that only reduces them
     * (calibration keeps a range) never holds them all in the Java heap at once.
     */
    default void stream(Map<String, Tensor> inputs, Set<String> wanted,
                        java.util.function.BiConsumer<String, Tensor> each) {
        run(inputs, wanted).forEach(each);
    }

    /**
     * {@link #run} for several samples, in their order: what each sample's own run returns. A
     * runtime may run them as one batch where the model declares a batch axis for its input and
     * every wanted tensor (and where that gives the single runs' bits); by default, one by one.
     */
    default java.util.List<Map<String, Tensor>> runBatch(java.util.List<Map<String, Tensor>> inputs,
                                                         Set<String> wanted) {
        java.util.List<Map<String, Tensor>> out = new java.util.ArrayList<>(inputs.size());
        for (Map<String, Tensor> in : inputs) {
            out.add(run(in, wanted));
        }
        return out;
    }
}
