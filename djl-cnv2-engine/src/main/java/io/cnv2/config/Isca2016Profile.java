package io.cnv2.config;

import io.cnv2.BadInputException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules of the {@code isca2016} timing profile (CNV2-MODEL.md section 4a): the Cnvlutin
 * authors' own timing simulator (MIsim, 2015), every rule a named parameter. Config file:
 * {@code "run": {"timing": "isca2016", "isca2016": {"nmPorts": 4, ...}}}; keys not given keep
 * these defaults.
 *
 * @param laneStreams         how a window's values reach the neuron lanes: "channel-slices" (rule 1: lane l
 *                            owns channels [l C'/16, (l+1) C'/16), C rounded up to C', a multiple of 16)
 * @param streamOrder         order of a lane's stream: "kx-ky-c" (kernel column outermost, then row, then
 *                            channel, rule 1) or "ky-kx-c" (row outermost, cnv2's storage order)
 * @param chunkValues         values per chunk, the NBin depth (rule 2) [misim: 16]
 * @param chunkOverheadCycles fixed cycles of a non-empty chunk: hand-out, memory read, NBin fill (rule 3) [misim: 3]
 * @param emptyChunkCycles    cycles of a chunk with no effectual value (rule 3) [misim: 2]
 * @param filterPassOrder     "inner": the G = ceil(K / 256) filter passes run back to back on each chunk
 *                            (rule 3, one read per chunk); "outer": each pass sweeps all windows again
 * @param pipelineLatency     cycles per pass from a lane's last work to its results (rule 4) [misim: 8]
 * @param nmPorts             NM requests served per cycle (rule 5) [misim: 2]
 * @param sameCycleOrder      order of events within a cycle (rule 5): "memory-tiles-lanes", the only one
 *                            modelled (the simulator's own order is arbitrary per run)
 * @param dadnLayout          DaDN's window layout (rule 6): "packed-N", one lane streams the whole window
 *                            (real channels, no padding) in chunks of N values [misim: packed-256]
 */
public record Isca2016Profile(String laneStreams, String streamOrder, int chunkValues, int chunkOverheadCycles,
                              int emptyChunkCycles, String filterPassOrder, int pipelineLatency, int nmPorts,
                              String sameCycleOrder, String dadnLayout) {
    private static final Pattern PACKED = Pattern.compile("packed-(\\d{1,6})");
    public static final Isca2016Profile DEFAULT = new Isca2016Profile("channel-slices", "kx-ky-c", 16, 3, 2,
            "inner", 8, 2, "memory-tiles-lanes", "packed-256");

    public Isca2016Profile {
        oneOf("laneStreams", laneStreams, Set.of("channel-slices"));
        oneOf("streamOrder", streamOrder, Set.of("kx-ky-c", "ky-kx-c"));
        oneOf("filterPassOrder", filterPassOrder, Set.of("inner", "outer"));
        oneOf("sameCycleOrder", sameCycleOrder, Set.of("memory-tiles-lanes"));
        if (chunkValues < 1 || chunkValues > 64) {
            throw new BadInputException("run option isca2016.chunkValues must be in 1..64, got " + chunkValues);
        }
        if (chunkOverheadCycles < 2) {
            // the hand-out and the memory read take a cycle each (rule 5's wait = served - issued - 1)
            throw new BadInputException("run option isca2016.chunkOverheadCycles must be >= 2, got "
                    + chunkOverheadCycles);
        }
        if (emptyChunkCycles < 1 || pipelineLatency < 0 || nmPorts < 1) {
            throw new BadInputException("run options isca2016.emptyChunkCycles and nmPorts must be >= 1 and "
                    + "pipelineLatency >= 0, got " + emptyChunkCycles + ", " + nmPorts + ", " + pipelineLatency);
        }
        Matcher m = dadnLayout == null ? null : PACKED.matcher(dadnLayout);
        if (m == null || !m.matches() || Integer.parseInt(m.group(1)) < 16) {
            throw new BadInputException("run option isca2016.dadnLayout: unknown value '" + dadnLayout
                    + "' (known: packed-N with N >= 16 values per chunk, e.g. packed-256)");
        }
    }

    /** Values per DaDN chunk of the packed layout (256 by default). */
    public int dadnChunkValues() {
        return Integer.parseInt(dadnLayout.substring("packed-".length()));
    }

    /** True when the kernel column is the outermost loop of a lane's stream. */
    public boolean columnMajor() {
        return streamOrder.equals("kx-ky-c");
    }

    public boolean passesInner() {
        return filterPassOrder.equals("inner");
    }

    private static void oneOf(String option, String value, Set<String> known) {
        if (value == null || !known.contains(value)) {
            throw new BadInputException("run option isca2016." + option + ": unknown value '" + value + "' (known: "
                    + String.join(", ", known.stream().sorted().toList()) + ")");
        }
    }
}
