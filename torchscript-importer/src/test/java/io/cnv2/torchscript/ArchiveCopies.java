package io.cnv2.torchscript;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Copies of TorchScript archives with entries edited, dropped or added, for tests. Read with ZipFile:
 * PyTorch's stored entries carry data descriptors, which ZipInputStream refuses.
 */
final class ArchiveCopies {
    private ArchiveCopies() {
    }

    /** {@code from} copied to {@code to}, each entry's bytes passed through {@code edit} (null drops it), then {@code added}. */
    static Path copy(Path from, Path to, BiFunction<String, byte[], byte[]> edit, Map<String, byte[]> added)
            throws IOException {
        try (ZipFile in = new ZipFile(from.toFile()); ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(to))) {
            for (ZipEntry e : in.stream().toList()) {
                byte[] bytes;
                try (InputStream s = in.getInputStream(e)) {
                    bytes = edit.apply(e.getName(), s.readAllBytes());
                }
                if (bytes != null) {
                    zip.putNextEntry(new ZipEntry(e.getName()));
                    zip.write(bytes);
                }
            }
            for (Map.Entry<String, byte[]> e : added.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
            }
        }
        return to;
    }

    static Path copy(Path from, Path to, BiFunction<String, byte[], byte[]> edit) throws IOException {
        return copy(from, to, edit, Map.of());
    }
}
