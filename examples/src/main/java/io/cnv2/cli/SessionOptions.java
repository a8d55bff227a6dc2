package io.cnv2.cli;

import io.cnv2.BadInputException;
import io.cnv2.config.Config;
import io.cnv2.config.ConfigFiles;
import io.cnv2.config.EnergyTable;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.Overrides;
import io.cnv2.config.RunConfig;
import io.cnv2.config.Thresholds;
import io.cnv2.data.Dataset;
import io.cnv2.data.Sample;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.Emulator;
import io.cnv2.fixed.Calibration;
import io.cnv2.importer.ImportOptions;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Pruning;
import io.cnv2.ir.Shape;
import io.cnv2.models.ShippedModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options every command that emulates a model shares (model, inputs, configuration,
 * calibration, accelerator settings) and the one place they are turned into a {@link Session}.
 */
final class SessionOptions {
    @Option(names = "--model", paramLabel = "FILE",
            description = "Model file (.onnx). Default: the shipped Fashion-MNIST CNN.")
    Path model;

    @Option(names = "--input", paramLabel = "IMAGE", description = "Run these image files (PNG, JPEG...).")
    List<Path> images = new ArrayList<>();

    @Option(names = "--input-tensor", paramLabel = "NAME=FILE.npy",
            description = "A model input's value from a NumPy file (any numeric type; fed as the model declares). "
                    + "For the first input: one sample, or N samples along a leading axis; for the others: the value "
                    + "every sample gets. Repeat for several inputs.")
    Map<String, Path> inputTensors = new java.util.LinkedHashMap<>();

    @Option(names = "--dataset", paramLabel = "SPEC",
            description = "fashion-mnist (Debian's full test set), fashion-mnist-sample (1,000 shipped images, "
                    + "the default), a folder of IDX files, or an image folder (one sub-folder of images per class).")
    String dataset;

    @Option(names = "--preprocess", paramLabel = "FILE",
            description = "Image-folder preprocessing (JSON: resize, resizeShorter, channelOrder, scale, mean, std, "
                    + "classes, extensions); default: the folder's preprocess.json, else stretch to the model's input, "
                    + "pixel/255.")
    Path preprocessFile;

    @Option(names = "--resize", paramLabel = "MODE", defaultValue = "stretch",
            description = "For --input images whose size is not the model's: stretch (the whole image to the input's "
                    + "height and width, the default), shorter-side (keep the aspect, centre crop) or none (refuse). "
                    + "A resized image is named in a notice.")
    String resize;

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    @Option(names = "--limit", paramLabel = "N", description = "Run only the first N images of the dataset (N >= 1; "
            + "default: all).")
    Integer limit;

    /**
     * The design a command runs when neither --arch nor the configuration file names one: Cnvlutin2
     * for run, accuracy and sweep (the product: the accelerator at work, with its DaDianNao
     * baseline beside it), the configuration's default otherwise.
     */
    String defaultArch;

    @Option(names = "--arch", paramLabel = "ARCH", description = "Accelerator model: dadn (dense DaDianNao), cnv (Cnvlutin) or cnv2 (Cnvlutin2). "
            + "Default: cnv2 for run, accuracy and sweep, unless the --config file names one; every figure stands beside "
            + "the DaDianNao baseline.")
    String arch;

    @Option(names = "--impl", paramLabel = "IMPL",
            description = "fast (vectorised) or reference (lane by lane). Default: the config's.")
    String impl;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON file with 'machine' and 'run' sections.")
    Path config;

    @Option(names = "--calibration", paramLabel = "FILE",
            description = "Use the activation formats in this file instead of profiling.")
    Path calibrationFile;

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

    @Option(names = "--encoding", paramLabel = "ENC",
            description = "cnv2: activations in NM as raw, zfnaf, roe, viai, compressed-viai or compressed-zfnaf.")
    String encoding;

    @Option(names = "--detect", paramLabel = "WHERE",
            description = "cnv2: find ineffectual activations at the producer's 'output' or while 'fetch'ing.")
    String detect;

    @Option(names = "--weight-skip", paramLabel = "MODE", description = "cnv2: none, filter-lanes, or lookahead(h,d[,T|L]) (Bit-Tactical's static weight schedule; lookahead = lookahead(2,5,T)).")
    String weightSkip;

