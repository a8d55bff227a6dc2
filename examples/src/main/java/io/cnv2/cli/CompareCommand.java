package io.cnv2.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.cnv2.AtomicFiles;
import io.cnv2.config.Json;
import io.cnv2.report.ReportPages;
import io.cnv2.config.RunConfig;
import io.cnv2.exec.Emulator;
import io.cnv2.stats.RunReport;
import io.cnv2.stats.Totals;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cnv2 compare}: DaDianNao, Cnvlutin and Cnvlutin2 variants on the same model, images,
 * fixed-point formats and (pruned) weights, side by side: cycles, speedup, NM and SB traffic,
 * energy, top-1.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run DaDianNao, Cnvlutin and Cnvlutin2 variants on one model and print them side by side.")
final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SessionOptions session;

    @Mixin
    ProgressOption progress;

    @Mixin
    ReportOption report;

    @Option(names = "--json", paramLabel = "OUT", description = "Write the variants as JSON: a list of records (arch, "
            + "encoding, detection, weightSkip, timing, threshold and prune when set, label, report).")
    Path json;

    @Option(names = "--timings", paramLabel = "PROFILE", split = ",",
            description = "Timing profiles to put side by side, e.g. isca2016,ideal (default: the run's, --timing).")
    List<String> timings;

    /**
     * One record of {@code compare.json} (a list of them, in the table's order): what the variant
     * runs as, field by field, then its table label and its whole run report. {@code encoding} is
     * how NM holds activations and {@code detection} where ineffectual ones are found: DaDianNao
     * holds raw bricks and finds none ("raw", "none"), Cnvlutin encodes ZFNAf at the producer's
     * output ("zfnaf", "output"), Cnvlutin2 as its run says (CNV2-MODEL.md section 5). Present
     * only when the run sets them: {@code threshold} (every layer's, when a design that skips
     * activations skips any non-zero one), {@code thresholds} (the per-layer thresholds as applied,
     * when they differ from it) and {@code prune} with {@code pruneScope}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Variant(String arch, String encoding, String detection, String weightSkip, String timing,
                   Double threshold, Map<String, Double> thresholds, Double prune, String pruneScope, String label,
                   RunReport report) {
        static Variant of(String label, RunReport r) {
            RunConfig c = r.run();
            String[] how = switch (c.arch()) {
                case "dadn" -> new String[] {"raw", "none", "none"};
                case "cnv" -> new String[] {"zfnaf", "output", "none"};
                default -> new String[] {c.encoding(), c.detect(), c.weightSkip()};
            };
            boolean skips = !c.arch().equals("dadn");
            boolean thresholded = skips && (c.threshold() > 0 || c.thresholds().values().stream().anyMatch(t -> t > 0));
            boolean perLayer = skips && c.thresholds().values().stream().anyMatch(t -> t != c.threshold());
            return new Variant(c.arch(), how[0], how[1], how[2], c.timing(), thresholded ? c.threshold() : null,
                    perLayer ? c.thresholds() : null, c.prune() > 0 ? c.prune() : null,
                    c.prune() > 0 ? c.pruneScope() : null, label, r);
        }
    }

    /**
     * The variants compared: name and how the run differs from the session's. Every encoding of
     * CNV2-MODEL.md section 5 appears (raw at fetch, ZFNAf, RoE, VIAI and the two compressed ones),
     * each weight-skipping mode, and all of them once per timing profile asked for. Bit-Tactical's
     * lookahead is timed as DNNsim times it (ideal profile, the only one it runs under), and says so.
     */
    static List<Map.Entry<String, RunConfig>> variants(RunConfig base, List<String> profiles) {
        List<Map.Entry<String, RunConfig>> v = new ArrayList<>();
        for (String profile : profiles) {
            RunConfig p = base.withCnv2("zfnaf", "output", "none").withTiming(profile);
            String tag = profiles.size() > 1 ? " [" + profile + "]" : "";
            v.add(Map.entry("dadn" + tag, p.withArch("dadn")));
            v.add(Map.entry("cnv (zfnaf)" + tag, p.withArch("cnv")));
            for (String[] c : new String[][] {{"zfnaf", "output", "none"}, {"roe", "output", "none"},
                    {"viai", "output", "none"}, {"compressed-zfnaf", "output", "none"},
                    {"compressed-viai", "output", "none"}, {"raw", "fetch", "none"},
                    {"compressed-zfnaf", "output", "filter-lanes"}, {"raw", "fetch", "filter-lanes"}}) {
                v.add(Map.entry("cnv2 " + c[0] + ", at " + c[1] + ", skip weights " + c[2] + tag,
                        p.withArch("cnv2").withCnv2(c[0], c[1], c[2])));
            }
        }
        v.add(Map.entry("cnv2 compressed-zfnaf, at output, skip weights lookahead(2,5,T) [ideal: DNNsim's timing]",
                base.withTiming("ideal").withArch("cnv2").withCnv2("compressed-zfnaf", "output", "lookahead(2,5,T)")));
        return v;
    }

    @picocli.CommandLine.Option(names = "--max-drop", paramLabel = "POINTS", defaultValue = "1.0",
            description = "Warn for each variant whose top-1 falls more than POINTS percentage points below the float "
                    + "top-1 of the original (unpruned) model on the same images (default 1.0).")
    double maxDrop;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        report.check();
        if (json != null) {
            AtomicFiles.checkWritable(json, "--json");
        }
        session.refuseUnused("compare", "runs every design, encoding, detection point and weight-skipping scheme side by "
                + "side", "--arch", "--encoding", "--detect", "--weight-skip");
        SessionOptions.Session s = session.open();
        out.printf("cnv2 compare: model %s, %d image(s) of %s%s%n", s.modelName(), s.samples().size(), s.datasetName(),
                s.run().prune() > 0 ? String.format(java.util.Locale.ROOT, ", weights pruned to %.0f%% zeros",
                        100 * s.run().prune()) : "");
        out.flush();
        Map<String, RunReport> reports = new LinkedHashMap<>();
        List<String> profiles = timings == null || timings.isEmpty() ? List.of(s.run().timing())
                : timings.stream().distinct().toList();
        for (String p : profiles) {
            if (!RunConfig.TIMINGS.contains(p)) {
                throw new io.cnv2.BadInputException("option --timings: unknown profile '" + p + "' (known: ideal, "
                        + "isca2016)");
            }
        }
        out.printf("timing: %s; counting rules: preset %s%n", String.join(" and ", profiles), s.run().preset());
        List<Map.Entry<String, RunConfig>> all = variants(s.run(), profiles);
        Progress bar = progress.bar(spec.commandLine().getErr(), all.size() * s.samples().size(), "comparing");
        int done = 0;
        for (Map.Entry<String, RunConfig> v : all) {
            Emulator emu = Emulator.of(s.net(), s.machine(), v.getValue(), s.emulator().calibration(), s.energy());
            int before = done;
            reports.put(v.getKey(), emu.evaluate(s.samples(), s.modelName(), s.datasetName(),
                    n -> bar.accept(before + n)).report());
            done += s.samples().size();
        }
        Table t = new Table("variant", "cycles/img", "speedup", "footprint kbit/img", "x raw", "NM read kbit/img",
                "NM written kbit/img", "SB read kbit/img", "energy uJ/img", "top-1")
                .alignRight(1, 2, 3, 4, 5, 6, 7, 8, 9);
        for (Map.Entry<String, RunReport> e : reports.entrySet()) {
            RunReport r = e.getValue();
            Totals x = r.totals();
            t.row(e.getKey(), String.format(Locale.ROOT, "%,.0f", x.cyclesPerImage()),
                    String.format(Locale.ROOT, "%.2f", x.speedup()), Reports.kbit(x.footprintBitsPerImage()),
                    String.format(Locale.ROOT, "%.3f", x.footprintRelativeToRaw()),
                    Reports.kbit(x.nmBitsReadPerImage()), Reports.kbit(x.nmBitsWrittenPerImage()),
                    Reports.kbit(x.sbBitsReadPerImage()),
                    String.format(Locale.ROOT, "%.2f", x.energyPicojoulesPerImage() / 1e6),
                    r.accuracy().labelled() > 0 ? String.format(Locale.ROOT, "%.2f%%", 100 * r.accuracy().fixedTop1())
                            : "-");
        }
        out.print(t.render());
        out.println("energy: " + s.energy().source());
        // honest baselines (issue 21): pruned variants stand beside the unpruned model's float on the same images
        if (s.run().prune() > 0 && s.samples().stream().anyMatch(x -> x.label() >= 0)) {
            io.cnv2.accuracy.AccuracyRun.TopK original = Baselines.originalFloat(s, s.samples());
            out.printf(Locale.ROOT, "baseline: the original (unpruned) model, float, top-1 %.2f%% on the same images; "
                    + "every variant above runs the weights pruned to %.0f%% zeros%n", 100 * original.top1(),
                    100 * s.run().prune());
            for (Map.Entry<String, RunReport> e : reports.entrySet()) {
                String w = Baselines.drop(e.getKey(), e.getValue().accuracy().fixedTop1(), original.top1(), maxDrop,
                        "pruning" + (s.run().threshold() > 0 ? " and thresholds" : ""));
                if (w != null) {
                    out.println("warning: " + w);
                }
            }
        }
        if (json != null) {
            List<Variant> records = new ArrayList<>();
            reports.forEach((label, r) -> records.add(Variant.of(label, r)));
            AtomicFiles.write(json, Json.write(records));
            out.println("wrote " + json);
        }
        report.write(() -> ReportPages.compare(reports), out);
        out.flush();
        return 0;
    }
}
