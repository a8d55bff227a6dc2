package io.cnv2.hw;

import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.Shape;
import java.util.Random;

/**
 * Random layers for differential tests: odd channel counts, C = 3, strides, asymmetric padding,
 * dilation, 1x1 kernels, groups, depthwise and fully connected layers, and activations with many
 * zeros (as after ReLU) and random fraction lengths, so outputs saturate now and then.
 */
public final class RandomLayers {
    private RandomLayers() {
    }

    public record Case(QLayer layer, QTensor input) {
    }

    public static Case next(Random r, int index) {
        return next(r, index, -1);
    }

    /** A random layer whose activations are zero with probability {@code sparsity} (random when negative). */
    public static Case next(Random r, int index, double sparsity) {
        return next(r, index, sparsity, 0);
    }

    /**
     * {@link #next(Random, int, double)} with {@code filters} filters per group when positive (a
     * fully connected layer with that many outputs; ignored for a depthwise layer); the random
     * draws are the same, so every other property is as {@code next} would make it.
     */
    public static Case next(Random r, int index, double sparsity, int filters) {
        ConvGeometry g;
        int kind = index % 6;
        if (kind == 5) {
            int in = 1 + r.nextInt(300);
            int out = 1 + r.nextInt(300);
            g = ConvGeometry.fullyConnected(in, filters > 0 ? filters : out);
        } else {
            int groups = kind == 4 ? 1 + r.nextInt(4) : 1;
            boolean depthwise = kind == 4 && r.nextBoolean();
            int c = kind == 0 ? 3 : 1 + r.nextInt(40);
            int k = 1 + r.nextInt(kind == 3 ? 300 : 40);
            if (depthwise) {
                groups = c;
                k = c * (1 + r.nextInt(2));
            } else {
                k = filters > 0 ? filters : k;
                c *= groups;
                k *= groups;
            }
            int ky = kind == 1 ? 1 : r.nextInt(6) == 0 ? 5 : 1 + r.nextInt(3);
            int kx = kind == 1 ? 1 : r.nextInt(6) == 0 ? 5 : 1 + r.nextInt(3);
            int h = ky + r.nextInt(8);
            int w = kx + r.nextInt(8);
            int stride = 1 + r.nextInt(2);
            int dil = r.nextInt(5) == 0 ? 2 : 1;
            int pt = r.nextInt(2);
            int pl = r.nextInt(2);
            int pb = r.nextInt(2);
            int pr = r.nextInt(2);
            h += (ky - 1) * (dil - 1);
            w += (kx - 1) * (dil - 1);
            g = new ConvGeometry(c, h, w, k, ky, kx, stride, stride, pt, pl, pb, pr, dil, dil, groups);
        }
        short[] weights = new short[g.filters() * g.channelsPerGroup() * g.kernelY() * g.kernelX()];
        fill(r, weights, r.nextDouble() * 0.5);
        short[] bias = r.nextBoolean() ? fillNew(r, g.filters(), 0.2) : null;
        int fa = r.nextInt(16);
        int fw = r.nextInt(16);
        int fo = fa + fw - 8 - r.nextInt(16);
        QLayer layer = new QLayer("random" + index, g, weights, fw, bias, r.nextInt(20) - 2, fa, fo);
        Shape shape = kind == 5 ? new Shape(1, g.channels()) : new Shape(1, g.channels(), g.height(), g.width());
        short[] act = new short[shape.size()];
        fill(r, act, sparsity >= 0 ? sparsity : 0.3 + 0.6 * r.nextDouble());
        return new Case(layer, new QTensor(shape, act, fa));
    }

    /**
     * A fully connected layer of the given shape with random weights and formats, on an input [1, inputs]
     * whose values are zero with probability {@code sparsity}: the gate layers of an unrolled LSTM or GRU.
     */
    public static Case fullyConnected(Random r, String name, int inputs, int outputs, double sparsity) {
        ConvGeometry g = ConvGeometry.fullyConnected(inputs, outputs);
        short[] weights = new short[inputs * outputs];
        fill(r, weights, r.nextDouble() * 0.5);
        short[] bias = r.nextBoolean() ? fillNew(r, outputs, 0.2) : null;
        int fa = r.nextInt(16);
        int fw = r.nextInt(16);
        QLayer layer = new QLayer(name, g, weights, fw, bias, r.nextInt(20) - 2, fa, fa + fw - 8 - r.nextInt(16));
        short[] act = new short[inputs];
        fill(r, act, sparsity);
        return new Case(layer, new QTensor(new Shape(1, inputs), act, fa));
    }

    /** Random 16-bit values, each zero with probability {@code zeros}, extremes now and then. */
    public static void fill(Random r, short[] a, double zeros) {
        for (int i = 0; i < a.length; i++) {
            double u = r.nextDouble();
            a[i] = u < zeros ? 0 : u < zeros + 0.02 ? (r.nextBoolean() ? Short.MIN_VALUE : Short.MAX_VALUE)
                    : (short) r.nextInt(65536);
        }
    }

    private static short[] fillNew(Random r, int n, double zeros) {
        short[] a = new short[n];
        fill(r, a, zeros);
        return a;
    }
}
