package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** ONNX {@code TensorProto} to {@link Const}: typed fields or little-endian raw_data. */
final class Tensors {
    // TensorProto.DataType numbers (onnx.proto)
    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT8 = 3;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int BOOL = 9;
    static final int DOUBLE = 11;

    private Tensors() {
    }

    /** Reads a tensor; throws {@link IllegalArgumentException} with the reason when it cannot. */
    static Const read(TensorProto t) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' keeps its data in an external file, "
                    + "which cnv2 does not read");
        }
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + t.getName() + "' has a negative dimension");
            }
            n *= d;
        }
        if (n > io.cnv2.Limits.MAX_TENSOR_ELEMENTS) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' has " + n + " elements, more than the "
                    + io.cnv2.Limits.MAX_TENSOR_ELEMENTS + " of one tensor cnv2 takes");
        }
        int count = (int) n;
        int type = t.getDataType();
        boolean raw = !t.getRawData().isEmpty();
        ByteBuffer b = raw ? t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN) : null;
        int have = switch (type) {
            case FLOAT -> raw ? b.remaining() / 4 : t.getFloatDataCount();
            case DOUBLE -> raw ? b.remaining() / 8 : t.getDoubleDataCount();
            case INT64 -> raw ? b.remaining() / 8 : t.getInt64DataCount();
            case INT32, INT8, UINT8, BOOL -> raw ? b.remaining() / width(type) : t.getInt32DataCount();
            default -> throw new IllegalArgumentException("tensor '" + t.getName() + "' has data type " + type
                    + ", which cnv2 does not read (float, double, int8/32/64, uint8, bool)");
        };
        if (have != count) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' should hold " + count + " values but holds "
                    + have + " (truncated file?)");
        }
        // allocated only now: the dimensions of a damaged file may promise more values than it holds
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = switch (type) {
                case FLOAT -> raw ? b.getFloat() : t.getFloatData(i);
                case DOUBLE -> raw ? b.getDouble() : t.getDoubleData(i);
                case INT64 -> raw ? b.getLong() : t.getInt64Data(i);
                case INT32 -> raw ? b.getInt() : t.getInt32Data(i);
                case INT8 -> raw ? b.get() : t.getInt32Data(i);
                case UINT8, BOOL -> raw ? Byte.toUnsignedInt(b.get()) : t.getInt32Data(i);
                default -> throw new AssertionError();
            };
        }
        return new Const(dims, v, type != FLOAT && type != DOUBLE);
    }

    private static int width(int type) {
        return type == INT32 ? 4 : 1;
    }
}
