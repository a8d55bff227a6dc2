package io.cnv2.cli;

import io.cnv2.BadInputException;
import io.cnv2.config.Config;
import io.cnv2.config.ConfigFiles;
import io.cnv2.config.Json;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.Overrides;
import io.cnv2.config.RunConfig;
import io.cnv2.config.Thresholds;
import io.cnv2.data.IdxDataset;
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
import io.cnv2.stats.RunReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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

    @Option(names = "--model", paramLabel = "FILE",
            description = "Model file (.onnx). Default: the shipped Fashion-MNIST CNN.")
    Path model;

    @Option(names = "--input", paramLabel = "IMAGE", description = "Run these image files (PNG, JPEG...).")
    List<Path> images = new ArrayList<>();

    @Option(names = "--dataset", paramLabel = "SPEC",
            description = "fashion-mnist (Debian's full test set), fashion-mnist-sample (1,000 shipped images, "
                    + "the default) or a folder of IDX files.")
    String dataset;

    @Option(names = "--limit", paramLabel = "N", description = "Run only the first N images of the dataset.")
    int limit;

    @Option(names = "--arch", paramLabel = "ARCH", description = "Accelerator model: dadn (dense DaDianNao) or cnv (Cnvlutin). Default: the config's.")
    String arch;

    @Option(names = "--impl", paramLabel = "IMPL",
            description = "fast (vectorised) or reference (lane by lane). Default: the config's.")
    String impl;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON file with 'machine' and 'run' sections.")
    Path config;

    @Option(names = "--calibration", paramLabel = "FILE",
            description = "Use the activation formats in this file instead of profiling.")
    Path calibrationFile;

    @Option(names = "--save-calibration", paramLabel = "FILE", description = "Write the activation formats used.")
    Path saveCalibration;

    @Option(names = "--input-shape", paramLabel = "NAME=D0,D1,...",
            description = "Shape of a model input whose dimensions are symbolic, e.g. x=1,3,48,192.")
    Map<String, String> inputShapes = new HashMap<>();

    @Option(names = "--normalize", paramLabel = "MEAN,STD", split = ",",
            description = "For --input images: (pixel/255 - MEAN) / STD. Default 0,1.")
    double[] normalize;

    @Option(names = "--labels", paramLabel = "FILE", description = "Class names, one per line.")
    Path labelsFile;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--threshold", paramLabel = "T",
            description = "Ineffectual-activation threshold of every layer, real units (0 = skip zeros only).")
    Double threshold;

    @Option(names = "--thresholds", paramLabel = "FILE",
            description = "JSON object of per-layer thresholds, {\"layer\": T, ...}; other layers take --threshold.")
    Path thresholdsFile;

    @Option(names = "--dense", paramLabel = "LAYER", split = ",",
            description = "Layers a skipping accelerator runs densely, like DaDianNao.")
    List<String> denseLayers;

    @Option(names = "--json", paramLabel = "OUT", description = "Write the report as JSON.")
    Path json;

    @Option(names = "--csv", paramLabel = "OUT", description = "Write the per-layer table as CSV.")
    Path csv;

    @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Show a progress bar on a terminal (default on).")
    boolean progress;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // every output location is checked before any work, so a bad one costs nothing and writes nothing
        if (json != null) {
            AtomicFiles.checkWritable(json, "--json");
        }
        if (csv != null) {
            AtomicFiles.checkWritable(csv, "--csv");
        }
        if (saveCalibration != null) {
            AtomicFiles.checkWritable(saveCalibration, "--save-calibration");
        }
        if (!images.isEmpty() && dataset != null) {
            throw new BadInputException("options --input and --dataset exclude each other");
        }
        if (limit < 0) {
            throw new BadInputException("option --limit must be >= 0, got " + limit);
        }
        Config cfg = config == null ? Config.DEFAULT : ConfigFiles.load(config);
        MachineConfig machine = cfg.machine();
        RunConfig run = cfg.run();
        run = new Overrides(arch, impl, threads, threshold, thresholdsFile, denseLayers).apply(run);

        boolean shipped = model == null;
        Path modelPath = shipped ? ShippedModels.fashionMnistOnnx() : model;
        Network net = ModelLoader.load(modelPath, ImportOptions.parse(inputShapes, "option --input-shape"));
        String modelName = shipped ? "fashion_cnn.onnx (shipped)" : model.toString();
        Thresholds.checkLayers(run, net, modelName);
        List<String> labels = Inputs.labels(labelsFile != null ? labelsFile
                : shipped ? ShippedModels.fashionMnistDir().resolve("labels.txt") : null);

        List<Sample> samples;
        String datasetName;
        if (!images.isEmpty()) {
            Shape in = net.inputs().get(0).shape();
            double mean = normalize == null ? 0 : normalize[0];
            double std = normalize == null || normalize.length < 2 ? 1 : normalize[1];
            samples = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                samples.add(Inputs.image(images.get(i), in, mean, std, i));
            }
            datasetName = images.size() == 1 ? images.get(0).toString() : images.size() + " images";
        } else {
            IdxDataset ds = Inputs.dataset(dataset == null ? Inputs.SAMPLE : dataset);
            samples = ds.load(limit);
            datasetName = ds.name();
        }
        if (samples.isEmpty()) {
            throw new BadInputException("dataset " + datasetName + " holds no images");
        }
        Shape expected = net.inputs().get(0).shape();
        if (!samples.get(0).input().shape().equals(expected)) {
            throw new BadInputException("model " + modelName + ": input '" + net.inputs().get(0).name()
                    + "' expects shape " + expected + ", but " + datasetName + " gives " + samples.get(0).input().shape());
        }

        Calibration cal;
        if (calibrationFile != null) {
            cal = ConfigFiles.loadCalibration(calibrationFile);
        } else {
            int n = Math.min(run.calibrationSamples(), samples.size());
            String input = net.inputs().get(0).name();
            cal = Calibrator.profile(net, samples.subList(0, n).stream().map(s -> Map.of(input, s.input())).toList(),
                    "profiled on the first " + n + " input(s) of " + datasetName);
        }

        Emulator emu = new Emulator(net, machine, run, cal, Accelerators.create(run, machine));
        out.printf("cnv2 run: model %s, %d image(s) of %s, arch %s (%s), %d thread(s)%n", modelName, samples.size(),
                datasetName, run.arch(), run.implementation(), run.effectiveThreads());
        out.printf("formats: %s%n", emu.calibration().source());
        out.flush();
        Progress bar = new Progress(err, samples.size(), "emulating", progress && Progress.terminal());
        long t0 = System.nanoTime();
        Emulator.Evaluation ev = emu.evaluate(samples, modelName, datasetName, bar);
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
        if (csv != null) {
            AtomicFiles.write(csv, Reports.layerCsv(report));
            out.println("wrote " + csv);
        }
        if (saveCalibration != null) {
            AtomicFiles.write(saveCalibration, Json.write(emu.calibration()));
            out.println("wrote " + saveCalibration);
        }
        out.flush();
        return 0;
    }

    /** Predictions printed one per line; the top-1 summary covers the rest. */
    private static final int SHOWN_PREDICTIONS = 10;

    private static void printPredictions(PrintWriter out, Emulator.Evaluation ev, List<String> labels) {
        List<Emulator.Prediction> all = ev.predictions();
        for (Emulator.Prediction p : all.subList(0, Math.min(SHOWN_PREDICTIONS, all.size()))) {
            out.printf("%s: emulated %s, float %s%s%n", p.sample().source(), name(p.fixedClass(), labels),
                    name(p.floatClass(), labels),
                    p.sample().label() >= 0 ? ", label " + name(p.sample().label(), labels) : "");
        }
        if (all.size() > SHOWN_PREDICTIONS) {
            out.printf("... and %d more (--json writes every prediction)%n", all.size() - SHOWN_PREDICTIONS);
        }
    }

    private static String name(int c, List<String> labels) {
        return labels != null && c < labels.size() ? c + " (" + labels.get(c) + ")" : String.valueOf(c);
    }
}
