package io.cnv2.torchscript;

import io.cnv2.BadInputException;
import io.cnv2.Limits;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor as an archive stores it: a view ({@code shape}, {@code strides} and {@code storageOffset}, all
 * in elements) of a {@link TorchStorage}. Views are kept as saved, because TorchScript files hold
 * non-contiguous tensors (a transposed weight, a column of a matrix, an expanded bias) and tensors that
 * share a storage; the value getters walk the view in row-major order and return contiguous copies.
 * The constructor checks that the view stays inside its storage, so a hostile file cannot make a getter
 * read past it. The arrays are copied in and out, so two tensors are equal only if they are the same object.
 */
public record TorchTensor(TorchDtype dtype, long[] shape, long[] strides, long storageOffset, TorchStorage storage,
                          boolean requiresGrad) {

    public TorchTensor {
        Objects.requireNonNull(dtype);
        Objects.requireNonNull(storage);
        shape = shape.clone();
        strides = strides.clone();
        String view = describe(shape, strides, storageOffset);
        if (shape.length != strides.length) {
            throw new BadInputException("tensor " + view + " has " + shape.length + " sizes but " + strides.length + " strides");
        }
        if (shape.length > Limits.MAX_RANK) {
            throw new BadInputException("tensor " + view + " has rank " + shape.length + ", above the limit of " + Limits.MAX_RANK);
        }
        if (storageOffset < 0 || Arrays.stream(shape).anyMatch(s -> s < 0) || Arrays.stream(strides).anyMatch(s -> s < 0)) {
            throw new BadInputException("tensor " + view + " has a negative size, stride or offset");
        }
        long end = lastElement(shape, strides, storageOffset, view);
        exactNumel(shape, view);
        long held = storage.byteSize() / dtype.elementSize();
        if (end >= held) {
            throw new BadInputException("tensor " + view + " of " + dtype + " reaches element " + end + " of storage "
                    + storage.name() + ", which holds " + held);
        }
    }

    /** The sizes, outermost first (a copy). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The step in elements of the storage per index of each dimension (a copy). */
    @Override
    public long[] strides() {
        return strides.clone();
    }

    /** Number of elements (1 for a scalar of shape {@code []}). */
    public long numel() {
        return exactNumel(shape, "");
    }

    /** True when the elements lie in row-major order with no gaps, as a freshly made tensor's do. */
    public boolean isContiguous() {
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /**
     * The values in row-major order. float16 and bfloat16 widen exactly (every value of both is a float);
     * float64 rounds to the nearest float.
     */
    public float[] toFloatArray() {
        requireType(true, "toFloatArray");
        float[] out = new float[checkedNumel()];
        ByteBuffer b = storage.bytes();
        switch (dtype) {
            case FLOAT32 -> visit((i, e) -> out[i] = b.getFloat(Math.toIntExact(e * 4)));
            case FLOAT16 -> visit((i, e) -> out[i] = halfToFloat(b.getShort(Math.toIntExact(e * 2))));
            case BFLOAT16 -> visit((i, e) -> out[i] = Float.intBitsToFloat((b.getShort(Math.toIntExact(e * 2)) & 0xffff) << 16));
            case FLOAT64 -> visit((i, e) -> out[i] = (float) b.getDouble(Math.toIntExact(e * 8)));
            default -> throw new AssertionError(dtype);
        }
        return out;
    }

    /** The values of a floating-point tensor in row-major order, float64 exactly. */
    public double[] toDoubleArray() {
        requireType(true, "toDoubleArray");
        if (dtype != TorchDtype.FLOAT64) {
            float[] f = toFloatArray();
            double[] out = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                out[i] = f[i];
            }
            return out;
        }
        double[] out = new double[checkedNumel()];
        ByteBuffer b = storage.bytes();
        visit((i, e) -> out[i] = b.getDouble(Math.toIntExact(e * 8)));
        return out;
    }

    /** The values of an integer or bool tensor in row-major order (bool as 0 and 1, uint8 as 0 to 255). */
    public long[] toLongArray() {
        requireType(false, "toLongArray");
        long[] out = new long[checkedNumel()];
        ByteBuffer b = storage.bytes();
        switch (dtype) {
            case INT64 -> visit((i, e) -> out[i] = b.getLong(Math.toIntExact(e * 8)));
            case INT32 -> visit((i, e) -> out[i] = b.getInt(Math.toIntExact(e * 4)));
            case INT16 -> visit((i, e) -> out[i] = b.getShort(Math.toIntExact(e * 2)));
            case INT8 -> visit((i, e) -> out[i] = b.get(Math.toIntExact(e)));
            case UINT8 -> visit((i, e) -> out[i] = b.get(Math.toIntExact(e)) & 0xff);
            case BOOL -> visit((i, e) -> out[i] = b.get(Math.toIntExact(e)) != 0 ? 1 : 0);
            default -> throw new AssertionError(dtype);
        }
        return out;
    }

    /** IEEE 754 binary16 to float, exactly (subnormals, infinities and NaN included). */
    static float halfToFloat(short h) {
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | mantissa << 13);
        }
        if (exponent == 0) {
            // subnormal (or zero): mantissa x 2^-24, exact in float
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | (exponent + 112) << 23 | mantissa << 13);
    }

    @Override
    public String toString() {
        return "TorchTensor[" + dtype + " " + describe(shape, strides, storageOffset) + " in " + storage.name() + "]";
    }

    private interface ElementSink {
        void accept(int index, long element);
    }

    /** Calls {@code sink} with each element's row-major index and its index in the storage. */
    private void visit(ElementSink sink) {
        int n = checkedNumel();
        long[] at = new long[shape.length];
        long element = storageOffset;
        for (int i = 0; i < n; i++) {
            sink.accept(i, element);
            for (int d = shape.length - 1; d >= 0; d--) {
                element += strides[d];
                if (++at[d] < shape[d]) {
                    break;
                }
                element -= strides[d] * shape[d];
                at[d] = 0;
            }
        }
    }

    private int checkedNumel() {
        long n = numel();
        if (n > Limits.MAX_TENSOR_ELEMENTS) {
            throw new BadInputException("tensor " + this + " has " + n + " elements, more than the "
                    + Limits.MAX_TENSOR_ELEMENTS + " of one tensor");
        }
        return (int) n;
    }

    private void requireType(boolean floating, String getter) {
        if (dtype.isFloatingPoint() != floating) {
            throw new IllegalStateException(getter + " reads " + (floating ? "floating-point" : "integer and bool")
                    + " tensors; " + this + " holds " + dtype);
        }
    }

    /** The storage index of the last element (offset - 1 for an empty tensor), with overflow refused. */
    private static long lastElement(long[] shape, long[] strides, long offset, String view) {
        try {
            long end = offset;
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] == 0) {
                    return offset - 1;
                }
                end = Math.addExact(end, Math.multiplyExact(shape[d] - 1, strides[d]));
            }
            return end;
        } catch (ArithmeticException e) {
            throw new BadInputException("tensor " + view + " spans more than 2^63 elements");
        }
    }

    /** The product of the sizes; zero strides let it exceed the storage, so overflow is refused. */
    private static long exactNumel(long[] shape, String view) {
        if (Arrays.stream(shape).anyMatch(s -> s == 0)) {
            return 0;
        }
        try {
            long n = 1;
            for (long s : shape) {
                n = Math.multiplyExact(n, s);
            }
            return n;
        } catch (ArithmeticException e) {
            throw new BadInputException("tensor " + view + " has more than 2^63 elements");
        }
    }

    private static String describe(long[] shape, long[] strides, long offset) {
        return Arrays.toString(shape) + " strides " + Arrays.toString(strides) + " offset " + offset;
    }
}
