package io.cnv2.cli;

import io.cnv2.BadInputException;
import io.cnv2.data.Dataset;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.ImageFolder;
import io.cnv2.data.Preprocessing;
import io.cnv2.data.Sample;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Resolves the CLI's model, dataset and image arguments to files and samples. */
final class Inputs {
    static final String SAMPLE = "fashion-mnist-sample";
    static final String FULL = "fashion-mnist";

    private Inputs() {
    }

    /**
     * A dataset by name: the shipped sample, Debian's full test set, a folder of IDX files, or an
     * image folder (one sub-folder per class) preprocessed for a model input of {@code shape}.
     */
    static Dataset dataset(String spec, Shape shape, Path preprocessFile) {
        if (spec.equals(SAMPLE)) {
            return FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), SAMPLE);
        }
        if (spec.equals(FULL)) {
            return FashionMnist.debianTestSet();
        }
        Path dir = Path.of(spec);
        if (!Files.isDirectory(dir)) {
            throw new BadInputException("option --dataset: '" + spec + "' is neither " + FULL + ", " + SAMPLE
                    + " nor a folder (IDX files, or one sub-folder of images per class)");
        }
        Preprocessing pre = preprocessFile == null ? null : Preprocessing.load(preprocessFile);
        if (ImageFolder.looksLikeOne(dir)) {
            return new ImageFolder(dir, shape, pre);
        }
        return FashionMnist.testSet(dir, dir.getFileName().toString());
    }

    /** An image file as the input of shape [1, C, H, W]: resized, grey or RGB by C, pixel/255, (x - mean) / std. */
    static Sample image(Path file, Shape inputShape, double mean, double std, int index) {
        return image(file, inputShape, mean, std, index, "stretch", null);
    }

    /**
     * The same, with {@code resize} saying what to do with an image whose size is not the model's:
     * "stretch" (the whole image to H x W) or "shorter-side" (keep the aspect, centre crop), each
     * named in a notice on {@code notices}; "none" refuses it.
     */
    static Sample image(Path file, Shape inputShape, double mean, double std, int index, String resize,
                        java.util.function.Consumer<String> notices) {
        java.awt.image.BufferedImage img = Preprocessing.read(file);
        int h = inputShape.dim(inputShape.rank() == 4 ? 2 : inputShape.rank() - 2);
        int w = inputShape.dim(inputShape.rank() - 1);
        boolean chw = inputShape.rank() == 4 && inputShape.dim(1) <= 4;
        if (!chw && inputShape.rank() == 4) { // channel-last [1, H, W, C]
            h = inputShape.dim(1);
            w = inputShape.dim(2);
        }
        if (img.getWidth() != w || img.getHeight() != h) {
            if (resize.equals("none")) {
                throw new BadInputException("input image " + file + " is " + img.getWidth() + "x" + img.getHeight()
                        + " (width x height); the model takes " + w + "x" + h + ", and --resize none resizes nothing");
            }
            if (notices != null) {
                notices.accept("notice: input image " + file + " is " + img.getWidth() + "x" + img.getHeight() + "; "
                        + (resize.equals("stretch") ? "stretched" : "resized (shorter side, centre crop)") + " to the model's "
                        + w + "x" + h + " (--resize none refuses it, --resize shorter-side keeps its aspect)");
            }
        }
        Preprocessing p = Preprocessing.DEFAULT.withNormalize(mean, std);
        if (resize.equals("shorter-side")) {
            p = new Preprocessing("shorter-side", 0, p.channelOrder(), p.scale(), p.mean(), p.std(), p.classes(), p.extensions());
        }
        Tensor t = p.apply(img, inputShape, "input image " + file);
        return new Sample(index, t, -1, file.toString());
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
