package io.cnv2;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Output files are written whole or not at all: to a temporary file in the same folder, then
 * renamed over the target, so a killed run leaves either the previous version or the new one.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Fails early, before any work, if {@code target}'s folder cannot take the file. */
    public static void checkWritable(Path target, String option) {
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new BadInputException("option " + option + ": folder " + dir + " does not exist");
        }
        if (Files.isDirectory(target)) {
            throw new BadInputException("option " + option + ": " + target + " is a folder, not a file");
        }
        // permission bits do not tell (root, read-only mounts, ACLs): create what the write will create
        try {
            Path probe = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new BadInputException("option " + option + ": cannot write " + target + ": " + reason(e));
        }
    }

    /** Why an I/O operation failed, in words (an AccessDeniedException's message is only the path). */
    public static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * A run killed between creating a temporary file and renaming it leaves that temporary file
     * behind; the next write of the same target removes it. Temporaries younger than a minute may
     * belong to another process writing the same target and are left alone.
     */
    private static void removeStaleTemporaries(Path dir, Path target) {
        String prefix = "." + target.getFileName();
        long cutoff = System.currentTimeMillis() - 60_000;
        try (var s = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(prefix) && n.endsWith(".tmp");
        })) {
            for (Path p : s) {
                try {
                    if (Files.getLastModifiedTime(p).toMillis() < cutoff) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException ignored) {
                    // another process removed or renamed it: nothing to clean
                }
            }
        } catch (IOException ignored) {
            // the folder cannot be listed: the write below reports the real problem
        }
    }

    /** A temporary file is private (0600); a result file is rw-r--r--, as a plain file write would leave it. */
    private static void readableByAll(Path p) throws IOException {
        if (Files.getFileStore(p).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    public static void write(Path target, String content) {
        write(target, content.getBytes(StandardCharsets.UTF_8));
    }

    public static void write(Path target, byte[] content) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            removeStaleTemporaries(dir, target);
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            Files.write(tmp, content);
            readableByAll(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new BadInputException("cannot write " + target + ": " + reason(e));
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
        }
    }
}
