package io.cnv2.cli;

import io.cnv2.AtomicFiles;

import io.cnv2.BadInputException;
import io.cnv2.config.Config;
import io.cnv2.config.ConfigFiles;
import io.cnv2.config.Json;
import io.cnv2.report.ReportPages;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.Overrides;
import io.cnv2.config.RunConfig;
import io.cnv2.config.Thresholds;
import io.cnv2.data.Sample;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.Emulator;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerators;
import io.cnv2.importer.ImportOptions;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.models.ShippedModels;
import io.cnv2.onnx.PrunedOnnx;
import io.cnv2.stats.RunReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code cnv2 run}: one model on the emulated accelerator, with a per-layer table. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a model on the emulated accelerator and print per-layer statistics.",
        sortOptions = false)
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SessionOptions session;

    @Option(names = "--save-calibration", paramLabel = "FILE", description = "Write the activation formats used.")
    Path saveCalibration;

    @Option(names = "--save-model", paramLabel = "OUT",
            description = "Write the model as run (with --prune: its pruned weights) as ONNX; ONNX models only.")
    Path saveModel;

    @Option(names = "--no-float", description = "Skip the float column: each image runs the emulation only (hardware "
            + "figures, the emulated class; no float top-1 or agreement).")
    boolean noFloat;

    @Option(names = "--json", paramLabel = "OUT", description = "Write the report as JSON.")
    Path json;

    @Option(names = "--csv", paramLabel = "OUT", description = "Write every per-layer field of the JSON as CSV, one "
            + "row per layer (columns in snake_case: cycles_per_image, cycles_total, ...).")
    Path csv;

    @Mixin
    ProgressOption progress;

    @Mixin
    ReportOption report;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // every output location is checked before any work, so a bad one costs nothing and writes nothing
        this.report.check();
        if (json != null) {
            AtomicFiles.checkWritable(json, "--json");
        }
        if (csv != null) {
            AtomicFiles.checkWritable(csv, "--csv");
        }
        if (saveCalibration != null) {
            AtomicFiles.checkWritable(saveCalibration, "--save-calibration");
        }
        if (saveModel != null) {
            AtomicFiles.checkWritable(saveModel, "--save-model");
        }
        session.defaultArch = "cnv2";
        SessionOptions.Session s = session.open();
        if (saveModel != null && !s.modelPath().getFileName().toString().endsWith(".onnx")) {
            throw new BadInputException("option --save-model writes ONNX, and " + s.modelPath() + " is not ONNX");
        }
        Emulator emu = noFloat ? s.emulator().withoutFloat() : s.emulator();
        RunConfig run = s.run();
        List<Sample> samples = s.samples();
        String modelName = s.modelName();
        String datasetName = s.datasetName();
        List<String> labels = s.labels();
        out.printf("cnv2 run: model %s, %d image(s) of %s, arch %s (%s), timing %s, %d thread(s)%n", modelName,
                samples.size(), datasetName, run.arch(), run.implementation(), Reports.timing(run),
                run.effectiveThreads());
        out.printf("formats: %s%n", emu.calibration().source());
        out.flush();
        Progress bar = progress.bar(err, samples.size(), "emulating");
        long t0 = System.nanoTime();
        Emulator.Evaluation ev = emu.evaluate(samples, modelName, datasetName, bar, s.calibrationFloats());
        double secs = (System.nanoTime() - t0) / 1e9;
        RunReport report = ev.report();

        printPredictions(out, ev, labels);
        out.print(Reports.layerTable(report));
        out.print(Reports.summary(report));
        out.printf("time: %.1f s (%.1f images/s on %d thread(s))%n", secs, samples.size() / secs,
                run.effectiveThreads());
        for (String w : report.warnings()) {
            out.println("warning: " + w);
        }

        if (json != null) {
            AtomicFiles.write(json, Json.write(report));
            out.println("wrote " + json);
        }
        this.report.write(() -> ReportPages.run(report), out);
        if (csv != null) {
            AtomicFiles.write(csv, Reports.layerCsv(report));
            out.println("wrote " + csv);
        }
        if (saveCalibration != null) {
            AtomicFiles.write(saveCalibration, Json.write(emu.calibration()));
            out.println("wrote " + saveCalibration);
        }
        if (saveModel != null) {
            PrunedOnnx.write(s.modelPath(), s.net(), saveModel);
            out.println("wrote " + saveModel + (s.run().prune() > 0 ? String.format(java.util.Locale.ROOT,
                    " (weights pruned to %.0f%% zeros)", 100 * s.run().prune()) : ""));
        }
        out.flush();
        return 0;
    }

    /** Predictions printed one per line; the top-1 summary covers the rest. */
    private static final int SHOWN_PREDICTIONS = 10;

    private static void printPredictions(PrintWriter out, Emulator.Evaluation ev, List<String> labels) {
        List<Emulator.Prediction> all = ev.predictions();
        for (Emulator.Prediction p : all.subList(0, Math.min(SHOWN_PREDICTIONS, all.size()))) {
            out.printf("%s: emulated %s%s%s%n", p.source(), name(p.fixedClass(), labels),
                    p.floatClass() < 0 ? "" : ", float " + name(p.floatClass(), labels),
                    p.label() >= 0 ? ", label " + name(p.label(), labels) : "");
        }
        if (all.size() > SHOWN_PREDICTIONS) {
            out.printf("... and %d more (--json writes every prediction)%n", all.size() - SHOWN_PREDICTIONS);
        }
    }

    private static String name(int c, List<String> labels) {
        return labels != null && c < labels.size() ? c + " (" + labels.get(c) + ")" : String.valueOf(c);
    }
}
