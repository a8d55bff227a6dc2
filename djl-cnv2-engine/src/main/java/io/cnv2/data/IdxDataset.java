package io.cnv2.data;

import io.cnv2.BadInputException;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * An image set in the IDX format of MNIST and Fashion-MNIST (images: magic 0x00000803, count,
 * rows, cols, then unsigned bytes; labels: magic 0x00000801, count, bytes), gzip-compressed or
 * not. Pixels become floats pixel/255 in a [1, 1, rows, cols] tensor, made when a sample is read.
 * An uncompressed file is mapped and read in place; a gzip file cannot be read at an offset, so
 * its pixel bytes are inflated once (7.8 MB for the Fashion-MNIST test set; tensors, four times
 * that, are never all held).
 */
public final class IdxDataset implements Dataset {
    private static final int HEADER = 16;
    private final String name;
    private final Path images;
    private final Path labelsFile;
    private final int count;
    private final int rows;
    private final int cols;
    private final int[] labels;
    private final ByteBuffer pixels;

    public IdxDataset(String name, Path images, Path labels) {
        this.name = name;
        this.images = images;
        this.labelsFile = labels;
        try (DataInputStream in = open(images)) {
            int magic = in.readInt();
            if (magic != 0x00000803) {
                throw new BadInputException("image file " + images + " is not an IDX image file (magic 0x"
                        + Integer.toHexString(magic) + ", expected 0x803)");
            }
            count = in.readInt();
            rows = in.readInt();
            cols = in.readInt();
            if (count < 0 || rows <= 0 || cols <= 0 || (long) rows * cols > 1 << 24
                    || (long) count * rows * cols > Integer.MAX_VALUE - HEADER) {
                throw new BadInputException("image file " + images + " has an implausible header: " + count
                        + " images of " + rows + "x" + cols);
            }
            int bytes = count * rows * cols;
            if (gzip(images)) {
                byte[] all = new byte[bytes];
                in.readFully(all);
                pixels = ByteBuffer.wrap(all);
            } else {
                try (FileChannel ch = FileChannel.open(images, StandardOpenOption.READ)) {
                    if (ch.size() < HEADER + (long) bytes) {
                        throw new EOFException();
                    }
                    pixels = ch.map(FileChannel.MapMode.READ_ONLY, HEADER, bytes);
                }
            }
        } catch (EOFException e) {
            throw new BadInputException("image file " + images + " ends early (truncated)");
        } catch (IOException e) {
            throw new BadInputException("image file " + images + " cannot be read: " + e.getMessage());
        }
        this.labels = readLabels(labels);
        if (this.labels != null && this.labels.length != count) {
            throw new BadInputException("label file " + labels + " holds " + this.labels.length + " labels for "
                    + count + " images in " + images);
        }
    }

    /** The image file (for a reader elsewhere: a Spark executor opens the same file). */
    public Path imagesFile() {
        return images;
    }

    /** The label file, or null. */
    public Path labelsFile() {
        return labelsFile;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public Sample get(int i) {
        int n = rows * cols;
        byte[] buf = new byte[n];
        pixels.get(i * n, buf); // absolute: safe from several threads
        float[] px = new float[n];
        for (int j = 0; j < n; j++) {
            px[j] = (buf[j] & 0xFF) / 255f;
        }
        return new Sample(i, new Tensor(Shape.of(1, 1, rows, cols), px), labels == null ? -1 : labels[i],
                name + "#" + i);
    }

    /** The first {@code limit} samples (all when limit <= 0), read as they are asked for. */
    public List<Sample> load(int limit) {
        return samples(limit);
    }

    private static int[] readLabels(Path labels) {
        if (labels == null) {
            return null;
        }
        try (DataInputStream in = open(labels)) {
            int magic = in.readInt();
            if (magic != 0x00000801) {
                throw new BadInputException("label file " + labels + " is not an IDX label file (magic 0x"
                        + Integer.toHexString(magic) + ", expected 0x801)");
            }
            int n = in.readInt();
            if (n < 0 || n > 1 << 28) {
                throw new BadInputException("label file " + labels + " has an implausible count " + n);
            }
            byte[] b = new byte[n];
            in.readFully(b);
            int[] l = new int[n];
            for (int i = 0; i < n; i++) {
                l[i] = b[i] & 0xFF;
            }
            return l;
        } catch (EOFException e) {
            throw new BadInputException("label file " + labels + " ends early (truncated)");
        } catch (IOException e) {
            throw new BadInputException("label file " + labels + " cannot be read: " + e.getMessage());
        }
    }

    private static boolean gzip(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private static DataInputStream open(Path p) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new BadInputException("data file " + p + " does not exist");
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
        InputStream s = gzip(p) ? new GZIPInputStream(raw, 1 << 16) : raw;
        return new DataInputStream(new BufferedInputStream(s, 1 << 16));
    }
}
