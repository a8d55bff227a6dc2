package io.cnv2.torchscript;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes of one pickle, read front to back. Every length a file states is checked against the
 * bytes that remain before anything is allocated, so a hostile length costs nothing.
 */
final class PickleInput {
    /** A read past the end; {@link Pickle} reports it with the opcode and file. */
    static final class Truncated extends RuntimeException {
        Truncated(String message) {
            super(message);
        }
    }

    private final byte[] bytes;
    private int position;

    PickleInput(byte[] bytes) {
        this.bytes = bytes;
    }

    int position() {
        return position;
    }

    int remaining() {
        return bytes.length - position;
    }

    int u8() {
        need(1);
        return bytes[position++] & 0xff;
    }

    int u16() {
        return (int) littleEndian(2);
    }

    int i32() {
        return (int) littleEndian(4);
    }

    long u32() {
        return littleEndian(4);
    }

    long i64() {
        return littleEndian(8);
    }

    /** BINFLOAT's double, which pickle stores big-endian. */
    double f64() {
        need(8);
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits = bits << 8 | (bytes[position++] & 0xff);
        }
        return Double.longBitsToDouble(bits);
    }

    byte[] bytes(long n) {
        need(n);
        byte[] out = Arrays.copyOfRange(bytes, position, position + (int) n);
        position += (int) n;
        return out;
    }

    String utf8(long n) {
        need(n);
        String s = new String(bytes, position, (int) n, StandardCharsets.UTF_8);
        position += (int) n;
        return s;
    }

    /** A text line without its newline (GLOBAL's module and name). */
    String line() {
        for (int i = position; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                String s = new String(bytes, position, i - position, StandardCharsets.UTF_8);
                position = i + 1;
                return s;
            }
        }
        throw new Truncated("a line starting at byte " + position + " has no end");
    }

    private long littleEndian(int n) {
        need(n);
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (long) (bytes[position++] & 0xff) << (8 * i);
        }
        return v;
    }

    private void need(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative length " + n + " before byte " + position);
        }
        if (n > remaining()) {
            throw new Truncated("needs " + n + " bytes at byte " + position + " but " + remaining() + " remain");
        }
    }
}
