package io.cnv2.cli;

import io.cnv2.BadInputException;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.IdxDataset;
import io.cnv2.data.Sample;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** Resolves the CLI's model, dataset and image arguments to files and samples. */
final class Inputs {
    static final String SAMPLE = "fashion-mnist-sample";
    static final String FULL = "fashion-mnist";

    private Inputs() {
    }

    /** A dataset by name: the shipped sample, Debian's full test set, or a folder of IDX files. */
    static IdxDataset dataset(String spec) {
        if (spec.equals(SAMPLE)) {
            return FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), SAMPLE);
        }
        if (spec.equals(FULL)) {
            return FashionMnist.debianTestSet();
        }
        Path dir = Path.of(spec);
        if (!Files.isDirectory(dir)) {
            throw new BadInputException("option --dataset: '" + spec + "' is neither " + FULL + ", " + SAMPLE
                    + " nor a folder of IDX files");
        }
        return FashionMnist.testSet(dir, dir.getFileName().toString());
    }

    /**
     * An image file as a [1, C, H, W] tensor for a network input of that shape: resized
     * (bilinear), grey or RGB by C, pixel/255, then (x - mean) / std.
     */
    static Sample image(Path file, Shape inputShape, double mean, double std, int index) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("input image " + file + " does not exist");
        }
        if (inputShape.rank() != 4 || (inputShape.dim(1) != 1 && inputShape.dim(1) != 3)) {
            throw new BadInputException("input image " + file + ": the model's input " + inputShape
                    + " is not an image of 1 or 3 channels");
        }
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new BadInputException("input image " + file + " cannot be read: " + e.getMessage());
        }
        if (img == null) {
            throw new BadInputException("input image " + file + " is not an image format Java reads (PNG, JPEG, BMP, GIF)");
        }
        int c = inputShape.dim(1);
        int h = inputShape.dim(2);
        int w = inputShape.dim(3);
        BufferedImage scaled = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scaled.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        float[] px = new float[c * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = scaled.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int gr = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                if (c == 1) {
                    px[y * w + x] = norm((0.299f * r + 0.587f * gr + 0.114f * b) / 255f, mean, std);
                } else {
                    px[(0 * h + y) * w + x] = norm(r / 255f, mean, std);
                    px[(1 * h + y) * w + x] = norm(gr / 255f, mean, std);
                    px[(2 * h + y) * w + x] = norm(b / 255f, mean, std);
                }
            }
        }
        return new Sample(index, new Tensor(inputShape, px), -1, file.toString());
    }

    private static float norm(float v, double mean, double std) {
        return (float) ((v - mean) / std);
    }

    /** Class names, one per line, or null. */
    static List<String> labels(Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            return null;
        }
        try {
            List<String> l = new ArrayList<>();
            for (String s : Files.readAllLines(file)) {
                if (!s.isBlank()) {
                    l.add(s.strip());
                }
            }
            return l;
        } catch (IOException e) {
            throw new BadInputException("labels file " + file + " cannot be read: " + e.getMessage());
        }
    }
}
