package io.cnv2.data;

import io.cnv2.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST (Zalando Research, MIT licence). The full set comes from Debian's
 * {@code dataset-fashion-mnist} package; a 1,000-image sample of the test set ships with cnv2.
 */
public final class FashionMnist {
    /** Where Debian's package puts the four files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final String[] LABELS = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
        "Shirt", "Sneaker", "Bag", "Ankle boot"};

    private FashionMnist() {
    }

    /** The test split in {@code dir} (files t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]). */
    public static IdxDataset testSet(Path dir, String name) {
        Path images = find(dir, "t10k-images-idx3-ubyte");
        Path labels = find(dir, "t10k-labels-idx1-ubyte");
        return new IdxDataset(name, images, labels);
    }

    /** The full 10,000-image test set from Debian's package, or a clear error saying how to get it. */
    public static IdxDataset debianTestSet() {
        if (!Files.isDirectory(DEBIAN_DIR)) {
            throw new BadInputException("dataset fashion-mnist: " + DEBIAN_DIR + " does not exist; install it with "
                    + "'apt-get install dataset-fashion-mnist', or use --dataset fashion-mnist-sample (1,000 images)");
        }
        return testSet(DEBIAN_DIR, "fashion-mnist-test");
    }

    private static Path find(Path dir, String base) {
        for (String ext : new String[] {".gz", ""}) {
            Path p = dir.resolve(base + ext);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new BadInputException("dataset folder " + dir + " has no " + base + "[.gz]");
    }
}
