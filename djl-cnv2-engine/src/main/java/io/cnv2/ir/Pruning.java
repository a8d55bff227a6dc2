package io.cnv2.ir;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Magnitude pruning (CNV2-MODEL.md section 5, item 4): in every conv and fully connected layer
 * the {@code floor(fraction * n)} weights of smallest magnitude become zero (ties by position,
 * so the result is deterministic); biases stay. It runs on the network cnv2 executes, after
 * BatchNorm is folded, so the magnitudes ranked are those of the weights as run.
 */
public final class Pruning {
    private Pruning() {
    }

    /** {@code net} with each layer pruned to {@code fraction} zero weights; {@code net} itself when 0. */
    public static Network magnitude(Network net, double fraction) {
        return magnitude(net, fraction, false);
    }

    /**
     * With {@code global}, the floor(fraction * n) smallest weights of all conv and fully
     * connected layers together become zero (ties by layer order, then position), so layers end
     * at different sparsities; otherwise each layer to {@code fraction}.
     */
    public static Network magnitude(Network net, double fraction, boolean global) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("pruning fraction must be from 0 to 1, got " + fraction);
        }
        if (fraction == 0) {
            return net;
        }
        float limit = global ? globalLimit(net, fraction) : Float.NaN;
        int[] atLimit = {global ? globalTies(net, fraction, limit) : 0};
        Network.Builder b = Network.builder(net.name());
        net.inputs().forEach(i -> b.input(i.name(), i.shape()));
        net.constants().forEach(b::constant);
        for (Node n : net.nodes()) {
            Op op = n.op();
            if (op instanceof Conv c) {
                op = c.withWeights(global ? below(c.weight(), limit, atLimit) : prune(c.weight(), fraction), c.bias());
            } else if (op instanceof Dense d) {
                op = new Dense(global ? below(d.weight(), limit, atLimit) : prune(d.weight(), fraction), d.bias());
            }
            b.node(new Node(n.name(), op, n.inputs(), n.outputs()));
        }
        net.outputs().forEach(b::output);
        return b.build();
    }

    /** Every weight of every conv and fully connected layer, in layer order. */
    private static float[] allMagnitudes(Network net) {
        int n = 0;
        for (Node x : net.nodes()) {
            n += weights(x) == null ? 0 : weights(x).data().length;
        }
        float[] all = new float[n];
        int at = 0;
        for (Node x : net.nodes()) {
            Tensor w = weights(x);
            if (w != null) {
                for (float v : w.data()) {
                    all[at++] = Math.abs(v);
                }
            }
        }
        return all;
    }

    private static Tensor weights(Node n) {
        return n.op() instanceof Conv c ? c.weight() : n.op() instanceof Dense d ? d.weight() : null;
    }

    /** The magnitude of the last weight pruned globally (the k-th smallest, k = floor(fraction * n)). */
    private static float globalLimit(Network net, double fraction) {
        float[] all = allMagnitudes(net);
        int k = (int) Math.floor(fraction * all.length);
        if (k == 0) {
            return -1;
        }
        Arrays.sort(all);
        return all[k - 1];
    }

    /** How many weights with magnitude exactly {@code limit} are pruned (the first ones, in layer order). */
    private static int globalTies(Network net, double fraction, float limit) {
        float[] all = allMagnitudes(net);
        int k = (int) Math.floor(fraction * all.length);
        int below = 0;
        for (float v : all) {
            below += v < limit ? 1 : 0;
        }
        return k - below;
    }

    /** Zeroes weights below {@code limit}, and the first {@code ties[0]} equal to it (counted down across layers). */
    private static Tensor below(Tensor w, float limit, int[] ties) {
        float[] v = w.data().clone();
        for (int i = 0; i < v.length; i++) {
            float m = Math.abs(v[i]);
            if (m < limit) {
                v[i] = 0;
            } else if (m == limit && ties[0] > 0) {
                v[i] = 0;
                ties[0]--;
            }
        }
        return new Tensor(w.shape(), v);
    }

    static Tensor prune(Tensor w, double fraction) {
        float[] v = w.data().clone();
        int zeros = (int) Math.floor(fraction * v.length);
        Integer[] order = IntStream.range(0, v.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> Math.abs(v[i])).thenComparingInt(i -> i));
        for (int i = 0; i < zeros; i++) {
            v[order[i]] = 0;
        }
        return new Tensor(w.shape(), v);
    }
}