    @Option(names = "--timing", paramLabel = "PROFILE",
            description = "Timing profile: isca2016 (the Cnvlutin authors' simulator, the default) or ideal (lanes fed "
                    + "brick by brick, no overheads: the upper bound). docs/ACCELERATORS.md.")
    String timing;

    @Option(names = "--preset", paramLabel = "NAME",
            description = "cnv2 (the default rules) or dnnsim: count as DNNsim does (Booth terms, dynamic precision, "
                    + "Bit-Tactical's kernel order, the ideal profile). Options given beside it win.")
    String preset;

    @Option(names = "--prune", paramLabel = "F",
            description = "Magnitude-prune each conv and fully connected layer to this fraction of zero weights (0-1).")
    Double prune;

    @Option(names = "--prune-scope", paramLabel = "SCOPE",
            description = "layer (every layer to --prune, the default) or global (the smallest weights of the whole "
                    + "network).")
    String pruneScope;

    @Option(names = "--dense", paramLabel = "LAYER", split = ",",
            description = "Layers a skipping accelerator runs densely, like DaDianNao.")
    List<String> denseLayers;

    /**
     * A resolved model, its inputs and an emulator for them; {@code imports} and {@code calibration}
     * (before pinned formats) are what {@code --spark} hands executors to build the same emulator;
     * {@code dataset} is null for {@code --input} images.
     */
    /** What a command runs on; {@code original} is the model as loaded, before --prune (the honest baseline). */
    record Session(Path modelPath, Network net, String modelName, List<Sample> samples, String datasetName,
                   List<String> labels, MachineConfig machine, RunConfig run, EnergyTable energy, Emulator emulator,
                   ImportOptions imports, Calibration calibration, Dataset dataset, Network original,
                   io.cnv2.exec.FloatOutputs calibrationFloats) {
    }

    /**
     * When set ({@code cnv2 check}), a model given no inputs gets seeded random ones (uniform in [0, 1)
     * for floats, zeros for integers) instead of the shipped Fashion-MNIST sample.
     */
    int randomSamples;

    /** Reads and checks everything; a user error is a {@link BadInputException} naming the option. */
    /** True if the --config file sets run.arch itself (then it, not the command's default, applies). */
    private boolean configNamesArch() {
        if (config == null) {
            return false;
        }
        try {
            return io.cnv2.config.Json.MAPPER.readTree(config.toFile()).path("run").has("arch");
        } catch (java.io.IOException e) {
            return false; // ConfigFiles.load has already said what is wrong with the file
        }
    }

    /**
     * Refuses, by name, options of this shared set that {@code command} does not use, so nothing a
     * user asks for is silently ignored: {@code why} says what the command does instead.
     */
    void refuseUnused(String command, String why, String... options) {
        for (String o : options) {
            boolean given = switch (o) {
                case "--arch" -> arch != null;
                case "--encoding" -> encoding != null;
                case "--detect" -> detect != null;
                case "--weight-skip" -> weightSkip != null;
                case "--timing" -> timing != null;
                case "--impl" -> impl != null;
                case "--threshold" -> threshold != null || thresholdsFile != null;
                case "--prune" -> prune != null;
                case "--calibration" -> calibrationFile != null;
                default -> throw new IllegalArgumentException(o);
            };
            if (given) {
                throw new BadInputException("option " + o + ": " + command + " " + why + ", so it takes no " + o);
            }
        }
    }

    /** The images to run, 0 for all (the option's absence). */
    int limit() {
        return limit == null ? 0 : limit;
    }

