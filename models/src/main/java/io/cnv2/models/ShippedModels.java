package io.cnv2.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The models and data that ship inside cnv2 (this module's jar), so the default run needs no
 * download, no root and no checkout paths. Files are copied once per JVM into a private
 * temporary folder that is deleted at exit.
 */
public final class ShippedModels {
    private static final String BASE = "/io/cnv2/models/fashion-mnist/";
    /** File names inside the shipped Fashion-MNIST folder. */
    public static final List<String> FASHION_FILES = List.of("fashion_cnn.onnx", "fashion_cnn.pt", "labels.txt", "fashion_cnn.pt.calibration.json",
            "metrics.json", "fashion_cnn.calibration.json", "sample/t10k-images-idx3-ubyte.gz", "sample/t10k-labels-idx1-ubyte.gz");
    private static final String LSTM_BASE = "/io/cnv2/models/fashion-mnist-lstm/";
    /** File names inside the shipped Fashion-MNIST LSTM folder (the images read row by row; same sample). */
    public static final List<String> LSTM_FILES = List.of("fashion_lstm.onnx", "labels.txt", "metrics.json",
            "fashion_lstm.calibration.json");
    private static Path extracted;
    private static Path extractedLstm;

    private ShippedModels() {
    }

    /** The folder holding the shipped Fashion-MNIST model, labels and 1,000-image test sample. */
    public static synchronized Path fashionMnistDir() {
        if (extracted == null) {
            try {
                Path dir = Files.createTempDirectory("cnv2-models-");
                for (String f : FASHION_FILES) {
                    try (InputStream in = ShippedModels.class.getResourceAsStream(BASE + f)) {
                        if (in == null) {
                            continue; // optional files (the TorchScript copy) may be absent from a build
                        }
                        Path target = dir.resolve(f);
                        Files.createDirectories(target.getParent());
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                deleteOnExit(dir);
                extracted = dir;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract the shipped models", e);
            }
        }
        return extracted;
    }

    /** The folder holding the shipped Fashion-MNIST LSTM (models/fashion-mnist-lstm), extracted once. */
    public static synchronized Path fashionMnistLstmDir() {
        if (extractedLstm == null) {
            try {
                Path dir = Files.createTempDirectory("cnv2-models-lstm-");
                for (String f : LSTM_FILES) {
                    try (InputStream in = ShippedModels.class.getResourceAsStream(LSTM_BASE + f)) {
                        if (in != null) {
                            Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
                deleteOnExit(dir);
                extractedLstm = dir;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract the shipped models", e);
            }
        }
        return extractedLstm;
    }

    public static Path fashionMnistLstmOnnx() {
        return fashionMnistLstmDir().resolve("fashion_lstm.onnx");
    }

    public static Path fashionMnistOnnx() {
        return fashionMnistDir().resolve("fashion_cnn.onnx");
    }

    public static Path fashionMnistSampleDir() {
        return fashionMnistDir().resolve("sample");
    }

    private static void deleteOnExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary folder left behind is harmless
            }
        }));
    }
}
