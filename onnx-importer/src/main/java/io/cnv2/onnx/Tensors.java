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
    static final int UINT16 = 4;
    static final int INT16 = 5;
    static final int BOOL = 9;
    static final int FLOAT16 = 10;
    static final int DOUBLE = 11;
    static final int UINT32 = 12;
    static final int UINT64 = 13;
    static final int BFLOAT16 = 16;

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
            case UINT64 -> raw ? b.remaining() / 8 : t.getUint64DataCount();
            case UINT32 -> raw ? b.remaining() / 4 : t.getUint64DataCount();
            case INT32, INT8, UINT8, BOOL, INT16, UINT16, FLOAT16, BFLOAT16 -> raw ? b.remaining() / width(type)
                    : t.getInt32DataCount();
            default -> throw new IllegalArgumentException("tensor '" + t.getName() + "' has data type " + type
                    + ", which cnv2 does not read (float16/32/64, bfloat16, int8/16/32/64, uint8/16/32/64, bool)");
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
                case UINT64 -> raw ? b.getLong() : t.getUint64Data(i);
                case UINT32 -> raw ? Integer.toUnsignedLong(b.getInt()) : t.getUint64Data(i);
                case INT32 -> raw ? b.getInt() : t.getInt32Data(i);
                case INT16 -> raw ? b.getShort() : t.getInt32Data(i);
                case UINT16 -> raw ? Short.toUnsignedInt(b.getShort()) : t.getInt32Data(i);
                // fp16 and bf16 weights are widened to float32 exactly (every half value is a float)
                case FLOAT16 -> ai.onnxruntime.platform.Fp16Conversions.fp16ToFloat(
                        raw ? b.getShort() : (short) t.getInt32Data(i));
                case BFLOAT16 -> ai.onnxruntime.platform.Fp16Conversions.bf16ToFloat(
                        raw ? b.getShort() : (short) t.getInt32Data(i));
                case INT8 -> raw ? b.get() : t.getInt32Data(i);
                case UINT8, BOOL -> raw ? Byte.toUnsignedInt(b.get()) : t.getInt32Data(i);
                default -> throw new AssertionError();
            };
        }
        return new Const(dims, v, !isFloat(type));
    }

    static boolean isFloat(int type) {
        return type == FLOAT || type == DOUBLE || type == FLOAT16 || type == BFLOAT16;
    }

    private static int width(int type) {
        return switch (type) {
            case INT32 -> 4;
            case INT16, UINT16, FLOAT16, BFLOAT16 -> 2;
            default -> 1;
        };
    }

    /** A constant as a TensorProto of ONNX element type {@code type} (for the host's sub-models). */
    static TensorProto write(String name, Const c, int type) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type);
        for (long d : c.dims()) {
            t.addDims(d);
        }
        double[] v = c.data();
        switch (type) {
            case FLOAT -> {
                for (double x : v) {
                    t.addFloatData((float) x);
                }
            }
            case DOUBLE -> {
                for (double x : v) {
                    t.addDoubleData(x);
                }
            }
            case INT64 -> {
                for (double x : v) {
                    t.addInt64Data((long) x);
                }
            }
            case UINT32, UINT64 -> {
                for (double x : v) {
                    t.addUint64Data((long) x);
                }
            }
            case FLOAT16 -> {
                for (double x : v) {
                    t.addInt32Data(ai.onnxruntime.platform.Fp16Conversions.floatToFp16((float) x) & 0xffff);
                }
            }
            case BFLOAT16 -> {
                for (double x : v) {
                    t.addInt32Data(ai.onnxruntime.platform.Fp16Conversions.floatToBf16((float) x) & 0xffff);
                }
            }
            case INT32, INT16, UINT16, INT8, UINT8, BOOL -> {
                for (double x : v) {
                    t.addInt32Data((int) x);
                }
            }
            default -> throw new IllegalArgumentException("constant '" + name + "' of element type " + type
                    + " cannot be written");
        }
        return t.build();
    }
}
