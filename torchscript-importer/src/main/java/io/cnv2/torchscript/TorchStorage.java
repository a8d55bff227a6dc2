package io.cnv2.torchscript;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The bytes behind one or more tensors: an archive entry such as {@code data/3}, read on first
 * use and then kept, so tensors that are views of one storage (a weight and its transpose) share
 * one copy and a module whose tensors are never read costs no heap for them.
 */
public final class TorchStorage {
    private final String name;
    private final long byteSize;
    private final Supplier<byte[]> reader;
    private byte[] bytes;

    /**
     * A storage of {@code byteSize} bytes that {@code reader} supplies when first asked (it must
     * supply exactly that many). {@code name} says where it comes from in error messages.
     */
    public TorchStorage(String name, long byteSize, Supplier<byte[]> reader) {
        this.name = Objects.requireNonNull(name);
        if (byteSize < 0) {
            throw new IllegalArgumentException("storage " + name + " has a negative size " + byteSize);
        }
        this.byteSize = byteSize;
        this.reader = Objects.requireNonNull(reader);
    }

    /** A storage already in memory (tests, tensors built by hand). */
    public static TorchStorage of(String name, byte[] bytes) {
        byte[] copy = bytes.clone();
        return new TorchStorage(name, copy.length, () -> copy);
    }

    /** Where the bytes come from, e.g. {@code model.pt:archive/data/3}. */
    public String name() {
        return name;
    }

    /** The storage's size in bytes, known before its bytes are read. */
    public long byteSize() {
        return byteSize;
    }

    /** The bytes, little-endian, read-only; read from the archive on the first call. */
    public synchronized ByteBuffer bytes() {
        if (bytes == null) {
            byte[] read = reader.get();
            if (read.length != byteSize) {
                throw new IllegalStateException("storage " + name + " supplied " + read.length + " bytes, not " + byteSize);
            }
            bytes = read;
        }
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public String toString() {
        return "TorchStorage[" + name + ", " + byteSize + " bytes]";
    }
}
