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

    /**
     * The thresholds each layer actually skips with (CNV2-MODEL.md section 5, item 3). With
     * detection at fetch (Cnvlutin2 {@code detect: fetch}) every consumer applies its own as the
     * raw values stream in. With detection at the producer's output (Cnvlutin, and Cnvlutin2
     * {@code detect: output}) a tensor is encoded once, so all its conv and fully connected
     * consumers see the same values: the smallest of their thresholds [chosen: no consumer
     * loses more activations than it asked to]. The result names every accelerator layer.
     */
    public static RunConfig resolve(RunConfig run, Network net) {
        boolean atOutput = run.arch().equals("cnv") || run.arch().equals("cnv2") && run.detect().equals("output");
        if (run.arch().equals("dadn")) {
            return run;
        }
        Map<String, Double> effective = new LinkedHashMap<>();
        for (Node n : net.acceleratorLayers()) {
            double t = run.thresholdOf(n.name());
            if (atOutput) {
                for (Node c : net.consumers(n.inputs().get(0))) {
                    if (c.isAcceleratorLayer()) {
                        t = Math.min(t, run.thresholdOf(c.name()));
                    }
                }
            }
            effective.put(n.name(), t);
        }
        return run.withThresholds(run.threshold(), effective);
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
