package io.cnv2.accuracy;

import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cnv2.AtomicFiles;
import io.cnv2.BadInputException;
import io.cnv2.config.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The finished points of a threshold sweep, one JSON line each, so that a sweep that is killed
 * resumes without computing a finished point again. The first line records which sweep the file
 * belongs to (model, images, run settings); a checkpoint of another sweep is an error, not
 * reused. Each point is appended whole and synced before the next starts; a last line cut short
 * by a kill is dropped when the file is opened again.
 */
public final class SweepCheckpoint {
    private static final ObjectWriter LINE = Json.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);
    private final Path file;
    private final Map<String, ThresholdSweep.Point> done = new LinkedHashMap<>();

    private SweepCheckpoint(Path file) {
        this.file = file;
    }

    /** Opens (creates, or resumes when it belongs to the same sweep) the checkpoint {@code file}. */
    public static SweepCheckpoint open(Path file, Map<String, Object> sweep) {
        SweepCheckpoint c = new SweepCheckpoint(file);
        String header = line(Map.of("cnv2-sweep", sweep));
        try {
            if (!Files.exists(file) || Files.size(file) == 0) {
                Files.writeString(file, header + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
                return c;
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (!lines.get(0).equals(header)) {
                throw new BadInputException("checkpoint " + file + " belongs to another sweep (its first line is "
                        + lines.get(0) + "); give a new file or delete it");
            }
            List<String> kept = new ArrayList<>(List.of(header));
            for (String l : lines.subList(1, lines.size())) {
                try {
                    ThresholdSweep.Point p = Json.MAPPER.readValue(l, ThresholdSweep.Point.class);
                    c.done.put(ThresholdSweep.key(p.images(), p.thresholds()), p);
                    kept.add(l);
                } catch (IOException e) {
                    break; // the line a kill cut short: everything before it is whole
                }
            }
            // drop a cut line so that appends continue a well-formed file
            AtomicFiles.write(file, String.join("\n", kept) + "\n");
            return c;
        } catch (IOException e) {
            throw new BadInputException("cannot read checkpoint " + file + ": " + e.getMessage());
        }
    }

    public Path file() {
        return file;
    }

    /** The finished point under {@code key}, or null. */
    ThresholdSweep.Point get(String key) {
        return done.get(key);
    }

    /** Records a finished point: appended as one line and synced before this returns. */
    void put(String key, ThresholdSweep.Point p) {
        try {
            Files.writeString(file, line(p) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new BadInputException("cannot write checkpoint " + file + ": " + e.getMessage());
        }
        done.put(key, p);
    }

    private static String line(Object value) {
        try {
            return LINE.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
