package io.cnv2.ir;

/**
 * The window of a pooling op (ONNX MaxPool / AveragePool attributes once imported).
 * With {@code ceilMode} the output size rounds up, and a window may start inside the
 * right/bottom padding but never wholly past the input (ONNX rule).
 */
public record PoolWindow(int kernelY, int kernelX, int strideY, int strideX,
                         int padTop, int padLeft, int padBottom, int padRight, boolean ceilMode) {
    public PoolWindow {
        if (kernelY < 1 || kernelX < 1 || strideY < 1 || strideX < 1) {
            throw new IrException("pool kernel and strides must be >= 1");
        }
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IrException("pool pads must be >= 0");
        }
    }

    public int outY(int h) {
        return out(h, padTop + padBottom, kernelY, strideY, padTop);
    }

    public int outX(int w) {
        return out(w, padLeft + padRight, kernelX, strideX, padLeft);
    }

    private int out(int in, int pads, int k, int s, int padBegin) {
        int span = in + pads - k;
        int o = (ceilMode ? Math.floorDiv(span + s - 1, s) : Math.floorDiv(span, s)) + 1;
        if (ceilMode && (o - 1) * s >= in + padBegin) {
            o--; // the last window would start in the end padding only
        }
        return o;
    }

    Shape infer(String node, String kind, Shape in) {
        Op.requireRank(node, kind + " input", in, 4);
        int oy = outY(in.dim(2));
        int ox = outX(in.dim(3));
        if (oy < 1 || ox < 1) {
            throw IrException.at(node, kind + " output would be empty for input " + in);
        }
        return Shape.of(in.dim(0), in.dim(1), oy, ox);
    }
}
