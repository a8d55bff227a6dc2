package io.cnv2.cli;

import io.cnv2.AtomicFiles;
import io.cnv2.BadInputException;
import io.cnv2.data.Frames;
import io.cnv2.data.Preprocessing;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import io.cnv2.potentials.DeltaStudy;
import io.cnv2.config.Json;
import io.cnv2.potentials.LayerPotentials;
import io.cnv2.potentials.Potentials;
import io.cnv2.potentials.PotentialsReport;
import io.cnv2.potentials.Work;
import io.cnv2.report.ReportPages;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * {@code cnv2 characterize}: how much ineffectual work a network holds and of which kind
 * (CNV2-MODEL.md section 7): per layer and for the network, the ideal speedup over dense 16b x
 * 16b MACs of skipping zero activations (A), zero weights (W), both (A*W), of per-layer and
 * per-group activation precision (Ap, dynamic Ap), of effectual activation bits (Ae, plain and
 * Booth), of Laconic's effectual terms of both operands (We*Ae), and of weight precision (Wp).
 */
@Command(name = "characterize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Potentials per layer: ideal speedups of A, W, A*W, Ap, dynamic Ap, Ae, We*Ae (Laconic), Wp.")
final class CharacterizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SessionOptions session;

    @Mixin
    ProgressOption progress;

    @Mixin
    ReportOption report;

    @Option(names = "--json", paramLabel = "OUT", description = "Write every layer's work, histograms and the per-image work.")
    Path json;

    @Option(names = "--csv", paramLabel = "OUT", description = "One row per layer and metric: work, ideal speedup, reduction.")
    Path csv;

    @Option(names = "--frames", paramLabel = "DIR",
            description = "Temporal mode: the images of DIR, in name order, are a frame sequence.")
    Path frames;

    @Option(names = "--panned", paramLabel = "N",
            description = "Temporal mode: N frames made from the first input by a slow pan (a moving camera).")
    int panned;

    @Option(names = "--delta-threshold", paramLabel = "T", defaultValue = "0",
            description = "Temporal mode: deltas with |d| < T (real units) are not sent (default 0: exact).")
    double deltaThreshold;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        report.check();
        if (json != null) {
            AtomicFiles.checkWritable(json, "--json");
        }
        if (csv != null) {
            AtomicFiles.checkWritable(csv, "--csv");
        }
        if (frames != null || panned != 0) {
            return temporal(out);
        }
        session.refuseUnused("characterize", "measures the potentials of the network's values, whatever design would run "
                + "them", "--arch", "--encoding", "--detect", "--weight-skip", "--timing");
        SessionOptions.Session s = session.open();
        long t0 = System.nanoTime();
        Progress bar = progress.bar(spec.commandLine().getErr(), s.samples().size(), "characterize");
        PotentialsReport p = Potentials.characterize(s.emulator(), s.samples(), s.modelName(), s.datasetName(), bar);
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf("cnv2 characterize: model %s, %d image(s) of %s; ideal speedup over dense 16b x 16b MACs%n",
                s.modelName(), p.images(), s.datasetName());
        List<String> metrics = new ArrayList<>(Work.ZERO.byMetric().keySet());
        List<String> header = new ArrayList<>(List.of("layer", "MACs", "Ap bits", "Wp bits"));
        header.addAll(metrics);
        Table t = new Table(header.toArray(String[]::new));
        int[] right = new int[header.size() - 1];
        for (int i = 0; i < right.length; i++) {
            right[i] = i + 1;
        }
        t.alignRight(right);
        for (LayerPotentials l : p.layers()) {
            t.row(row(l.layer(), Reports.fmt(l.macsPerImage()), String.valueOf(l.activationPrecision()),
                    String.valueOf(l.weightPrecision()), l.idealSpeedup(), metrics));
        }
        long macs = p.layers().stream().mapToLong(LayerPotentials::macsPerImage).sum();
        t.row(row("network", Reports.fmt(macs), "", "", p.networkIdealSpeedup(), metrics));
        out.print(t.render());
        out.printf(Locale.ROOT, "thresholds: %s; %s; time %.1f s%n",
                s.run().thresholds().isEmpty() ? "all " + s.run().threshold() : s.run().thresholds().toString(),
                ReportPages.countingRules(p.run()), secs);
        if (json != null) {
            AtomicFiles.write(json, Json.write(p));
            out.println("wrote " + json);
        }
        if (csv != null) {
            AtomicFiles.write(csv, csv(p));
            out.println("wrote " + csv);
        }
        report.write(() -> ReportPages.potentials(p), out);
        out.flush();
        return 0;
    }

    /** Temporal mode: Cnvlutin frame by frame against Cnvlutin on deltas (CNV2-MODEL.md section 8). */
    private Integer temporal(PrintWriter out) {
        if (frames != null && panned != 0) {
            throw new BadInputException("options --frames and --panned exclude each other");
        }
        if (panned < 0 || panned == 1) {
            throw new BadInputException("option --panned needs at least 2 frames, got " + panned);
        }
        if (!(deltaThreshold >= 0) || Double.isInfinite(deltaThreshold)) {
            throw new BadInputException("option --delta-threshold must be a finite number >= 0, got " + deltaThreshold);
        }
        session.refuseUnused("characterize --temporal", "measures temporal deltas on Cnvlutin's lanes",
                "--arch", "--encoding", "--detect", "--weight-skip");
        SessionOptions.Session s = session.open();
        Shape shape = s.net().inputs().get(0).shape();
        List<Tensor> seq = frames != null ? Frames.folder(frames, shape, Preprocessing.DEFAULT)
                : Frames.panned(s.samples().get(0).input(), panned);
        String source = frames != null ? frames.toString() : panned + " frames panned from " + s.samples().get(0).source();
        Progress bar = progress.bar(spec.commandLine().getErr(), seq.size(), "frames");
        long t0 = System.nanoTime();
        DeltaStudy.Result r = DeltaStudy.run(s.emulator().with(s.run().withArch("cnv")), seq, deltaThreshold, bar);
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "cnv2 characterize (temporal): model %s, %s, delta threshold %s%n", s.modelName(),
                source, deltaThreshold);
        Table t = new Table("layer", "effectual activations", "effectual deltas", "deltas / activations",
                "held back", "CNV cycles/frame", "delta cycles/frame", "speedup over CNV").alignRight(1, 2, 3, 4, 5, 6, 7);
        List<DeltaStudy.LayerDelta> rows = new ArrayList<>(r.layers());
        rows.add(r.network());
        for (DeltaStudy.LayerDelta l : rows) {
            t.row(l.layer(), pct(l.effectualActivations(), l.activations()), pct(l.effectualDeltas(), l.activations()),
                    String.format(Locale.ROOT, "%.3f", l.deltaRatio()), pct(l.heldDeltas(), l.activations()),
                    Reports.fmt(l.cnvCycles() / r.frames()), Reports.fmt(l.deltaCycles() / r.frames()),
                    String.format(Locale.ROOT, "%.2f", l.speedupOverCnv()));
        }
        out.print(t.render());
        out.printf(Locale.ROOT, "frames whose output equals the frame-by-frame run bit for bit: %d of %d; same class: "
                + "%d of %d; time %.1f s%n", r.framesBitExact(), r.frames(), r.framesSameClass(), r.frames(), secs);
        if (json != null) {
            AtomicFiles.write(json, Json.write(r));
            out.println("wrote " + json);
        }
        report.write(() -> ReportPages.temporal(r, s.modelName(), source), out);
        out.flush();
        return 0;
    }

    private static String pct(long part, long whole) {
        return whole == 0 ? "-" : String.format(Locale.ROOT, "%.1f %%", 100.0 * part / whole);
    }

    private static Object[] row(String name, String macs, String ap, String wp, Map<String, Double> speedups,
                                List<String> metrics) {
        List<Object> cells = new ArrayList<>(List.of(name, macs, ap, wp));
        for (String m : metrics) {
            double v = speedups.get(m);
            cells.add(Double.isInfinite(v) ? "inf" : String.format(Locale.ROOT, "%.2f", v));
        }
        return cells.toArray();
    }

    private static String csv(PotentialsReport p) {
        StringBuilder b = new StringBuilder("layer,metric,work,dense,ideal_speedup,reduction\n");
        List<Map.Entry<String, Work>> rows = new ArrayList<>();
        p.layers().forEach(l -> rows.add(Map.entry(l.layer(), l.work())));
        rows.add(Map.entry("network", p.network()));
        for (Map.Entry<String, Work> r : rows) {
            Work w = r.getValue();
            Map<String, Double> s = w.idealSpeedups();
            Map<String, Double> red = w.reductions();
            w.byMetric().forEach((m, v) -> b.append(r.getKey().contains(",") ? '"' + r.getKey() + '"' : r.getKey())
                    .append(',').append(m).append(',').append(v).append(',').append(w.dense()).append(',')
                    .append(String.format(Locale.ROOT, "%.6f", s.get(m))).append(',')
                    .append(String.format(Locale.ROOT, "%.6f", red.get(m))).append('\n'));
        }
        return b.toString();
    }
}
