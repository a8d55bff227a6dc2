package io.cnv2.data;

import io.cnv2.BadInputException;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * An image set in the IDX format of MNIST and Fashion-MNIST (images: magic 0x00000803, count,
 * rows, cols, then unsigned bytes; labels: magic 0x00000801, count, bytes), gzip-compressed or
 * not. Pixels become floats pixel/255 in a [1, 1, rows, cols] tensor.
 */
public final class IdxDataset {
    private final Path images;
    private final Path labels;
    private final String name;

    public IdxDataset(String name, Path images, Path labels) {
        this.name = name;
        this.images = images;
        this.labels = labels;
    }

    public String name() {
        return name;
    }

    /** The first {@code limit} samples (all when limit <= 0). */
    public List<Sample> load(int limit) {
        int[] lab = readLabels(limit);
        try (DataInputStream in = open(images)) {
            int magic = in.readInt();
            if (magic != 0x00000803) {
                throw new BadInputException("image file " + images + " is not an IDX image file (magic 0x"
                        + Integer.toHexString(magic) + ", expected 0x803)");
            }
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (count < 0 || rows <= 0 || cols <= 0 || (long) rows * cols > 1 << 24) {
                throw new BadInputException("image file " + images + " has an implausible header: " + count
                        + " images of " + rows + "x" + cols);
            }
            if (lab != null && lab.length != Math.min(count, limit > 0 ? limit : count)) {
                throw new BadInputException("label file " + labels + " holds " + lab.length + " labels for "
                        + count + " images in " + images);
            }
            int n = limit > 0 ? Math.min(limit, count) : count;
            List<Sample> out = new ArrayList<>(n);
            byte[] buf = new byte[rows * cols];
            for (int i = 0; i < n; i++) {
                in.readFully(buf);
                float[] px = new float[buf.length];
                for (int j = 0; j < px.length; j++) {
                    px[j] = (buf[j] & 0xFF) / 255f;
                }
                out.add(new Sample(i, new Tensor(Shape.of(1, 1, rows, cols), px), lab == null ? -1 : lab[i],
                        name + "#" + i));
            }
            return out;
        } catch (EOFException e) {
            throw new BadInputException("image file " + images + " ends early (truncated)");
        } catch (IOException e) {
            throw new BadInputException("image file " + images + " cannot be read: " + e.getMessage());
        }
    }

    private int[] readLabels(int limit) {
        if (labels == null) {
            return null;
        }
        try (DataInputStream in = open(labels)) {
            int magic = in.readInt();
            if (magic != 0x00000801) {
                throw new BadInputException("label file " + labels + " is not an IDX label file (magic 0x"
                        + Integer.toHexString(magic) + ", expected 0x801)");
            }
            int count = in.readInt();
            int n = limit > 0 ? Math.min(limit, count) : count;
            if (n < 0) {
                throw new BadInputException("label file " + labels + " has a negative count");
            }
            int[] l = new int[n];
            for (int i = 0; i < n; i++) {
                l[i] = in.readUnsignedByte();
            }
            return l;
        } catch (EOFException e) {
            throw new BadInputException("label file " + labels + " ends early (truncated)");
        } catch (IOException e) {
            throw new BadInputException("label file " + labels + " cannot be read: " + e.getMessage());
        }
    }

    private static DataInputStream open(Path p) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new BadInputException("data file " + p + " does not exist");
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        InputStream s = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
        return new DataInputStream(new BufferedInputStream(s, 1 << 16));
    }
}
