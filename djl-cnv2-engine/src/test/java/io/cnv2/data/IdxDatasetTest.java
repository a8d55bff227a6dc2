package io.cnv2.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.BadInputException;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IDX reader: pixels / 255, labels, gzip or raw, clear errors on bad files. */
class IdxDatasetTest {
    @TempDir
    Path dir;

    Path images(String name, int count, int declared, boolean gzip) throws Exception {
        Path p = dir.resolve(name);
        try (OutputStream raw = Files.newOutputStream(p);
             DataOutputStream out = new DataOutputStream(gzip ? new GZIPOutputStream(raw) : raw)) {
            out.writeInt(0x803);
            out.writeInt(declared);
            out.writeInt(2);
            out.writeInt(3);
            for (int i = 0; i < count * 6; i++) {
                out.writeByte(i * 10);
            }
        }
        return p;
    }

    Path labels(int count) throws Exception {
        Path p = dir.resolve("labels");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(p))) {
            out.writeInt(0x801);
            out.writeInt(count);
            for (int i = 0; i < count; i++) {
                out.writeByte(9 - i);
            }
        }
        return p;
    }

    @Test
    void pixelsAreScaledTo01AndLabelsRead() throws Exception {
        List<Sample> s = new IdxDataset("t", images("img.gz", 2, 2, true), labels(2)).load(0);
        assertEquals(2, s.size());
        assertEquals(60 / 255f, s.get(1).input().data()[0], 1e-7);
        assertEquals(9, s.get(0).label());
        assertEquals(8, s.get(1).label());
        assertEquals(List.of(1, 1, 2, 3), java.util.Arrays.stream(s.get(0).input().shape().dims()).boxed().toList());
    }

    @Test
    void limitReadsOnlyTheFirstImages() throws Exception {
        assertEquals(1, new IdxDataset("t", images("img", 2, 2, false), labels(2)).load(1).size());
    }

    @Test
    void truncatedFileIsAClearError() throws Exception {
        Path p = images("short.gz", 1, 5, true);
        BadInputException e = assertThrows(BadInputException.class, () -> new IdxDataset("t", p, null).load(0));
        assertTrue(e.getMessage().contains("short.gz") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void wrongMagicIsAClearError() throws Exception {
        Path p = labels(3);
        BadInputException e = assertThrows(BadInputException.class, () -> new IdxDataset("t", p, null).load(0));
        assertTrue(e.getMessage().contains("not an IDX image file"), e.getMessage());
    }
}
