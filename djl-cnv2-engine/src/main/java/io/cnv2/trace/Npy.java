package io.cnv2.trace;

import io.cnv2.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format, version 1.0, for float32 arrays in C order (the format the
 * DNNsim simulator and {@code numpy.load} read): the magic string, a little-endian header
 * length, a Python dict literal padded with spaces to a multiple of 64 bytes ending in a
 * newline, then the values little-endian.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    private static final Pattern HEADER = Pattern.compile(
            "\\{'descr': '([<>|]f4)', 'fortran_order': (True|False), 'shape': \\(([0-9, ]*)\\), *\\}");

    private Npy() {
    }

    /** A float32 array and its shape. */
    public record Array(int[] shape, float[] data) {
        public Array {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            if (n != data.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " values, not "
                        + data.length);
            }
        }
    }

    /** The bytes of {@code a} as a .npy file. */
    public static byte[] encode(Array a) {
        StringBuilder dims = new StringBuilder();
        for (int d : a.shape()) {
            dims.append(d).append(", ");
        }
        String shape = a.shape().length == 1 ? a.shape()[0] + "," : dims.length() == 0 ? ""
                : dims.substring(0, dims.length() - 2);
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
        int unpadded = MAGIC.length + 2 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 2 + header.length() + 4 * a.data().length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        for (float v : a.data()) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** Reads a float32 C-order .npy file; anything else is a clear error naming the file. */
    public static Array read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), Arrays.copyOf(MAGIC, 6))) {
            throw new BadInputException(file + " is not a NumPy .npy file (bad magic string)");
        }
        if (bytes[6] != 1) {
            throw new BadInputException(file + ": .npy version " + bytes[6] + "." + bytes[7] + " is not supported (1.0 is)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = Short.toUnsignedInt(b.getShort(8));
        if (10 + headerLength > bytes.length) {
            throw new BadInputException(file + ": .npy header runs past the end of the file");
        }
        String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII).trim();
        Matcher m = HEADER.matcher(header);
        if (!m.matches() || !m.group(1).equals("<f4") || m.group(2).equals("True")) {
            throw new BadInputException(file + ": only little-endian float32 arrays in C order are read, header is "
                    + header);
        }
        String[] dims = Arrays.stream(m.group(3).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .toArray(String[]::new);
        int[] shape = new int[dims.length];
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            // a dimension is one number of at most 9 digits; "3 4" or a 20-digit one is not a shape
            if (!dims[i].matches("[0-9]{1,9}")) {
                throw new BadInputException(file + ": .npy shape (" + m.group(3) + ") is not a list of dimensions");
            }
            shape[i] = Integer.parseInt(dims[i]);
            n *= shape[i];
            if (n > Integer.MAX_VALUE / 4) {
                throw new BadInputException(file + ": .npy shape (" + m.group(3) + ") is too large to read");
            }
        }
        int offset = 10 + headerLength;
        if ((long) bytes.length - offset != 4 * n) {
            throw new BadInputException(file + ": shape " + Arrays.toString(shape) + " needs " + 4 * n
                    + " bytes of data, the file has " + (bytes.length - offset));
        }
        float[] data = new float[(int) n];
        b.position(offset);
        b.asFloatBuffer().get(data);
        return new Array(shape, data);
    }
}
