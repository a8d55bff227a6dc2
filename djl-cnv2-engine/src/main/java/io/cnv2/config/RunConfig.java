package io.cnv2.config;

import io.cnv2.BadInputException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One run (ARCHITECTURE.md: the machine, the run and the model are separate descriptions).
 *
 * @param arch                accelerator model: "dadn" (the dense DaDianNao baseline) or "cnv" (Cnvlutin)
 * @param implementation      "fast" (vectorised, analytic cycles) or "reference" (lane by lane)
 * @param calibrationSamples  inputs profiled to choose activation formats (section 2) [chosen: 100]
 * @param pinnedFormats       fraction lengths a user fixes per tensor, overriding the profile
 * @param threads             worker threads over images; 0 = all cores
 * @param threshold           ineffectual-activation threshold of every layer not in {@code thresholds},
 *                            in real units (section 2 rule 7); 0 = skip exact zeros only
 * @param thresholds          per-layer thresholds in real units, by node name
 * @param denseLayers         layers a skipping accelerator runs like DaDianNao (section 4)
 * @param laneSync            "step" (lanes wait for each other at every step) or "window" (section 4) [chosen: step]
 * @param minStepCycles       least cycles a step (or window, with laneSync window) costs [chosen: 1]
 * @param brickPolicy         how bricks are dealt to neuron lanes: "consecutive" [chosen]
 */
public record RunConfig(String arch, String implementation, int calibrationSamples,
                        Map<String, Integer> pinnedFormats, int threads, double threshold,
                        Map<String, Double> thresholds, List<String> denseLayers, String laneSync,
                        int minStepCycles, String brickPolicy) {

    public static final Set<String> ARCHS = Set.of("dadn", "cnv");
    public static final Set<String> IMPLEMENTATIONS = Set.of("fast", "reference");
    public static final Set<String> LANE_SYNCS = Set.of("step", "window");
    public static final Set<String> BRICK_POLICIES = Set.of("consecutive");
    public static final RunConfig DEFAULT = new RunConfig("dadn", "fast", 100, Map.of(), 0, 0.0, Map.of(), List.of(),
            "step", 1, "consecutive");

    public RunConfig {
        oneOf("arch", arch, ARCHS);
        oneOf("implementation", implementation, IMPLEMENTATIONS);
        oneOf("laneSync", laneSync, LANE_SYNCS);
        oneOf("brickPolicy", brickPolicy, BRICK_POLICIES);
        if (calibrationSamples < 1) {
            throw new BadInputException("run option calibrationSamples must be >= 1, got " + calibrationSamples);
        }
        if (threads < 0) {
            throw new BadInputException("run option threads must be >= 0, got " + threads);
        }
        if (minStepCycles < 1) {
            throw new BadInputException("run option minStepCycles must be >= 1, got " + minStepCycles);
        }
        checkThreshold("threshold", threshold);
        pinnedFormats = pinnedFormats == null ? Map.of() : Map.copyOf(pinnedFormats);
        thresholds = thresholds == null ? Map.of() : Map.copyOf(thresholds);
        thresholds.forEach((layer, t) -> checkThreshold("thresholds." + layer, t == null ? Double.NaN : t));
        denseLayers = denseLayers == null ? List.of() : List.copyOf(denseLayers);
    }

    private static void oneOf(String option, String value, Set<String> known) {
        if (value == null || !known.contains(value)) {
            throw new BadInputException("run option " + option + ": unknown value '" + value + "' (known: "
                    + String.join(", ", known.stream().sorted().toList()) + ")");
        }
    }

    private static void checkThreshold(String option, double t) {
        if (!(t >= 0) || Double.isInfinite(t)) {
            throw new BadInputException("run option " + option + " must be a finite number >= 0, got " + t);
        }
    }

    /** The threshold of layer {@code node} in real units (rule 7). */
    public double thresholdOf(String node) {
        return thresholds.getOrDefault(node, threshold);
    }

    public boolean isDense(String node) {
        return denseLayers.contains(node);
    }

    public RunConfig withArch(String a) {
        return new RunConfig(a, implementation, calibrationSamples, pinnedFormats, threads, threshold, thresholds,
                denseLayers, laneSync, minStepCycles, brickPolicy);
    }

    public RunConfig withImplementation(String i) {
        return new RunConfig(arch, i, calibrationSamples, pinnedFormats, threads, threshold, thresholds,
                denseLayers, laneSync, minStepCycles, brickPolicy);
    }

    public RunConfig withThreads(int t) {
        return new RunConfig(arch, implementation, calibrationSamples, pinnedFormats, t, threshold, thresholds,
                denseLayers, laneSync, minStepCycles, brickPolicy);
    }

    public RunConfig withCalibrationSamples(int n) {
        return new RunConfig(arch, implementation, n, pinnedFormats, threads, threshold, thresholds,
                denseLayers, laneSync, minStepCycles, brickPolicy);
    }

    /** Sets the default threshold and, when {@code perLayer} is not null, the per-layer table. */
    public RunConfig withThresholds(double t, Map<String, Double> perLayer) {
        return new RunConfig(arch, implementation, calibrationSamples, pinnedFormats, threads, t,
                perLayer == null ? thresholds : perLayer, denseLayers, laneSync, minStepCycles, brickPolicy);
    }

    public RunConfig withDenseLayers(List<String> layers) {
        return new RunConfig(arch, implementation, calibrationSamples, pinnedFormats, threads, threshold, thresholds,
                layers, laneSync, minStepCycles, brickPolicy);
    }

    public RunConfig withLaneSync(String sync) {
        return new RunConfig(arch, implementation, calibrationSamples, pinnedFormats, threads, threshold, thresholds,
                denseLayers, sync, minStepCycles, brickPolicy);
    }

    public int effectiveThreads() {
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }
}
