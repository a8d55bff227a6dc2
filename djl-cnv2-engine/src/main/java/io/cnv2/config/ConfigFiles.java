package io.cnv2.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.cnv2.BadInputException;
import io.cnv2.fixed.Calibration;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/** Loading and saving the configuration and calibration files. */
public final class ConfigFiles {
    private ConfigFiles() {
    }

    /** {"machine": {...}, "run": {...}}; either part may be absent or partial. */
    public static Config load(Path file) {
        JsonNode root = Json.read(file, "config file");
        if (!root.isObject()) {
            throw new BadInputException("config file " + file + " must hold a JSON object with 'machine', 'run' "
                    + "and/or 'energy'");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("machine") && !k.equals("run") && !k.equals("energy")) {
                throw new BadInputException("config file " + file + ": unknown key '" + k
                        + "' (known: machine, run, energy)");
            }
        }
        MachineConfig m = Json.overlay(MachineConfig.DEFAULT, root.get("machine"), MachineConfig.class,
                "config file " + file + ", section machine");
        JsonNode runNode = root.get("run");
        RunConfig base = RunConfig.DEFAULT;
        if (runNode != null && runNode.isObject() && runNode.has("preset")) {
            // a preset sets several keys (CNV2-MODEL.md section 7); keys given beside it win
            String where = "config file " + file + ", section run";
            JsonNode p = runNode.get("preset");
            try {
                base = base.withPreset(p.asText());
            } catch (BadInputException e) {
                throw new BadInputException(where + ": " + e.getMessage());
            }
        }
        RunConfig r = Json.overlay(base, runNode, RunConfig.class, "config file " + file + ", section run");
        EnergyTable e = Json.overlay(EnergyTable.DEFAULT, root.get("energy"), EnergyTable.class,
                "config file " + file + ", section energy");
        return new Config(m, r, e);
    }

    public static String toJson(Config c) {
        return Json.write(c);
    }

    /** {"source": "...", "fractions": {"tensor": f, ...}}. */
    public static Calibration loadCalibration(Path file) {
        JsonNode root = Json.read(file, "calibration file");
        JsonNode fr = root.get("fractions");
        if (fr == null || !fr.isObject()) {
            throw new BadInputException("calibration file " + file + " has no 'fractions' object");
        }
        Map<String, Integer> m = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = fr.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isInt()) {
                throw new BadInputException("calibration file " + file + ": fraction of tensor '" + e.getKey()
                        + "' is not an integer");
            }
            m.put(e.getKey(), e.getValue().intValue());
        }
        return new Calibration(file.getFileName().toString(), m);
    }
}
