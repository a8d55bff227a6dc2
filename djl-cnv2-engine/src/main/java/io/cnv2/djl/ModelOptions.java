package io.cnv2.djl;

import io.cnv2.BadInputException;
import io.cnv2.config.Overrides;
import io.cnv2.importer.ImportOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The model options the CNV2 engine reads, all strings: {@code Criteria.optOption(key, value)}
 * or {@code Model.load(path, prefix, options)} (DJL hands a model loader its options; the
 * arguments of {@code optArgument} go to the translator factory, never to the engine):
 *
 * <ul>
 *   <li>{@code config}: machine and run configuration file; default {@code <model>.cnv2.json}
 *       next to the model when it exists;</li>
 *   <li>{@code calibration}: fixed-point formats file ({@code ./cnv2 run --save-calibration} or
 *       {@code Cnv2SymbolBlock.saveCalibration}); default {@code <file>.calibration.json}, else
 *       {@code <model>.calibration.json}, next to the model; without one the formats are profiled
 *       on {@code calibrationData} at load, else on the first batch the model runs;</li>
 *   <li>{@code calibrationData}: a folder of inputs to profile the formats on at load (IDX files, or
 *       one sub-folder of images per class, as {@code --dataset}); {@code calibrationSamples}: how
 *       many of them (default 100);</li>
 *   <li>{@code arch}, {@code impl}, {@code threads}, {@code threshold}, {@code thresholds}
 *       (file), {@code dense} (comma-separated layers), {@code encoding}, {@code detect},
 *       {@code weightSkip}, {@code prune}, {@code timing} (isca2016 or ideal), {@code preset} (cnv2 or
 *       dnnsim): as on the command line;</li>
 *   <li>{@code inputShape}: for models with symbolic input dimensions, e.g. {@code x=1,3,48,192}.</li>
 * </ul>
 */
record ModelOptions(Path config, Path calibration, Path calibrationData, int calibrationSamples, Overrides overrides,
                    ImportOptions imports) {
    static final Set<String> KNOWN = Set.of("config", "calibration", "calibrationData", "calibrationSamples", "arch", "impl", "threads", "threshold",
            "thresholds", "dense", "inputShape", "encoding", "detect", "weightSkip", "prune",
            "pruneScope", "timing", "preset");

    static ModelOptions parse(Map<String, ?> options, Path modelDir, String modelName, String fileName) {
        Map<String, ?> o = options == null ? Map.of() : options;
        for (String key : o.keySet()) {
            if (!KNOWN.contains(key)) {
                throw bad(key, "unknown option (known: " + String.join(", ", KNOWN.stream().sorted().toList()) + ")");
            }
        }
        Path config = path(o, "config", modelDir, modelName + ".cnv2.json", false);
        // formats name tensors, and an ONNX and a TorchScript copy of one model name them differently:
        // <file>.calibration.json first, then <model>.calibration.json
        Path calibration = Files.isRegularFile(modelDir.resolve(fileName + ".calibration.json")) && !o.containsKey("calibration")
                ? modelDir.resolve(fileName + ".calibration.json")
                : path(o, "calibration", modelDir, modelName + ".calibration.json", false);
        Path data = null;
        if (o.containsKey("calibrationData")) {
            data = Path.of(string(o, "calibrationData"));
            if (!Files.isDirectory(data)) {
                throw bad("calibrationData", "folder " + data + " does not exist");
            }
        }
        int samples = o.containsKey("calibrationSamples") ? integer(o, "calibrationSamples") : 100;
        if (samples < 1) {
            throw bad("calibrationSamples", "must be >= 1, got " + samples);
        }
        Integer threads = o.containsKey("threads") ? integer(o, "threads") : null;
        Double threshold = o.containsKey("threshold") ? number(o, "threshold") : null;
        if (threshold != null && (threshold < 0 || threshold.isNaN())) {
            throw bad("threshold", "must be a number >= 0, got " + o.get("threshold"));
        }
        Path thresholds = o.containsKey("thresholds") ? existing(o, "thresholds") : null;
        List<String> dense = o.containsKey("dense")
                ? Arrays.stream(string(o, "dense").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()
                : null;
        Double prune = o.containsKey("prune") ? number(o, "prune") : null;
        Overrides overrides = new Overrides(optional(o, "arch"), optional(o, "impl"), threads, threshold, thresholds,
                dense, optional(o, "encoding"), optional(o, "detect"), optional(o, "weightSkip"), prune,
                optional(o, "pruneScope"), optional(o, "timing"), optional(o, "preset"));
        ImportOptions imports = o.containsKey("inputShape") ? shapes(o) : ImportOptions.DEFAULT;
        return new ModelOptions(config, calibration, data, samples, overrides, imports);
    }

    private static Path path(Map<String, ?> o, String key, Path dir, String fallback, boolean required) {
        if (o.containsKey(key)) {
            return existing(o, key);
        }
        Path f = dir.resolve(fallback);
        if (Files.isRegularFile(f)) {
            return f;
        }
        if (required) {
            throw bad(key, "not given, and there is no " + f + " next to the model; make one with "
                    + "'./cnv2 run --model <model> --save-calibration " + f.getFileName() + "'");
        }
        return null;
    }

    private static Path existing(Map<String, ?> o, String key) {
        Path p = Path.of(string(o, key));
        if (!Files.isRegularFile(p)) {
            throw bad(key, "file " + p + " does not exist");
        }
        return p;
    }

    private static String optional(Map<String, ?> o, String key) {
        return o.containsKey(key) ? string(o, key) : null;
    }

    private static String string(Map<String, ?> o, String key) {
        return String.valueOf(o.get(key)).trim();
    }

    private static int integer(Map<String, ?> o, String key) {
        try {
            return Integer.parseInt(string(o, key));
        } catch (NumberFormatException e) {
            throw bad(key, "must be an integer, got '" + o.get(key) + "'");
        }
    }

    private static double number(Map<String, ?> o, String key) {
        try {
            return Double.parseDouble(string(o, key));
        } catch (NumberFormatException e) {
            throw bad(key, "must be a number, got '" + o.get(key) + "'");
        }
    }

    /** {@code name=D0,D1,...}, several separated by ';'. */
    private static ImportOptions shapes(Map<String, ?> o) {
        Map<String, String> specs = new java.util.HashMap<>();
        for (String spec : string(o, "inputShape").split(";")) {
            int eq = spec.indexOf('=');
            if (eq < 1) {
                throw bad("inputShape", "expected NAME=D0,D1,... (several separated by ';'), got '" + spec + "'");
            }
            specs.put(spec.substring(0, eq).trim(), spec.substring(eq + 1));
        }
        return ImportOptions.parse(specs, "CNV2 engine, model option 'inputShape':");
    }

    private static BadInputException bad(String key, String what) {
        return new BadInputException("CNV2 engine, model option '" + key + "': " + what);
    }
}
