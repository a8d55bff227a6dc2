package io.cnv2.config;

import io.cnv2.BadInputException;
import java.util.Map;
import java.util.Set;

/**
 * One run (ARCHITECTURE.md: the machine, the run and the model are separate descriptions).
 *
 * @param arch                accelerator model: "dadn" (the dense DaDianNao baseline)
 * @param implementation      "fast" (vectorised, analytic cycles) or "reference" (lane by lane)
 * @param calibrationSamples  inputs profiled to choose activation formats (section 2) [chosen: 100]
 * @param pinnedFormats       fraction lengths a user fixes per tensor, overriding the profile
 * @param threads             worker threads over images; 0 = all cores
 */
public record RunConfig(String arch, String implementation, int calibrationSamples,
                        Map<String, Integer> pinnedFormats, int threads) {

    public static final Set<String> ARCHS = Set.of("dadn");
    public static final Set<String> IMPLEMENTATIONS = Set.of("fast", "reference");
    public static final RunConfig DEFAULT = new RunConfig("dadn", "fast", 100, Map.of(), 0);

    public RunConfig {
        if (!ARCHS.contains(arch)) {
            throw new BadInputException("run option arch: unknown architecture '" + arch + "' (known: "
                    + String.join(", ", ARCHS.stream().sorted().toList()) + ")");
        }
        if (!IMPLEMENTATIONS.contains(implementation)) {
            throw new BadInputException("run option implementation: '" + implementation
                    + "' is neither 'fast' nor 'reference'");
        }
        if (calibrationSamples < 1) {
            throw new BadInputException("run option calibrationSamples must be >= 1, got " + calibrationSamples);
        }
        if (threads < 0) {
            throw new BadInputException("run option threads must be >= 0, got " + threads);
        }
        pinnedFormats = pinnedFormats == null ? Map.of() : Map.copyOf(pinnedFormats);
    }

    public RunConfig withArch(String a) {
        return new RunConfig(a, implementation, calibrationSamples, pinnedFormats, threads);
    }

    public RunConfig withImplementation(String i) {
        return new RunConfig(arch, i, calibrationSamples, pinnedFormats, threads);
    }

    public RunConfig withThreads(int t) {
        return new RunConfig(arch, implementation, calibrationSamples, pinnedFormats, t);
    }

    public RunConfig withCalibrationSamples(int n) {
        return new RunConfig(arch, implementation, n, pinnedFormats, threads);
    }

    public int effectiveThreads() {
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }
}
