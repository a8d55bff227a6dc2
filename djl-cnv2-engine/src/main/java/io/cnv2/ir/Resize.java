package io.cnv2.ir;

import java.util.List;

/**
 * ONNX Resize (and Upsample) of the two spatial axes of [N, C, H, W], nearest or (bi)linear,
 * with ONNX's coordinate transformation modes. {@code scaleY}/{@code scaleX} are the scales the
 * coordinate transform divides by (the given scales, or output / input size when sizes were given).
 * Each output value is a convex combination of at most four input values ({@link #taps}); the float
 * reference sums them in double, the fixed-point rule does the same on the integers and rounds half up
 * (docs/FIXED-POINT.md), so nearest is exact in both.
 */
public record Resize(Mode mode, Coordinates coordinates, Nearest nearest, int outY, int outX,
                     double scaleY, double scaleX) implements Op {
    public enum Mode { NEAREST, LINEAR }

    public enum Coordinates { HALF_PIXEL, PYTORCH_HALF_PIXEL, ALIGN_CORNERS, ASYMMETRIC, TF_HALF_PIXEL_FOR_NN }

    public enum Nearest { ROUND_PREFER_FLOOR, ROUND_PREFER_CEIL, FLOOR, CEIL }

    public Resize {
        if (outY < 1 || outX < 1 || !(scaleY > 0) || !(scaleX > 0)) {
            throw new IrException("Resize output " + outY + "x" + outX + " and scales " + scaleY + ", " + scaleX
                    + " must be positive");
        }
    }

    /** One output value = sum of weights[i] * input[index[i]]. */
    public record Taps(int[] index, double[] weight) {
    }

    @Override
    public String kind() {
        return "Resize";
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        Op.requireRank(node, "Resize input", in.get(0), 4);
        Shape s = in.get(0);
        return Shape.of(s.dim(0), s.dim(1), outY, outX);
    }

    /**
     * The input coordinate of output coordinate {@code o} on an axis (ONNX coordinate_transformation_mode).
     * ONNX's "resized length" is input length x scale before flooring, which differs from the output
     * length when a scale does not divide evenly.
     */
    double original(int o, int inLen, int outLen, double scale) {
        double resized = inLen * scale;
        return switch (coordinates) {
            case HALF_PIXEL -> (o + 0.5) / scale - 0.5;
            case PYTORCH_HALF_PIXEL -> resized > 1 ? (o + 0.5) / scale - 0.5 : 0;
            case ALIGN_CORNERS -> resized == 1 ? 0 : o * (double) (inLen - 1) / (resized - 1);
            case ASYMMETRIC -> o / scale;
            case TF_HALF_PIXEL_FOR_NN -> (o + 0.5) / scale;
        };
    }

    /** Per output position along one axis: the (up to two) input positions and weights. */
    private int[][] axisTaps(int inLen, int outLen, double scale, double[][] weights) {
        int[][] idx = new int[outLen][];
        for (int o = 0; o < outLen; o++) {
            double x = original(o, inLen, outLen, scale);
            if (mode == Mode.NEAREST) {
                double r = switch (nearest) {
                    case ROUND_PREFER_FLOOR -> x == Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x);
                    case ROUND_PREFER_CEIL -> Math.round(x);
                    case FLOOR -> Math.floor(x);
                    case CEIL -> Math.ceil(x);
                };
                idx[o] = new int[] {(int) Math.max(0, Math.min(inLen - 1, r))};
                weights[o] = new double[] {1};
            } else {
                // ONNX Runtime clamps the coordinate into the input before interpolating
                double c = Math.max(0, Math.min(inLen - 1, x));
                int lo = (int) Math.floor(c);
                int hi = Math.min(lo + 1, inLen - 1);
                double w = c - lo;
                idx[o] = new int[] {lo, hi};
                weights[o] = new double[] {1 - w, w};
            }
        }
        return idx;
    }

    /** The taps of every output element, in row-major output order. */
    public Taps[] taps(Shape input) {
        int planes = input.dim(0) * input.dim(1);
        int h = input.dim(2);
        int w = input.dim(3);
        double[][] wy = new double[outY][];
        double[][] wx = new double[outX][];
        int[][] iy = axisTaps(h, outY, scaleY, wy);
        int[][] ix = axisTaps(w, outX, scaleX, wx);
        Taps[] taps = new Taps[planes * outY * outX];
        int o = 0;
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < outY; y++) {
                for (int x = 0; x < outX; x++) {
                    int n = iy[y].length * ix[x].length;
                    int[] index = new int[n];
                    double[] weight = new double[n];
                    int t = 0;
                    for (int a = 0; a < iy[y].length; a++) {
                        for (int b = 0; b < ix[x].length; b++) {
                            index[t] = (p * h + iy[y][a]) * w + ix[x][b];
                            weight[t++] = wy[y][a] * wx[x][b];
                        }
                    }
                    taps[o++] = new Taps(index, weight);
                }
            }
        }
        return taps;
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        Tensor x = in.get(0);
        Taps[] taps = taps(x.shape());
        float[] r = new float[taps.length];
        for (int i = 0; i < r.length; i++) {
            double s = 0;
            for (int t = 0; t < taps[i].index.length; t++) {
                s += taps[i].weight[t] * x.data()[taps[i].index[t]];
            }
            r[i] = (float) s;
        }
        return new Tensor(inferShape("", List.of(x.shape())), r);
    }
}
