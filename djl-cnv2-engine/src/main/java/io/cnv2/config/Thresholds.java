package io.cnv2.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.cnv2.BadInputException;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The per-layer threshold file of {@code --thresholds}, and checks that named layers exist. */
public final class Thresholds {
    private Thresholds() {
    }

    /** {"layer": T, ...} with T a number >= 0 in real units. */
    public static Map<String, Double> load(Path file) {
        JsonNode root = Json.read(file, "thresholds file");
        if (!root.isObject()) {
            throw new BadInputException("thresholds file " + file + " must hold a JSON object {\"layer\": T, ...}");
        }
        Map<String, Double> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isNumber() || e.getValue().asDouble() < 0) {
                throw new BadInputException("thresholds file " + file + ": threshold of layer '" + e.getKey()
                        + "' must be a number >= 0, got " + e.getValue());
            }
            m.put(e.getKey(), e.getValue().asDouble());
        }
        return m;
    }

    /** Every layer a threshold or the dense list names must be an accelerator layer of the model. */
    public static void checkLayers(RunConfig run, Network net, String model) {
        List<String> layers = net.acceleratorLayers().stream().map(Node::name).toList();
        for (String name : run.thresholds().keySet()) {
            require(layers, name, "thresholds", model);
        }
        for (String name : run.denseLayers()) {
            require(layers, name, "denseLayers", model);
        }
    }

    private static void require(List<String> layers, String name, String option, String model) {
        if (!layers.contains(name)) {
            throw new BadInputException(option + ": model " + model + " has no conv or fully connected layer named '"
                    + name + "' (its layers: " + String.join(", ", layers) + ")");
        }
    }
}
