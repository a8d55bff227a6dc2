package io.cnv2.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cnv2.config.Json;
import io.cnv2.stats.LayerReport;
import io.cnv2.stats.RunReport;
import io.cnv2.stats.Totals;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Text and CSV views of a {@link RunReport}; the JSON is the record itself. */
final class Reports {
    private Reports() {
    }

    /** The timing profile and counting rules of a run, as a reader quotes them (CNV2-MODEL.md 4a and 7). */
    static String timing(io.cnv2.config.RunConfig run) {
        String t = run.usesIsca2016() ? "isca2016 (as the Cnvlutin authors simulated it)"
                : "ideal (lanes fed brick by brick, no overheads: the upper bound)";
        return run.preset().equals("dnnsim") ? t + ", counted as DNNsim counts" : t;
    }

    static String layerTable(RunReport r) {
        Table t = new Table("layer", "op", "where", "output", "MACs", r.run().arch() + " cycles/img", "dadn cycles/img",
                "speedup", "no-wait", "util", "in-zero", "cut", "sat total", "fa/fw/fo or integers").alignRight(4, 5, 6, 7, 8, 9, 10, 11, 12);
        for (LayerReport l : r.layers()) {
            boolean acc = l.placement().equals("accelerator");
            t.row(l.name(), l.op(), l.placement(), l.outputShape(), l.macsPerImage() == 0 ? "" : fmt(l.macsPerImage()),
                    acc ? fmt(Math.round(l.cyclesPerImage())) : "", acc ? fmt(Math.round(l.baselineCyclesPerImage())) : "",
                    acc ? String.format(Locale.ROOT, "%.2f", l.speedup()) : "",
                    acc ? String.format(Locale.ROOT, "%.2f", l.idealSpeedup()) : "",
                    acc ? pct(l.laneUtilisation()) : "", pct(l.inputZeroFraction()),
                    acc ? pct(l.thresholdedFraction()) : "", l.saturationsTotal(),
                    l.integers() != null ? l.integers()
                            : (l.inputFrac() == null ? "-" : l.inputFrac()) + "/" + (l.weightFrac() == null ? "-"
                            : l.weightFrac()) + "/" + (l.outputFrac() == null ? "-" : l.outputFrac()));
        }
        Totals tot = r.totals();
        t.separator();
        t.row("total", "", "", "", fmt(tot.macsPerImage()), fmt(Math.round(tot.cyclesPerImage())),
                fmt(Math.round(tot.baselineCyclesPerImage())), String.format(Locale.ROOT, "%.2f", tot.speedup()),
                String.format(Locale.ROOT, "%.2f", tot.idealSpeedup()), pct(tot.laneUtilisation()), "", "",
                tot.saturationsTotal(), "");
        return t.render();
    }

