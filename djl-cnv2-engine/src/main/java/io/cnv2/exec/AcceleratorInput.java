package io.cnv2.exec;

import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvTranspose;
import io.cnv2.ir.Dense;
import io.cnv2.ir.Op;
import io.cnv2.ir.Shape;

/**
 * The activations an accelerator layer reads, laid out as the accelerator takes them
 * ([1, C, H, W] or [1, C], see {@code Accelerator.run}), and its output back in the IR's layout.
 * Only moves values; the neuron memory's layout is the dispatcher's concern (CNV2-MODEL.md section 3).
 */
final class AcceleratorInput {
    private AcceleratorInput() {
    }

    static QTensor of(Op op, QTensor x) {
        if (op instanceof io.cnv2.ir.QuantisedLayer q) {
            return of(q.layer(), x);
        }
        if (op instanceof ConvTranspose t) {
            // the zero-inserted input of the equivalent conv: the zeros are ineffectual activations
            short[] z = new short[t.zeroInsertedShape(x.shape()).size()];
            int[] idx = t.zeroInsertedIndex(x.shape());
            for (int i = 0; i < idx.length; i++) {
                z[idx[i]] = x.data()[i];
            }
            return x.withData(t.zeroInsertedShape(x.shape()), z);
        }
        if (op instanceof Dense && (x.shape().rank() > 2 || Dense.rows(x.shape()) > 1)) {
            // [..., rows, C] -> [1, C, 1, rows]: the rows (tokens, time steps, a Gemm's M) are the
            // positions of a 1x1 conv, the same weights applied to each
            int c = x.shape().dim(-1);
            int rows = Dense.rows(x.shape());
            return x.withData(Shape.of(1, c, 1, rows), transpose(x.data(), rows, c));
        }
        return x;
    }

    static QTensor output(Op op, QTensor y, Shape irShape) {
        if (op instanceof io.cnv2.ir.QuantisedLayer q) {
            return output(q.layer(), y, irShape);
        }
        if (op instanceof Dense && (irShape.rank() > 2 || Dense.rows(irShape) > 1)) {
            int k = irShape.dim(-1);
            int rows = Dense.rows(irShape);
            return y.withData(irShape, transpose(y.data(), k, rows));
        }
        return y;
    }

    /** The int32 sums of a raw integer layer in the IR's layout (null stays null). */
    static int[] output(Op op, int[] sums, Shape irShape) {
        if (op instanceof io.cnv2.ir.QuantisedLayer q) {
            return output(q.layer(), sums, irShape);
        }
        if (sums != null && op instanceof Dense && (irShape.rank() > 2 || Dense.rows(irShape) > 1)) {
            int k = irShape.dim(-1);
            int rows = Dense.rows(irShape);
            int[] t = new int[sums.length];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < k; c++) {
                    t[r * k + c] = sums[c * rows + r]; // [K][rows] -> [rows][K], as the 16-bit output
                }
            }
            return t;
        }
        return sums;
    }

    /** A [rows][cols] matrix, row-major, as [cols][rows]. */
    private static short[] transpose(short[] a, int rows, int cols) {
        short[] t = new short[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }
}
