package io.cnv2.importer;

import io.cnv2.BadInputException;
import io.cnv2.ir.Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Loads a model file with whichever registered {@link ModelImporter} accepts it. */
public final class ModelLoader {
    private ModelLoader() {
    }

    public static List<ModelImporter> importers() {
        List<ModelImporter> all = new ArrayList<>();
        ServiceLoader.load(ModelImporter.class).forEach(all::add);
        return all;
    }

    public static Network load(Path file) {
        return load(file, ImportOptions.DEFAULT);
    }

    public static Network load(Path file, ImportOptions options) {
        if (!Files.exists(file)) {
            throw new BadInputException("model file " + file + " does not exist");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new BadInputException("model file " + file + " is not a readable file");
        }
        List<ModelImporter> all = importers();
        for (ModelImporter im : all) {
            if (im.accepts(file)) {
                return im.load(file, options);
            }
        }
        throw new BadInputException("model file " + file + " is in no format cnv2 can read (known: "
                + String.join(", ", all.stream().map(ModelImporter::format).toList()) + ")");
    }
}
