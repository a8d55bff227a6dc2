package io.cnv2.data;

import io.cnv2.BadInputException;
import io.cnv2.ir.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * An image-folder dataset, laid out like torchvision's ImageFolder: one sub-folder per class,
 * its image files inside. Labels are the classes' positions in sorted folder-name order (or in
 * the preprocessing's {@code classes} list); samples run class by class, files in name order.
 * The preprocessing comes from {@code preprocess.json} in the folder when present
 * ({@link Preprocessing}); each image is read and converted when its sample is asked for.
 */
public final class ImageFolder implements Dataset {
    /** The preprocessing file looked for in the folder. */
    public static final String PREPROCESS_FILE = "preprocess.json";
    private final Path root;
    private final Shape shape;
    private final Preprocessing pre;
    private final List<String> classes;
    private final List<Path> files = new ArrayList<>();
    private final List<Integer> labels = new ArrayList<>();

    /**
     * The folder {@code root} for a model input of {@code shape}; {@code pre} null = the folder's
     * {@code preprocess.json}, else the defaults.
     */
    public ImageFolder(Path root, Shape shape, Preprocessing pre) {
        this.root = root;
        this.shape = shape;
        Path own = root.resolve(PREPROCESS_FILE);
        this.pre = pre != null ? pre : Files.isRegularFile(own) ? Preprocessing.load(own) : Preprocessing.DEFAULT;
        List<String> folders = list(root, Files::isDirectory).stream().map(p -> p.getFileName().toString()).toList();
        this.classes = this.pre.classes().isEmpty() ? folders : this.pre.classes();
        for (int label = 0; label < classes.size(); label++) {
            Path dir = root.resolve(classes.get(label));
            if (!Files.isDirectory(dir)) {
                throw new BadInputException("image folder " + root + ": class '" + classes.get(label)
                        + "' named in the preprocessing has no sub-folder");
            }
            for (Path f : list(dir, this::isImage)) {
                files.add(f);
                labels.add(label);
            }
        }
        if (files.isEmpty()) {
            throw new BadInputException("image folder " + root + " holds no images (expected one sub-folder per "
                    + "class with " + String.join("/", this.pre.extensions()) + " files)");
        }
    }

    /** True when {@code dir} looks like an image folder: sub-folders and no IDX files. */
    public static boolean looksLikeOne(Path dir) {
        return Files.isDirectory(dir) && !list(dir, Files::isDirectory).isEmpty();
    }

    @Override
    public String name() {
        return root.getFileName() == null ? root.toString() : root.getFileName().toString();
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    /** The folder (for a reader elsewhere: a Spark executor opens the same folder). */
    public Path root() {
        return root;
    }

    /** The model input shape the images are preprocessed for. */
    public Shape inputShape() {
        return shape;
    }

    public Preprocessing preprocessing() {
        return pre;
    }

    @Override
    public Sample get(int i) {
        Path f = files.get(i);
        return new Sample(i, pre.apply(Preprocessing.read(f), shape, "image " + f), labels.get(i), f.toString());
    }

    private boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && pre.extensions().stream().anyMatch(e -> n.endsWith("." + e));
    }

    private static List<Path> list(Path dir, java.util.function.Predicate<Path> keep) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException("image folder " + dir + " does not exist");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(keep).sorted().toList();
        } catch (IOException e) {
            throw new BadInputException("image folder " + dir + " cannot be listed: " + e.getMessage());
        }
    }
}
