package io.cnv2.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The run settings a user may give on top of a configuration file, the same from the command
 * line and from the DJL engine's model options; null means "keep the file's value".
 *
 * @param arch           accelerator model: dadn, cnv
 * @param implementation fast or reference
 * @param threads        worker threads
 * @param threshold      ineffectual-activation threshold for every layer (real units)
 * @param thresholdsFile per-layer thresholds, {"layer": T, ...}
 * @param denseLayers    layers run without skipping
 * @param encoding       cnv2: the activations' encoding in NM
 * @param detect         cnv2: output or fetch
 * @param weightSkip     cnv2: none, filter-lanes or lookahead(h,d[,T|L])
 * @param prune          fraction of the weights pruned by magnitude
 * @param pruneScope     layer or global
 * @param timing         timing profile: isca2016 or ideal (CNV2-MODEL.md section 4a)
 * @param preset         cnv2 or dnnsim (section 7); applied first, so the other settings given win
 */
public record Overrides(String arch, String implementation, Integer threads, Double threshold, Path thresholdsFile,
                        List<String> denseLayers, String encoding, String detect, String weightSkip, Double prune,
                        String pruneScope, String timing, String preset) {
    public static final Overrides NONE = new Overrides(null, null, null, null, null, null, null, null, null, null,
            null, null, null);

    /** {@code run} with every given setting applied. */
    public RunConfig apply(RunConfig run) {
        RunConfig r = run;
        if (preset != null) {
            r = r.withPreset(preset);
        }
        if (timing != null) {
            r = r.withTiming(timing);
        }
        if (arch != null) {
            r = r.withArch(arch);
        }
        if (implementation != null) {
            r = r.withImplementation(implementation);
        }
        if (threads != null) {
            r = r.withThreads(threads);
        }
        if (threshold != null || thresholdsFile != null) {
            r = r.withThresholds(threshold != null ? threshold : r.threshold(),
                    thresholdsFile == null ? null : Thresholds.load(thresholdsFile));
        }
        if (denseLayers != null) {
            r = r.withDenseLayers(denseLayers);
        }
        if (encoding != null || detect != null || weightSkip != null) {
            r = r.withCnv2(encoding != null ? encoding : r.encoding(), detect != null ? detect : r.detect(),
                    weightSkip != null ? weightSkip : r.weightSkip());
        }
        if (prune != null || pruneScope != null) {
            r = r.withPrune(prune != null ? prune : r.prune(), pruneScope != null ? pruneScope : r.pruneScope());
        }
        return r;
    }
}
