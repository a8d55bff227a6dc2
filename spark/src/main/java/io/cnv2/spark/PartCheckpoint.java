package io.cnv2.spark;

import io.cnv2.AtomicFiles;
import io.cnv2.BadInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The finished parts of distributed runs, one file each in a folder on the driver, named by a
 * digest of everything the part depends on (the recipe, the run, the images and their range),
 * written by the driver as each task's result arrives: a driver or executor that dies loses only
 * the parts still running. A file is written whole under another name and renamed into place, so
 * a kill never leaves half a part; one that cannot be read is computed again.
 */
final class PartCheckpoint {
    private final Path dir;

    PartCheckpoint(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new BadInputException("cannot create the parts checkpoint folder " + dir + ": " + e.getMessage());
        }
    }

    Path dir() {
        return dir;
    }

    /** The part under {@code key}, or null when it is not finished (or its file is damaged). */
    PartResult get(String key) {
        Path f = dir.resolve(key + ".part");
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(Files.readAllBytes(f)))) {
            return (PartResult) in.readObject();
        } catch (IOException | ClassNotFoundException | ClassCastException e) {
            return null;
        }
    }

    void put(String key, PartResult r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(r);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        AtomicFiles.write(dir.resolve(key + ".part"), bytes.toByteArray());
    }
}