    Session open() {
        if (!images.isEmpty() && dataset != null) {
            throw new BadInputException("options --input and --dataset exclude each other");
        }
        if (!List.of("stretch", "shorter-side", "none").contains(resize)) {
            throw new BadInputException("option --resize: unknown mode '" + resize + "' (stretch, shorter-side or none)");
        }
        if (limit != null && limit < 1) {
            throw new BadInputException("option --limit must be at least 1, got " + limit + " (leave it out to run every "
                    + "image)");
        }
        Config cfg = config == null ? Config.DEFAULT : ConfigFiles.load(config);
        MachineConfig machine = cfg.machine();
        RunConfig run = cfg.run();
        String design = arch != null || defaultArch == null || configNamesArch() ? arch : defaultArch;
        run = new Overrides(design, impl, threads, threshold, thresholdsFile, denseLayers, encoding, detect, weightSkip,
                prune, pruneScope, timing, preset).apply(run);

        boolean shipped = model == null;
        Path modelPath = shipped ? ShippedModels.fashionMnistOnnx() : model;
        // values given for inputs are what the importer tries the model on, where it must run it once
        ImportOptions imports = ImportOptions.parse(inputShapes, "option --input-shape")
                .withValues(InputTensors.preview(inputTensors));
        Network original = ModelLoader.load(modelPath, imports);
        Network net = Pruning.magnitude(original, run.prune(), run.pruneScope().equals("global"));
        String modelName = shipped ? "fashion_cnn.onnx (shipped)" : model.toString();
        Thresholds.checkLayers(run, net, modelName);
        List<String> labels = Inputs.labels(labelsFile != null ? labelsFile
                : shipped ? ShippedModels.fashionMnistDir().resolve("labels.txt") : null);

        List<Sample> samples;
        String datasetName;
        Dataset ds = null;
        boolean random = randomSamples > 0 && images.isEmpty() && dataset == null
                && !inputTensors.containsKey(net.inputs().get(0).name());
        Map<String, io.cnv2.ir.Tensor> feeds = random ? InputTensors.randomFeeds(net, inputTensors)
                : InputTensors.feeds(net, modelName, inputTensors);
        String first = net.inputs().get(0).name();
        if (random) {
            samples = InputTensors.random(net.inputs().get(0), randomSamples);
            datasetName = randomSamples + " seeded random input(s)";
        } else if (inputTensors.containsKey(first)) {
            if (!images.isEmpty() || dataset != null) {
                throw new BadInputException("option --input-tensor " + first + "=... gives the model's first input; "
                        + "it excludes --input and --dataset");
            }
            samples = InputTensors.samples(net.inputs().get(0), inputTensors.get(first), limit());
            datasetName = inputTensors.get(first).toString();
        } else if (!images.isEmpty()) {
            Shape in = net.inputs().get(0).shape();
            double mean = normalize == null ? 0 : normalize[0];
            double std = normalize == null || normalize.length < 2 ? 1 : normalize[1];
            samples = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                samples.add(Inputs.image(images.get(i), in, mean, std, i, resize, n -> {
                    mixee.commandLine().getErr().println(n);
                    mixee.commandLine().getErr().flush();
                }));
            }
            datasetName = images.size() == 1 ? images.get(0).toString() : images.size() + " images";
        } else {
            ds = Inputs.dataset(dataset == null ? Inputs.SAMPLE : dataset, net.inputs().get(0).shape(),
                    preprocessFile);
            samples = ds.samples(limit());
            datasetName = ds.name();
            if (labels == null && ds.classes() != null) {
                labels = ds.classes();
            }
        }
        if (samples.isEmpty()) {
            throw new BadInputException("dataset " + datasetName + " holds no images");
        }
        Shape expected = net.inputs().get(0).shape();
        if (!samples.get(0).input().shape().equals(expected)) {
            throw new BadInputException("model " + modelName + ": input '" + net.inputs().get(0).name()
                    + "' expects shape " + expected + ", but " + datasetName + " gives " + samples.get(0).input().shape());
        }

        // the memory a run needs is known from the network alone: refuse before any calibration
        io.cnv2.exec.MemoryBudget.check(net, run.effectiveThreads(), modelName);
        Calibration cal;
        // the float outputs of the images calibration profiles, for a run over the same images (float work once)
        io.cnv2.exec.FloatOutputs calibrationFloats = new io.cnv2.exec.FloatOutputs(samples);
        if (calibrationFile != null) {
            cal = ConfigFiles.loadCalibration(calibrationFile);
        } else {
            int n = Math.min(run.calibrationSamples(), samples.size());
            String input = net.inputs().get(0).name();
            cal = Calibrator.profile(net, samples.subList(0, n).stream().map(s -> {
                Map<String, io.cnv2.ir.Tensor> m = new HashMap<>(feeds);
                m.put(input, s.input());
                return m;
            }).toList(), "profiled on the first " + n + " input(s) of " + datasetName, calibrationFloats);
        }

        Emulator emu = Emulator.of(net, machine, run, cal, cfg.energy()).feeding(feeds);
        return new Session(modelPath, net, modelName, samples, datasetName, labels, machine, run, cfg.energy(), emu,
                imports, cal, ds, original, calibrationFloats);
    }
}
