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
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("pruning fraction must be from 0 to 1, got " + fraction);
        }
        if (fraction == 0) {
            return net;
        }
        Network.Builder b = Network.builder(net.name());
        net.inputs().forEach(i -> b.input(i.name(), i.shape()));
        net.constants().forEach(b::constant);
        for (Node n : net.nodes()) {
            Op op = n.op();
            if (op instanceof Conv c) {
                op = c.withWeights(prune(c.weight(), fraction), c.bias());
            } else if (op instanceof Dense d) {
                op = new Dense(prune(d.weight(), fraction), d.bias());
            }
            b.node(n.name(), op, n.inputs(), n.output());
        }
        net.outputs().forEach(b::output);
        return b.build();
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
