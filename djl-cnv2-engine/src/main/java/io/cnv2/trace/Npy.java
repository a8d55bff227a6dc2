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
            "\\{'descr': '([<>|=][a-z][0-9])', 'fortran_order': (True|False), 'shape': \\(([0-9, ]*)\\), *\\}");

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
        if (!m.matches() || width(m.group(1)) == 0 || m.group(2).equals("True")) {
            throw new BadInputException(file + ": only little-endian arrays in C order of float16/32/64, int8/16/32/64, "
                    + "uint8/16 or bool are read, header is " + header);
        }
        String descr = m.group(1);
        int width = width(descr);
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
            if (n > Integer.MAX_VALUE / 8) {
                throw new BadInputException(file + ": .npy shape (" + m.group(3) + ") is too large to read");
            }
        }
        int offset = 10 + headerLength;
        if ((long) bytes.length - offset != width * n) {
            throw new BadInputException(file + ": shape " + Arrays.toString(shape) + " needs " + width * n
                    + " bytes of data, the file has " + (bytes.length - offset));
        }
        float[] data = new float[(int) n];
        b.position(offset);
        // every type is widened to float32 (integers exactly up to 2^24); the model's input type is fed
        for (int i = 0; i < data.length; i++) {
            data[i] = switch (descr.substring(1)) {
                case "f4" -> b.getFloat();
                case "f8" -> (float) b.getDouble();
                case "f2" -> half(b.getShort());
                case "i8" -> b.getLong();
                case "i4" -> b.getInt();
                case "i2" -> b.getShort();
                case "u2" -> Short.toUnsignedInt(b.getShort());
                case "i1" -> b.get();
                case "u1", "b1" -> Byte.toUnsignedInt(b.get());
                default -> throw new AssertionError(descr);
            };
        }
        return new Array(shape, data);
    }

    /** Bytes per value of a NumPy type string this reader takes, 0 for others (big-endian among them). */
    private static int width(String descr) {
        if (descr.charAt(0) == '>') {
            return 0;
        }
        return switch (descr.substring(1)) {
            case "f4", "i4" -> 4;
            case "f8", "i8" -> 8;
            case "f2", "i2", "u2" -> 2;
            case "i1", "u1", "b1" -> 1;
            default -> 0;
        };
    }

    /** IEEE 754 half precision to float (exact: every half is a float). */
    private static float half(short h) {
        int bits = h & 0xffff;
        int sign = bits >>> 15;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        float v;
        if (exp == 0) {
            v = mant * 0x1p-24f;
        } else if (exp == 31) {
            v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            v = (1 + mant / 1024f) * (float) Math.pow(2, exp - 15);
        }
        return sign == 1 ? -v : v;
    }
}
