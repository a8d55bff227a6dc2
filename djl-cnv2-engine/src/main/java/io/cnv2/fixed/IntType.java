package io.cnv2.fixed;

/**
 * The integer element types of a quantised ONNX model (QuantizeLinear's outputs, the weights of
 * QLinearConv and friends) with the range ONNX saturates to. int4 and uint4 are ONNX's 4-bit types.
 */
public enum IntType {
    INT4(-8, 7), UINT4(0, 15), INT8(-128, 127), UINT8(0, 255), INT16(-32768, 32767), UINT16(0, 65535),
    INT32(Integer.MIN_VALUE, Integer.MAX_VALUE);

    private final int min;
    private final int max;

    IntType(int min, int max) {
        this.min = min;
        this.max = max;
    }

    public int min() {
        return min;
    }

    public int max() {
        return max;
    }

    /** Bits of the type (4, 8, 16 or 32). */
    public int bits() {
        return switch (this) {
            case INT4, UINT4 -> 4;
            case INT8, UINT8 -> 8;
            case INT16, UINT16 -> 16;
            case INT32 -> 32;
        };
    }

    public boolean signed() {
        return min < 0;
    }

    /** The type's name as ONNX spells it ("uint8"). */
    public String onnxName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
