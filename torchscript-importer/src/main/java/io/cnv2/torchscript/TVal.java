package io.cnv2.torchscript;

import java.util.Arrays;

/**
 * A tensor during translation: the ONNX value that holds it (null until an emitted node needs it),
 * its shape and element type, and its values when they are known while translating: parameters,
 * constants, and the sizes and counts that traced code computes with
 * ({@code ops.prim.NumToTensor(torch.size(x, 0))}). Known values let shapes and control flow be
 * decided statically; unknown ones flow through the ONNX graph.
 *
 * @param name   the ONNX value name, or null for a known tensor not yet used by a node
 * @param shape  the dimensions (empty for a 0-d tensor)
 * @param type   float (any width, carried as float32) or integer (int64) or bool
 * @param floats known values of a float tensor, row-major
 * @param longs  known values of an integer or bool tensor, row-major
 * @param origin where a known tensor came from (a parameter path such as {@code conv1.weight}), for names
 */
public record TVal(String name, int[] shape, Type type, float[] floats, long[] longs, String origin) {
    /** Element types the translation distinguishes (ONNX FLOAT, INT64, BOOL). */
    public enum Type {
        FLOAT(1), INT64(7), BOOL(9);

        public final int onnx;

        Type(int onnx) {
            this.onnx = onnx;
        }
    }

    public static TVal symbolic(String name, int[] shape, Type type) {
        return new TVal(name, shape, type, null, null, null);
    }

    public static TVal known(float[] values, int[] shape, String origin) {
        return new TVal(null, shape, Type.FLOAT, values, null, origin);
    }

    public static TVal known(long[] values, int[] shape, Type type, String origin) {
        return new TVal(null, shape, type, null, values, origin);
    }

    public static TVal scalar(long v) {
        return known(new long[] {v}, new int[0], Type.INT64, null);
    }

    public static TVal scalar(double v) {
        return known(new float[] {(float) v}, new int[0], null);
    }

    public boolean isKnown() {
        return floats != null || longs != null;
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return Shapes.size(shape);
    }

    /** Dimension {@code d}, negative counting from the end as PyTorch does. */
    public int dim(long d) {
        return shape[shapeAxis(d)];
    }

    /**
     * {@link #axis} for ops that index the shape along the dimension (select, narrow, chunk, cat, ...):
     * PyTorch accepts dim 0 of a 0-d tensor only where no size is read, and these read one.
     */
    public int shapeAxis(long d) {
        if (shape.length == 0) {
            throw new TranslationException("dimension " + d + " of a 0-d tensor (the op needs a tensor with dimensions)");
        }
        return axis(d);
    }

    /**
     * {@link #axis} of each of {@code dims}, which PyTorch takes only when no dimension is named
     * twice (squeeze, the reductions).
     */
    public int[] axes(long[] dims) {
        int[] axes = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            axes[i] = axis(dims[i]);
            for (int j = 0; j < i; j++) {
                if (axes[j] == axes[i]) {
                    throw new TranslationException("dimension " + dims[i] + " appears twice in the dimensions "
                            + java.util.Arrays.toString(dims));
                }
            }
        }
        return axes;
    }

    /** A PyTorch dimension index (negative from the end) as a non-negative one, or an error naming it. */
    public int axis(long d) {
        long a = d < 0 ? d + shape.length : d;
        if (a < 0 || a >= Math.max(1, shape.length)) {
            throw new TranslationException("dimension " + d + " is out of range for a tensor of shape " + shapeString());
        }
        return (int) a;
    }

    /** The single value of a known one-element tensor, as a double. */
    public double scalarValue() {
        if (!isKnown() || size() != 1) {
            throw new TranslationException("a value known at translation time was expected, got a computed tensor of shape "
                    + shapeString());
        }
        return floats != null ? floats[0] : longs[0];
    }

    public TVal withName(String n) {
        return new TVal(n, shape, type, floats, longs, origin);
    }

    public String shapeString() {
        return Arrays.toString(shape).replace('[', '(').replace(']', ')');
    }
}
