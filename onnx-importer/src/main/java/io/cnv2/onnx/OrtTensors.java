package io.cnv2.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.platform.Fp16Conversions;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;

/**
 * cnv2's float tensors to ONNX Runtime tensors of any ONNX element type and back. Between the
 * accelerator and the host every tensor is float32; an integer or boolean tensor that the host
 * hands to itself (indices, masks) passes through float32, which is exact for integers up to 2^24.
 */
final class OrtTensors {
    private OrtTensors() {
    }

    /** ONNX element type names for messages (onnx.proto TensorProto.DataType). */
    static String typeName(int elemType) {
        return switch (elemType) {
            case 1 -> "float32";
            case 2 -> "uint8";
            case 3 -> "int8";
            case 4 -> "uint16";
            case 5 -> "int16";
            case 6 -> "int32";
            case 7 -> "int64";
            case 8 -> "string";
            case 9 -> "bool";
            case 10 -> "float16";
            case 11 -> "double";
            case 12 -> "uint32";
            case 13 -> "uint64";
            case 16 -> "bfloat16";
            default -> "type " + elemType;
        };
    }

    /** The ONNX element type number (onnx.proto) of an ONNX Runtime tensor; the Java enum numbers its own way. */
    static int elemType(ai.onnxruntime.TensorInfo info) {
        return switch (info.onnxType) {
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> 1;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> 2;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> 3;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> 4;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> 5;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> 6;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> 7;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> 8;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> 9;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> 10;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> 11;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> 12;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> 13;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16 -> 16;
            default -> 0;
        };
    }

    /** True for the element types cnv2 can hand to ONNX Runtime (its Java API has no unsigned 16/32/64-bit tensors). */
    static boolean feedable(int elemType) {
        return carried(elemType) && elemType != 4 && elemType != 12 && elemType != 13;
    }

    /** True for the element types a float32 tensor carries without loss of meaning. */
    static boolean carried(int elemType) {
        return switch (elemType) {
            case 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16 -> true;
            default -> false;
        };
    }

    static OnnxTensor toOrt(OrtEnvironment env, Tensor t, int elemType) throws OrtException {
        long[] dims = Arrays.stream(t.shape().dims()).asLongStream().toArray();
        float[] f = t.data();
        int n = f.length;
        return switch (elemType) {
            case 1 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(f), dims);
            case 11 -> {
                double[] d = new double[n];
                for (int i = 0; i < n; i++) {
                    d[i] = f[i];
                }
                yield OnnxTensor.createTensor(env, DoubleBuffer.wrap(d), dims);
            }
            case 7 -> {
                long[] l = new long[n];
                for (int i = 0; i < n; i++) {
                    l[i] = (long) f[i];
                }
                yield OnnxTensor.createTensor(env, LongBuffer.wrap(l), dims);
            }
            case 6 -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (int) f[i];
                }
                yield OnnxTensor.createTensor(env, IntBuffer.wrap(v), dims);
            }
            case 5 -> {
                short[] v = new short[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (short) f[i];
                }
                yield OnnxTensor.createTensor(env, ShortBuffer.wrap(v), dims, OnnxJavaType.INT16);
            }
            case 10, 16 -> {
                ShortBuffer h = elemType == 10 ? Fp16Conversions.convertFloatBufferToFp16Buffer(FloatBuffer.wrap(f))
                        : Fp16Conversions.convertFloatBufferToBf16Buffer(FloatBuffer.wrap(f));
                ByteBuffer b = ByteBuffer.allocateDirect(2 * n).order(ByteOrder.nativeOrder());
                b.asShortBuffer().put(h);
                yield OnnxTensor.createTensor(env, b, dims, elemType == 10 ? OnnxJavaType.FLOAT16
                        : OnnxJavaType.BFLOAT16);
            }
            case 2, 3, 9 -> {
                ByteBuffer b = ByteBuffer.allocateDirect(n).order(ByteOrder.nativeOrder());
                for (int i = 0; i < n; i++) {
                    b.put(elemType == 9 ? (byte) (f[i] != 0 ? 1 : 0) : (byte) (int) f[i]);
                }
                b.rewind();
                yield OnnxTensor.createTensor(env, b, dims, elemType == 2 ? OnnxJavaType.UINT8
                        : elemType == 3 ? OnnxJavaType.INT8 : OnnxJavaType.BOOL);
            }
            default -> throw new IllegalArgumentException("cnv2 cannot feed tensors of element type "
                    + typeName(elemType));
        };
    }

    /** An ONNX Runtime tensor as float32 (integers and booleans by value). */
    static Tensor fromOrt(OnnxTensor t) {
        long[] s = t.getInfo().getShape();
        int[] d = new int[s.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.toIntExact(s[i]);
        }
        Shape shape = new Shape(d);
        int type = elemType(t.getInfo());
        if (type == 1) {
            // getFloatBuffer already copies out of native memory: keep its array rather than copy twice
            FloatBuffer b = t.getFloatBuffer();
            if (b.hasArray() && b.arrayOffset() == 0 && b.array().length == shape.size()) {
                return new Tensor(shape, b.array());
            }
        }
        float[] f = new float[shape.size()];
        switch (type) {
            case 1 -> t.getFloatBuffer().get(f);
            case 10 -> Fp16Conversions.convertFp16BufferToFloatBuffer(t.getShortBuffer()).get(f);
            case 16 -> Fp16Conversions.convertBf16BufferToFloatBuffer(t.getShortBuffer()).get(f);
            case 11 -> {
                DoubleBuffer b = t.getDoubleBuffer();
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) b.get(i);
                }
            }
            case 7, 13 -> {
                LongBuffer b = t.getLongBuffer();
                for (int i = 0; i < f.length; i++) {
                    f[i] = b.get(i);
                }
            }
            case 6, 12 -> {
                IntBuffer b = t.getIntBuffer();
                for (int i = 0; i < f.length; i++) {
                    f[i] = b.get(i);
                }
            }
            case 5, 4 -> {
                ShortBuffer b = t.getShortBuffer();
                for (int i = 0; i < f.length; i++) {
                    f[i] = type == 4 ? Short.toUnsignedInt(b.get(i)) : b.get(i);
                }
            }
            case 2, 3, 9 -> {
                ByteBuffer b = t.getByteBuffer();
                for (int i = 0; i < f.length; i++) {
                    byte v = b.get(i);
                    f[i] = type == 3 ? v : Byte.toUnsignedInt(v);
                }
            }
            default -> throw new IllegalStateException("ONNX Runtime returned a tensor of element type "
                    + typeName(type) + ", which cnv2 does not carry");
        }
        return new Tensor(shape, f);
    }
}
