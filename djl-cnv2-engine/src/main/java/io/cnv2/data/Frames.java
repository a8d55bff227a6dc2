package io.cnv2.data;

import io.cnv2.BadInputException;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Frame sequences for the temporal (delta) study (CNV2-MODEL.md section 8): the image files of a
 * folder in name order, or a sequence made from one image by small shifts, standing in for a
 * camera that pans slowly: frame t is the image moved by (round(3 sin(2 pi t / 40)),
 * round(2 sin(2 pi t / 25))) pixels, the uncovered border repeating the edge pixels, so
 * consecutive frames differ by at most one pixel in each direction.
 */
public final class Frames {
    private Frames() {
    }

    /** {@code n} frames made from {@code image} ([1, C, H, W]) by the panning path above. */
    public static List<Tensor> panned(Tensor image, int n) {
        Shape s = image.shape();
        if (s.rank() != 4) {
            throw new BadInputException("frames can be made only from an image input [1, C, H, W], not " + s);
        }
        List<Tensor> frames = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int dx = (int) Math.round(3 * Math.sin(2 * Math.PI * t / 40));
            int dy = (int) Math.round(2 * Math.sin(2 * Math.PI * t / 25));
            frames.add(shifted(image, dx, dy));
        }
        return frames;
    }

    /** {@code image} moved right by dx and down by dy pixels, the edges repeated into the gap. */
    static Tensor shifted(Tensor image, int dx, int dy) {
        Shape s = image.shape();
        int c = s.dim(1);
        int h = s.dim(2);
        int w = s.dim(3);
        float[] in = image.data();
        float[] out = new float[in.length];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                int sy = Math.min(h - 1, Math.max(0, y - dy));
                for (int x = 0; x < w; x++) {
                    int sx = Math.min(w - 1, Math.max(0, x - dx));
                    out[(ch * h + y) * w + x] = in[(ch * h + sy) * w + sx];
                }
            }
        }
        return new Tensor(s, out);
    }

    /** The image files of {@code dir} in name order, each preprocessed for an input of {@code shape}. */
    public static List<Tensor> folder(Path dir, Shape shape, Preprocessing pre) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException("frame folder " + dir + " does not exist");
        }
        List<Path> files;
        try (Stream<Path> st = Files.list(dir)) {
            files = st.filter(p -> Files.isRegularFile(p) && pre.extensions().stream().anyMatch(
                    e -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith("." + e))).sorted().toList();
        } catch (IOException e) {
            throw new BadInputException("frame folder " + dir + " cannot be listed: " + e.getMessage());
        }
        if (files.size() < 2) {
            throw new BadInputException("frame folder " + dir + " holds " + files.size()
                    + " image(s); a sequence needs at least 2");
        }
        List<Tensor> frames = new ArrayList<>();
        for (Path f : files) {
            frames.add(pre.apply(Preprocessing.read(f), shape, "frame " + f));
        }
        return frames;
    }
}
