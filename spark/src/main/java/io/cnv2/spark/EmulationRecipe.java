package io.cnv2.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cnv2.config.EnergyTable;
import io.cnv2.config.Json;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.exec.Emulator;
import io.cnv2.fixed.Calibration;
import io.cnv2.importer.ImportOptions;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Pruning;
import io.cnv2.ir.Shape;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything an executor needs to build the driver's emulator again: the model file's name
 * (the file itself travels with {@code SparkContext.addFile}), its import options and the
 * machine, run, calibration and energy table as JSON. The configuration records are not
 * {@link Serializable}; their JSON is exact (Jackson writes doubles so they read back to the
 * same bits), so the executor's emulator is the driver's, bit for bit.
 *
 * @param modelFile   the model's file name, as {@code SparkFiles.get} finds it
 * @param inputShapes {@code --input-shape}s as "D0,D1,..."
 * @param run         the run before thresholds are resolved (as given to {@link Emulator#of})
 * @param calibration the calibration before pinned formats (as given to {@link Emulator#of})
 */
public record EmulationRecipe(String modelFile, Map<String, String> inputShapes, String machine, String run,
                              String calibration, String energy) implements Serializable {
    /**
     * JSON with map keys sorted: the records may hold maps (Map.copyOf) whose order changes from
     * one JVM to the next, and a recipe's text is its identity in a checkpoint a later JVM reads.
     */
    private static final ObjectWriter CANONICAL = Json.MAPPER.writer()
            .without(SerializationFeature.INDENT_OUTPUT).with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    public static EmulationRecipe of(Path model, ImportOptions options, MachineConfig machine, RunConfig run,
                                     Calibration calibration, EnergyTable energy) {
        Map<String, String> shapes = new TreeMap<>();
        options.inputShapes().forEach((k, v) -> shapes.put(k, join(v)));
        return new EmulationRecipe(model.getFileName().toString(), shapes, canonical(machine), canonical(run),
                canonical(calibration), canonical(energy));
    }

    /** The emulator {@code Emulator.of} gives for this recipe, with the model read from {@code file}. */
    public Emulator build(Path file) {
        Map<String, String> shapes = new TreeMap<>(inputShapes);
        RunConfig r = read(run, RunConfig.class);
        var net = Pruning.magnitude(ModelLoader.load(file, ImportOptions.parse(shapes, "input shape")), r.prune(),
                r.pruneScope().equals("global"));
        return Emulator.of(net, read(machine, MachineConfig.class), r, read(calibration, Calibration.class),
                read(energy, EnergyTable.class));
    }

    /** A digest of the recipe: the key of executors' caches and of checkpointed parts. */
    public String id() {
        return digest(modelFile + "\n" + inputShapes + "\n" + machine + "\n" + run + "\n" + calibration + "\n" + energy);
    }

    /** A run as JSON (the form runs travel in) and back. */
    static String json(RunConfig r) {
        return canonical(r);
    }

    private static String canonical(Object value) {
        try {
            return CANONICAL.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static RunConfig run(String json) {
        return read(json, RunConfig.class);
    }

    private static <T> T read(String json, Class<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read back " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    static String digest(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String join(Shape s) {
        StringBuilder b = new StringBuilder();
        for (int d : s.dims()) {
            b.append(b.length() == 0 ? "" : ",").append(d);
        }
        return b.toString();
    }
}
