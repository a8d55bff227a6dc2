package io.cnv2.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.BadInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .npy format, version 1.0, as NumPy defines it (numpy/lib/format.py). */
class NpyRulesTest {
    @TempDir
    Path dir;

    @Test
    void headerIsTheDictLiteralPaddedToSixtyFourBytes() {
        byte[] b = Npy.encode(new Npy.Array(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6.5f}));
        assertEquals((byte) 0x93, b[0]);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
        assertEquals(1, b[6]);
        assertEquals(0, b[7]);
        int len = ByteBuffer.wrap(b, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        assertEquals(0, (10 + len) % 64, "preamble and header fill whole 64-byte blocks");
        String header = new String(b, 10, len, StandardCharsets.US_ASCII);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), header);
        assertTrue(header.endsWith("\n"));
        // 6.5f little-endian is 00 00 d0 40
        assertArrayEquals(new byte[] {0, 0, (byte) 0xd0, 0x40}, Arrays.copyOfRange(b, b.length - 4, b.length));
        assertEquals(10 + len + 24, b.length);
    }

    @Test
    void oneDimensionalShapeHasTheTupleComma() {
        byte[] b = Npy.encode(new Npy.Array(new int[] {5}, new float[5]));
        assertTrue(new String(b, StandardCharsets.US_ASCII).contains("'shape': (5,), }"));
    }

    @Test
    void randomArraysRoundTrip() throws Exception {
        Random r = new Random(3);
        for (int t = 0; t < 50; t++) {
            int[] shape = new int[1 + r.nextInt(4)];
            int n = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = 1 + r.nextInt(6);
                n *= shape[i];
            }
            float[] data = new float[n];
            for (int i = 0; i < n; i++) {
                data[i] = (float) r.nextGaussian();
            }
            Path f = dir.resolve("a" + t + ".npy");
            Files.write(f, Npy.encode(new Npy.Array(shape, data)));
            Npy.Array back = Npy.read(f);
            assertArrayEquals(shape, back.shape());
            assertArrayEquals(data, back.data());
        }
    }

    @Test
    void otherFilesAreRefusedWithTheFileNamed() throws Exception {
        Path f = dir.resolve("bad.npy");
        Files.writeString(f, "not numpy");
        BadInputException e = assertThrows(BadInputException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().contains("bad.npy") && e.getMessage().contains("magic"), e.getMessage());
        byte[] ok = Npy.encode(new Npy.Array(new int[] {4}, new float[4]));
        Files.write(f, Arrays.copyOf(ok, ok.length - 3));
        e = assertThrows(BadInputException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().contains("bytes of data"), e.getMessage());
    }
}
