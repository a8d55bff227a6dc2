package io.cnv2.config;

import io.cnv2.BadInputException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

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
 * @param encoding            activation encoding in NM for arch cnv2 (section 5.1): raw, zfnaf, roe, viai,
 *                            compressed-viai, compressed-zfnaf [chosen: zfnaf]
 * @param detect              where ineffectual activations are found for arch cnv2 (section 5.3): "output"
 *                            (the producer encodes them away) or "fetch" (NM holds raw values) [chosen: output]
 * @param weightSkip          zero-weight skipping for arch cnv2 (section 5.4): "none", "filter-lanes" or
 *                            "lookahead(h,d[,T|L])" ({@link WeightSkip}) [chosen: filter-lanes]
 * @param prune               magnitude pruning: the fraction of each conv and fully connected layer's
 *                            weights set to zero before quantising, 0 to 1 [chosen: 0]
 * @param pruneScope          "layer" (every layer to the fraction) or "global" (the smallest weights of the
 *                            whole network, so layers end at different sparsities) [chosen: layer]
 * @param timing              timing profile (CNV2-MODEL.md section 4a): "isca2016" (the Cnvlutin authors'
 *                            simulator, the default) or "ideal" (section 4: lanes fed brick by brick, no
 *                            overheads; {@code laneSync}, {@code minStepCycles} and {@code brickPolicy} are its rules)
 * @param isca2016            the rules of the isca2016 profile
 * @param preset              "cnv2" (our counting rules) or "dnnsim" (section 7: DNNsim's rules for the
 *                            four options below and the ideal profile); informational once applied
 * @param booth               Booth terms of the potentials: "naf" or "dnnsim" (section 7)
 * @param dynamicPrecision    dynamic Ap: "brick" (16 values share their widest) or "value" (DNNsim)
 * @param kernelOrder         Bit-Tactical weight rows: "ky-kx" (row-major) or "kx-ky" (DNNsim's column-major)
 */
public record RunConfig(String arch, String implementation, int calibrationSamples,
                        Map<String, Integer> pinnedFormats, int threads, double threshold,
                        Map<String, Double> thresholds, List<String> denseLayers, String laneSync,
                        int minStepCycles, String brickPolicy, String encoding, String detect, String weightSkip,
                        double prune, String pruneScope, String timing, Isca2016Profile isca2016, String preset,
                        String booth, String dynamicPrecision, String kernelOrder) {

    public static final Set<String> ARCHS = Set.of("dadn", "cnv", "cnv2");
    public static final Set<String> ENCODINGS = Set.of("raw", "zfnaf", "roe", "viai", "compressed-viai",
            "compressed-zfnaf");
    public static final Set<String> DETECTS = Set.of("output", "fetch");
    public static final Set<String> PRUNE_SCOPES = Set.of("layer", "global");
    public static final Set<String> IMPLEMENTATIONS = Set.of("fast", "reference");
    public static final Set<String> LANE_SYNCS = Set.of("step", "window");
    public static final Set<String> BRICK_POLICIES = Set.of("consecutive");
    public static final Set<String> TIMINGS = Set.of("isca2016", "ideal");
    public static final Set<String> PRESETS = Set.of("cnv2", "dnnsim");
    public static final RunConfig DEFAULT = new RunConfig("dadn", "fast", 100, Map.of(), 0, 0.0, Map.of(), List.of(),
            "step", 1, "consecutive", "zfnaf", "output", "filter-lanes", 0.0, "layer", "isca2016",
            Isca2016Profile.DEFAULT, "cnv2", "naf", "brick", "ky-kx");

    public RunConfig {
        oneOf("arch", arch, ARCHS);
        oneOf("implementation", implementation, IMPLEMENTATIONS);
        oneOf("laneSync", laneSync, LANE_SYNCS);
        oneOf("brickPolicy", brickPolicy, BRICK_POLICIES);
        oneOf("encoding", encoding, ENCODINGS);
        oneOf("detect", detect, DETECTS);
        weightSkip = WeightSkip.parse(weightSkip).toString();
        oneOf("pruneScope", pruneScope, PRUNE_SCOPES);
        oneOf("timing", timing, TIMINGS);
        isca2016 = isca2016 == null ? Isca2016Profile.DEFAULT : isca2016;
        oneOf("preset", preset, PRESETS);
        oneOf("booth", booth, Set.of("naf", "dnnsim"));
        oneOf("dynamicPrecision", dynamicPrecision, Set.of("brick", "value"));
        oneOf("kernelOrder", kernelOrder, Set.of("ky-kx", "kx-ky"));
        if (timing.equals("isca2016") && WeightSkip.parse(weightSkip).lookahead() && arch.equals("cnv2")) {
            // Bit-Tactical's schedule is timed as DNNsim times it, whose dense baseline is section 3's
            throw new BadInputException("run option weightSkip " + weightSkip + " is Bit-Tactical's schedule, timed "
                    + "as DNNsim times it: it runs under timing ideal only (--timing ideal or --preset dnnsim)");
        }
        if (!(prune >= 0 && prune <= 1)) {
            throw new BadInputException("run option prune must be a fraction from 0 to 1, got " + prune);
        }
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
        // sorted by layer name: a run's JSON lists them in the same order in every JVM (Map.copyOf's
        // order changes from one JVM to the next, and a Spark driver must write this machine's file)
        pinnedFormats = pinnedFormats == null ? Map.of() : Collections.unmodifiableSortedMap(new TreeMap<>(pinnedFormats));
        thresholds = thresholds == null ? Map.of() : Collections.unmodifiableSortedMap(new TreeMap<>(thresholds));
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

    /** {@link #weightSkip} parsed. */
    public WeightSkip weightSkipMode() {
        return WeightSkip.parse(weightSkip);
    }

    public boolean isDense(String node) {
        return denseLayers.contains(node);
    }

    public RunConfig withArch(String a) {
        return new RunConfig(a, implementation, calibrationSamples, pinnedFormats, threads, threshold, thresholds,
                denseLayers, laneSync, minStepCycles, brickPolicy, encoding, detect, weightSkip, prune, pruneScope, timing, isca2016,
                preset, booth, dynamicPrecision, kernelOrder);
    }

    public RunConfig withImplementation(String i) {
        return new RunConfig(arch, i, calibrationSamples, pinnedFormats, threads, threshold, thresholds,
                denseLayers, laneSync, minStepCycles, brickPolicy, encoding, detect, weightSkip, prune, pruneScope, timing, isca2016,
                preset, booth, dynamicPrecision, kernelOrder);
    }

    public RunConfig withThreads(int t) {
        return new RunConfig(arch, implementation, calibrationSamples, pinnedFormats, t, threshold, thresholds,
                denseLayers, laneSync, minStepCycles, brickPolicy, encoding, detect, weightSkip, prune, pruneScope, timing, isca2016,
                preset, booth, dynamicPrecision, kernelOrder);
    }

    public RunConfig withCalibrationSamples(int n) {
        return new RunConfig(arch, implementation, n, pinnedFormats, threads, threshold, thresholds,
                denseLayers, laneSync, minStepCycles, brickPolicy, encoding, detect, weightSkip, prune, pruneScope, timing, isca2016,
                preset, booth, dynamicPrecision, kernelOrder);
    }

    /** Sets the default threshold and, when {@code perLayer} is not null, the per-layer table. */
    public RunConfig withThresholds(double t, Map<String, Double> perLayer) {
        return new RunConfig(arch, implementation, calibrationSamples, pinnedFormats, threads, t,
                perLayer == null ? thresholds : perLayer, denseLayers, laneSync, minStepCycles, brickPolicy, encoding, detect, weightSkip, prune, pruneScope, timing, isca2016,
                preset, booth, dynamicPrecision, kernelOrder);
    }

    public RunConfig withDenseLayers(List<String> layers) {
        return new RunConfig(arch, implementation, calibrationSamples, pinnedFormats, threads, threshold, thresholds,
                layers, laneSync, minStepCycles, brickPolicy, encoding, detect, weightSkip, prune, pruneScope, timing, isca2016,
                preset, booth, dynamicPrecision, kernelOrder);
    }

    public RunConfig withLaneSync(String sync) {
        return new RunConfig(arch, implementation, calibrationSamples, pinnedFormats, threads, threshold, thresholds,
                denseLayers, sync, minStepCycles, brickPolicy, encoding, detect, weightSkip, prune, pruneScope, timing, isca2016,
                preset, booth, dynamicPrecision, kernelOrder);
    }

    /** The CNV2 settings (section 5): encoding, detection point, weight skipping. */
    public RunConfig withCnv2(String enc, String det, String skip) {
        return new RunConfig(arch, implementation, calibrationSamples, pinnedFormats, threads, threshold, thresholds,
                denseLayers, laneSync, minStepCycles, brickPolicy, enc, det, skip, prune, pruneScope, timing, isca2016, preset, booth,
                dynamicPrecision, kernelOrder);
    }

    public RunConfig withPrune(double fraction) {
        return withPrune(fraction, pruneScope);
    }

    /** Magnitude pruning to {@code fraction} zero weights, per "layer" or over the "global" network. */
    public RunConfig withPrune(double fraction, String scope) {
        return new RunConfig(arch, implementation, calibrationSamples, pinnedFormats, threads, threshold, thresholds,
                denseLayers, laneSync, minStepCycles, brickPolicy, encoding, detect, weightSkip, fraction, scope, timing, isca2016, preset, booth,
                dynamicPrecision, kernelOrder);
    }

    /** The timing profile {@code t} ("isca2016" or "ideal"), its rules unchanged. */
    public RunConfig withTiming(String t) {
        return new RunConfig(arch, implementation, calibrationSamples, pinnedFormats, threads, threshold, thresholds,
                denseLayers, laneSync, minStepCycles, brickPolicy, encoding, detect, weightSkip, prune, pruneScope, t,
                isca2016, preset, booth, dynamicPrecision, kernelOrder);
    }

    public RunConfig withIsca2016(Isca2016Profile p) {
        return new RunConfig(arch, implementation, calibrationSamples, pinnedFormats, threads, threshold, thresholds,
                denseLayers, laneSync, minStepCycles, brickPolicy, encoding, detect, weightSkip, prune, pruneScope, timing,
                p, preset, booth, dynamicPrecision, kernelOrder);
    }

    /** DNNsim's counting rules (CNV2-MODEL.md section 7). */
    public RunConfig withCounting(String boothRule, String dynamic, String order) {
        return new RunConfig(arch, implementation, calibrationSamples, pinnedFormats, threads, threshold, thresholds,
                denseLayers, laneSync, minStepCycles, brickPolicy, encoding, detect, weightSkip, prune, pruneScope, timing,
                isca2016, preset, boothRule, dynamic, order);
    }

    /**
     * Preset {@code p}: "dnnsim" sets every rule where DNNsim counts differently (section 7: Booth
     * terms, dynamic precision, Bit-Tactical's kernel order) to DNNsim's, and the ideal profile,
     * whose DaDN cycles are the ones DNNsim reports (section 3); "cnv2" sets cnv2's own defaults.
     */
    public RunConfig withPreset(String p) {
        oneOf("preset", p, PRESETS);
        boolean d = p.equals("dnnsim");
        RunConfig r = withCounting(d ? "dnnsim" : "naf", d ? "value" : "brick", d ? "kx-ky" : "ky-kx")
                .withTiming(d ? "ideal" : "isca2016");
        return new RunConfig(r.arch, r.implementation, r.calibrationSamples, r.pinnedFormats, r.threads, r.threshold,
                r.thresholds, r.denseLayers, r.laneSync, r.minStepCycles, r.brickPolicy, r.encoding, r.detect,
                r.weightSkip, r.prune, r.pruneScope, r.timing, r.isca2016, p, r.booth, r.dynamicPrecision,
                r.kernelOrder);
    }

    public boolean usesIsca2016() {
        return timing.equals("isca2016");
    }

    public int effectiveThreads() {
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }
}
