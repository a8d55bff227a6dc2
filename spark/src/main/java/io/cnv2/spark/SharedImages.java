package io.cnv2.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.cnv2.config.Json;
import io.cnv2.data.Dataset;
import io.cnv2.data.IdxDataset;
import io.cnv2.data.ImageFolder;
import io.cnv2.data.Preprocessing;
import io.cnv2.data.Sample;
import io.cnv2.ir.Shape;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Images every machine reads from the same path (NFS, a parallel file system, a copy made on
 * every node): only the paths travel, and each executor opens the dataset once and reads the
 * images of its tasks. This is how an ImageNet-size set is run: nothing is shipped but indices.
 */
public final class SharedImages implements ImageSet {
    private static final long serialVersionUID = 1L;
    /** The datasets this JVM has opened, by identity (an executor opens each once). */
    private static final Map<String, Dataset> OPEN = new ConcurrentHashMap<>();

    private final String kind;
    private final String name;
    private final String first;
    private final String second;
    private final int[] shape;
    private final String preprocessing;
    private final int size;
    private final String content;
    /** This JVM's open copy of the set (from {@link #OPEN}); not sent with the tasks. */
    private transient volatile Dataset open;

    private SharedImages(String kind, String name, String first, String second, int[] shape, String preprocessing,
                         int size, String content) {
        this.kind = kind;
        this.name = name;
        this.first = first;
        this.second = second;
        this.shape = shape;
        this.preprocessing = preprocessing;
        this.size = size;
        this.content = content;
    }

    /**
     * The first {@code limit} images (all when 0) of {@code ds} read where they are: an IDX set or
     * an image folder (the preprocessing it resolved travels along).
     */
    public static SharedImages of(Dataset ds, int limit) {
        if (ds instanceof IdxDataset idx) {
            return idx(idx.name(), idx.imagesFile(), idx.labelsFile(), limit);
        }
        if (ds instanceof ImageFolder folder) {
            return folder(folder.root(), folder.inputShape(), folder.preprocessing(), limit);
        }
        throw new io.cnv2.BadInputException("option --spark-data shared: dataset " + ds.name()
                + " is not read from files (use --spark-data ship)");
    }

    /** An IDX image file and its label file (null when unlabelled), the first {@code limit} images (all when 0). */
    public static SharedImages idx(String name, Path images, Path labels, int limit) {
        SharedImages s = new SharedImages("idx", name, images.toAbsolutePath().toString(),
                labels == null ? null : labels.toAbsolutePath().toString(), null, null, 0, null);
        return s.limited(limit);
    }

    /** An image folder (one sub-folder per class) preprocessed for an input of {@code shape}. */
    public static SharedImages folder(Path root, Shape shape, Preprocessing pre, int limit) {
        SharedImages s = new SharedImages("folder", root.toString(), root.toAbsolutePath().toString(), null,
                shape.dims(), pre == null ? null : Json.write(pre), 0, null);
        return s.limited(limit);
    }

    private SharedImages limited(int limit) {
        int n = dataset().size();
        return new SharedImages(kind, name, first, second, shape, preprocessing, limit > 0 ? Math.min(limit, n) : n,
                content());
    }

    /**
     * What the files hold, not where they are (a checkpoint stays valid when the set is mounted
     * elsewhere): IDX files by a digest of their bytes; an image folder by its files' relative
     * names, sizes and modification times (reading every image of an ImageNet-size folder to
     * digest it would cost as much as a run).
     */
    private String content() {
        try {
            if (kind.equals("idx")) {
                java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
                for (String f : new String[] {first, second}) {
                    if (f != null) {
                        d.update(java.nio.file.Files.readAllBytes(Path.of(f)));
                    }
                }
                return java.util.HexFormat.of().formatHex(d.digest(), 0, 16);
            }
            Path root = Path.of(first);
            StringBuilder b = new StringBuilder();
            try (var walk = java.nio.file.Files.walk(root)) {
                for (Path p : walk.filter(java.nio.file.Files::isRegularFile).sorted().toList()) {
                    b.append(root.relativize(p)).append(' ').append(java.nio.file.Files.size(p)).append(' ')
                            .append(java.nio.file.Files.getLastModifiedTime(p).toMillis()).append('\n');
                }
            }
            return EmulationRecipe.digest(b.toString());
        } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
            throw new io.cnv2.BadInputException("cannot read the images at " + first + ": " + e.getMessage());
        }
    }

    private Dataset dataset() {
        Dataset d = open; // get(i) runs per image: look the set up once per deserialised copy
        if (d == null) {
            d = OPEN.computeIfAbsent(identity0(), k -> switch (kind) {
                case "idx" -> new IdxDataset(name, Path.of(first), second == null ? null : Path.of(second));
                case "folder" -> new ImageFolder(Path.of(first), Shape.of(shape), preprocessing());
                default -> throw new IllegalStateException("unknown image set kind " + kind);
            });
            open = d;
        }
        return d;
    }

    private Preprocessing preprocessing() {
        try {
            return preprocessing == null ? null : Json.MAPPER.readValue(preprocessing, Preprocessing.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Sample get(int i) {
        return dataset().get(Objects.checkIndex(i, size));
    }

    private String identity0() {
        return kind + " " + first + " " + second + " " + java.util.Arrays.toString(shape) + " " + preprocessing;
    }

    @Override
    public String identity() {
        return "shared " + kind + " " + name + " " + content + " " + java.util.Arrays.toString(shape) + " "
                + preprocessing + " " + size;
    }
}