    static String summary(RunReport r) {
        StringBuilder sb = new StringBuilder();
        Totals t = r.totals();
        sb.append(String.format(Locale.ROOT, "%s: %s cycles per image = %.1f us at %.0f MHz; %.1f%% of peak MAC slots used%n",
                r.run().arch(), fmt(Math.round(t.cyclesPerImage())), t.timeMicrosecondsPerImage(),
                r.machine().clockMHz(),
                t.cyclesPerImage() == 0 ? 0 : 100.0 * t.acceleratorMacsPerImage()
                        / (t.cyclesPerImage() * r.machine().peakMacsPerCycle())));
        if (r.run().arch().equals("dadn")) {
            sb.append(String.format(Locale.ROOT, "neuron lanes multiply effectual activations in %s of lane-cycles; "
                    + "skipping the rest could gain up to %.2fx (if lanes never waited; try --arch cnv)%n", pct(t.laneUtilisation()),
                    t.idealSpeedup()));
        } else {
            sb.append(String.format(Locale.ROOT, "dadn: %s cycles per image (the dense baseline, same timing); %s's speedup "
                            + "over DaDianNao %.2f (above 1 is faster), both timed %s (%.2f if lanes never waited); neuron lanes busy "
                            + "with effectual activations %s of lane-cycles%n",
                    fmt(Math.round(t.baselineCyclesPerImage())), r.run().arch(), t.speedup(),
                    r.run().timing(), t.idealSpeedup(), pct(t.laneUtilisation())));
        }
        if (r.images() > 0) {
            String where = switch (r.run().arch()) {
                case "dadn" -> "raw bricks";
                case "cnv" -> "ZFNAf";
                default -> r.run().detect().equals("fetch") ? "raw, ineffectual found at fetch"
                        : r.run().encoding() + ", detected at the producer's output";
            };
            sb.append(String.format(Locale.ROOT, "memory per image: NM %s kbit read, %s kbit written (%s); SB %s kbit "
                            + "read%s%n", kbit(t.nmBitsReadPerImage()), kbit(t.nmBitsWrittenPerImage()), where,
                    kbit(t.sbBitsReadPerImage()),
                    r.run().prune() > 0 ? String.format(Locale.ROOT, "; weights pruned to %.0f%% zeros",
                            100 * r.run().prune()) : ""));
            sb.append(String.format(Locale.ROOT, "energy per image: %.2f uJ on the accelerator (%s)%n",
                    t.energyPicojoulesPerImage() / 1e6, r.energy().source()));
        }
        long onAcc = r.layers().stream().filter(l -> l.placement().equals("accelerator")).count();
        long hostFixed = r.layers().stream().filter(l -> l.placement().equals("host-fixed")).count();
        long hostFloat = r.layers().stream().filter(l -> l.placement().equals("host-float")).count();
        long hostMacs = r.layers().stream().filter(l -> !l.placement().equals("accelerator"))
                .mapToLong(LayerReport::macsPerImage).sum();
        long allMacs = t.acceleratorMacsPerImage() + hostMacs;
        sb.append(String.format(Locale.ROOT, "where layers ran: %d on the accelerator (%s MACs, %.2f%% of the network's), "
                        + "%d on the host in 16-bit fixed point, %d on the host in float (%s MACs on the host)%n", onAcc,
                fmt(t.acceleratorMacsPerImage()), allMacs == 0 ? 0 : 100.0 * t.acceleratorMacsPerImage() / allMacs,
                hostFixed, hostFloat, fmt(hostMacs)));
        if (!r.hostFloatLayers().isEmpty()) {
            sb.append("on the host in float: ").append(String.join(", ", r.hostFloatLayers())).append('\n');
        }
        var a = r.accuracy();
        if (a.labelled() > 0 && Double.isNaN(a.floatTop1())) {
            sb.append(String.format(Locale.ROOT, "top-1 on %d labelled images: %s %.2f%% (no float column: --no-float)%n",
                    a.labelled(), fixedLabel(r), 100 * a.fixedTop1()));
        } else if (Double.isNaN(a.agreement())) {
            sb.append("no float column (--no-float): hardware figures and the emulated outputs only\n");
        } else if (a.labelled() > 0) {
            sb.append(String.format(Locale.ROOT, "top-1 on %d labelled images: %s %.2f%%, %s %.2f%% "
                            + "(difference %+.2f points); predictions agree on %.2f%%%n", a.labelled(), floatLabel(r),
                    100 * a.floatTop1(), fixedLabel(r), 100 * a.fixedTop1(), 100 * (a.fixedTop1() - a.floatTop1()),
                    100 * a.agreement()));
        } else if (r.outputs().isEmpty() || r.outputs().get(0).classVector()) {
            sb.append(String.format(Locale.ROOT, "float and fixed-point predictions agree on %.2f%% of images%n",
                    100 * a.agreement()));
        }
        // every output, float reference against the 16-bit emulation (issue: outputs that are not classes)
        for (io.cnv2.stats.OutputReport o : r.outputs()) {
            if (o.compared() == 0) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "output %s %s: " + (quantised(r) ? "the model's integers" : "16-bit")
                            + " vs " + floatLabel(r)
                            + ", max relative error %.2e%s%n", o.name(),
                    o.shape(), o.maxRelativeError(), o.classVector() ? String.format(Locale.ROOT,
                            ", same top-1 on %.2f%% of inputs", 100 * o.top1Agreement()) : ""));
        }
        return sb.toString();
    }

    /**
     * The per-layer CSV: one row per layer, one column per key of a layer in the JSON (the same
     * record, serialised by the same mapper), in the JSON's order and named in snake_case
     * ({@code cyclesPerImage} is {@code cycles_per_image}). Numbers are written in full (no
     * exponent); an empty cell is a null or NaN in the JSON.
     */
    static String layerCsv(RunReport r) {
        List<String> keys = Arrays.stream(LayerReport.class.getRecordComponents()).map(RecordComponent::getName)
                .toList();
        StringBuilder sb = new StringBuilder(String.join(",", keys.stream().map(Reports::snakeCase).toList()))
                .append('\n');
        for (LayerReport l : r.layers()) {
            JsonNode row = Json.MAPPER.valueToTree(l);
            sb.append(String.join(",", keys.stream().map(k -> cell(row.get(k))).toList())).append('\n');
        }
        return sb.toString();
    }

    /** {@code sbBitsReadPerImage} as a CSV column: {@code sb_bits_read_per_image}. */
    static String snakeCase(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static String cell(JsonNode v) {
        if (v == null || v.isNull() || v.isDouble() && Double.isNaN(v.doubleValue())) {
            return "";
        }
        if (v.isArray()) {
            List<String> items = new ArrayList<>();
            v.forEach(x -> items.add(cell(x)));
            return csv(items.toString());
        }
        if (v.isFloatingPointNumber() && Double.isFinite(v.doubleValue())) {
            return BigDecimal.valueOf(v.doubleValue()).toPlainString();
        }
        return csv(v.asText());
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    /** Bits as whole kilobits, rounded down (the tables' memory columns). */
    static String kbit(double bits) {
        return fmt((long) (bits / 1000));
    }

    static String fmt(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    /** True when the run's network has a quantised model's integer layers. */
    static boolean quantised(io.cnv2.stats.RunReport r) {
        return r.layers().stream().anyMatch(l -> l.integers() != null);
    }

    /** What the emulation computes in: cnv2's 16-bit fixed point, or a quantised model's own integers. */
    static String fixedLabel(io.cnv2.stats.RunReport r) {
        return quantised(r) ? "the model's integers" : "16-bit fixed point";
    }

    /** The reference: float, or ONNX Runtime running a quantised model (its integer kernels). */
    static String floatLabel(io.cnv2.stats.RunReport r) {
        return quantised(r) ? "ONNX Runtime" : "float";
    }
}
