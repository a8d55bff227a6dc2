package io.cnv2.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cnv2.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON reading and writing for configuration, calibration and reports. A file may give only
 * some keys: they are laid over the defaults; an unknown key is an error that names it.
 */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {
    }

    public static JsonNode read(Path file, String what) {
        try {
            return MAPPER.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new BadInputException(what + " " + file + " does not exist");
        } catch (JsonProcessingException e) {
            throw new BadInputException(what + " " + file + " is not valid JSON (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + "): "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadInputException(what + " " + file + " cannot be read: " + e.getMessage());
        }
    }

    /** {@code overlay}'s keys laid over {@code defaults} and bound to {@code type}; unknown keys are errors. */
    public static <T> T overlay(T defaults, JsonNode overlay, Class<T> type, String where) {
        if (overlay == null || overlay.isNull()) {
            return defaults;
        }
        if (!overlay.isObject()) {
            throw new BadInputException(where + " must be a JSON object");
        }
        ObjectNode base = MAPPER.valueToTree(defaults);
        for (Iterator<Map.Entry<String, JsonNode>> it = overlay.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!base.has(e.getKey())) {
                throw new BadInputException(where + ": unknown key '" + e.getKey() + "' (known: "
                        + String.join(", ", (Iterable<String>) base::fieldNames) + ")");
            }
            JsonNode old = base.get(e.getKey());
            if (old.isObject() && !old.isEmpty() && e.getValue().isObject()) {
                // a nested section (run.isca2016) given in part keeps its other defaults; maps such as
                // thresholds are empty by default and replaced whole
                ObjectNode merged = ((ObjectNode) old).deepCopy();
                for (Iterator<Map.Entry<String, JsonNode>> in = e.getValue().fields(); in.hasNext(); ) {
                    Map.Entry<String, JsonNode> f = in.next();
                    if (!merged.has(f.getKey())) {
                        throw new BadInputException(where + ": unknown key '" + e.getKey() + "." + f.getKey()
                                + "' (known: " + String.join(", ", (Iterable<String>) merged::fieldNames) + ")");
                    }
                    merged.set(f.getKey(), f.getValue());
                }
                base.set(e.getKey(), merged);
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
        try {
            return MAPPER.treeToValue(base, type);
        } catch (JsonProcessingException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            if (root instanceof BadInputException b) {
                throw new BadInputException(where + ": " + b.getMessage());
            }
            String key = e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()
                    ? "key '" + m.getPath().get(m.getPath().size() - 1).getFieldName() + "': " : "";
            throw new BadInputException(where + ": " + key + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(where + ": " + e.getMessage());
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
