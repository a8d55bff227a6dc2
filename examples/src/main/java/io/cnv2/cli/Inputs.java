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
        Tensor t = Preprocessing.DEFAULT.withNormalize(mean, std).apply(Preprocessing.read(file), inputShape,
                "input image " + file);
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
