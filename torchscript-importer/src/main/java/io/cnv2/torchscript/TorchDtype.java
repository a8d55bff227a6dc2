package io.cnv2.torchscript;

import java.util.Arrays;
import java.util.Optional;

/**
 * The element types of tensors in TorchScript archives, each named by the storage class its
 * pickles use ({@code torch.FloatStorage}, ...) and stored little-endian with the given size.
 */
public enum TorchDtype {
    FLOAT32("FloatStorage", 4, true),
    FLOAT16("HalfStorage", 2, true),
    BFLOAT16("BFloat16Storage", 2, true),
    FLOAT64("DoubleStorage", 8, true),
    INT64("LongStorage", 8, false),
    INT32("IntStorage", 4, false),
    INT16("ShortStorage", 2, false),
    INT8("CharStorage", 1, false),
    UINT8("ByteStorage", 1, false),
    BOOL("BoolStorage", 1, false);

    private final String storageClass;
    private final int elementSize;
    private final boolean floating;

    TorchDtype(String storageClass, int elementSize, boolean floating) {
        this.storageClass = storageClass;
        this.elementSize = elementSize;
        this.floating = floating;
    }

    /** The class in module {@code torch} that names this type in a persistent id, e.g. {@code FloatStorage}. */
    public String storageClass() {
        return storageClass;
    }

    /** Bytes per element. */
    public int elementSize() {
        return elementSize;
    }

    /** True for the floating-point types (read with {@link TorchTensor#toFloatArray()}). */
    public boolean isFloatingPoint() {
        return floating;
    }

    /** The type whose storage class is {@code torch.<name>}, if TorchScript tensors of it are read. */
    public static Optional<TorchDtype> ofStorageClass(String name) {
        return Arrays.stream(values()).filter(d -> d.storageClass.equals(name)).findFirst();
    }
}
