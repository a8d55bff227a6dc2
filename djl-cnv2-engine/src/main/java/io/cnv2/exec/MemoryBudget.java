package io.cnv2.exec;

import io.cnv2.BadInputException;
import io.cnv2.Limits;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;

/**
 * What one run will hold, estimated from the network before any input is run (issue 10): per
 * image in flight, every tensor in float (the reference keeps them all) and in 16-bit fixed point,
 * plus each accelerator layer's scratch (the packed (value, code) pairs of its input and the exact
 * sums of its outputs, 8 bytes each); once, the weights in float, in 16 bits and as masks. A run
 * whose worker threads would need more than {@link Limits#HEAP_SHARE} of the heap is refused with
 * the figures and the two remedies, instead of failing later with an OutOfMemoryError.
 */
public final class MemoryBudget {
    private MemoryBudget() {
    }

    /** Bytes one image in flight needs. */
    public static long perImage(Network net) {
        long bytes = 0;
        for (Node n : net.nodes()) {
            for (String o : n.outputs()) {
                bytes += net.shape(o).size() * (4 + 2);
            }
        }
        for (Node n : net.acceleratorLayers()) {
            bytes += 8L * net.shape(n.inputs().get(0)).size() + 8L * net.shape(n.output()).size();
        }
        return bytes;
    }

    /** Bytes the weights need, once for the run. */
    public static long weights(Network net) {
        long values = 0;
        for (var c : net.constants().values()) {
            values += c.shape().size();
        }
        for (Node n : net.acceleratorLayers()) {
            if (n.op() instanceof io.cnv2.ir.Conv c) {
                values += c.weight().shape().size();
            } else if (n.op() instanceof io.cnv2.ir.ConvTranspose t) {
                values += t.weight().shape().size();
            } else if (n.op() instanceof io.cnv2.ir.Dense d) {
                values += d.weight().shape().size();
            }
        }
        return values * (4 + 2 + 1);
    }

    /** Refuses a run of {@code model} on {@code threads} workers that would not fit the heap. */
    public static void check(Network net, int threads, String model) {
        long image = perImage(net);
        long need = weights(net) + image * Math.max(1, threads);
        long have = (long) (Limits.heap() * Limits.HEAP_SHARE);
        if (need > have) {
            throw new BadInputException("model " + model + " needs about " + Limits.megabytes(need) + " of heap ("
                    + Limits.megabytes(image) + " per image on each of " + threads + " thread(s)); this JVM may use "
                    + Limits.megabytes(have) + ": give it more (CNV2_JAVA_OPTS=-Xmx16g) or run fewer threads "
                    + "(--threads 1)");
        }
    }
}
