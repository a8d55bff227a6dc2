package io.cnv2.djl;

import ai.djl.BaseModel;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.nn.Block;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.cnv2.BadInputException;
import io.cnv2.config.Config;
import io.cnv2.config.ConfigFiles;
import io.cnv2.config.RunConfig;
import io.cnv2.config.Thresholds;
import io.cnv2.exec.Emulator;
import io.cnv2.fixed.Calibration;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Pruning;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model on the CNV2 engine: the network is read by cnv2's importers (ONNX through
 * {@code onnx-importer} on the class path), quantised with the calibration file's formats and
 * run on the emulated accelerator that the configuration and options describe.
 */
public class Cnv2Model extends BaseModel {
    /** Model file names tried in a model directory, after the prefix. */
    private static final String[] EXTENSIONS = {".onnx", ".pt", ".torchscript"};

    Cnv2Model(String name, NDManager manager) {
        super(name);
        this.manager = manager;
        this.manager.setName("cnv2Model");
        this.dataType = DataType.FLOAT32;
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Cnv2Model.class);
    private static final java.util.concurrent.atomic.AtomicBoolean TOLD = new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public void load(Path modelPath, String prefix, Map<String, ?> options) throws IOException, MalformedModelException {
        if (!io.cnv2.Simd.present() && TOLD.compareAndSet(false, true)) {
            LOG.warn("CNV2 engine: {}", io.cnv2.Simd.notice()); // once per JVM, at the first load
        }
        setModelDir(modelPath);
        wasLoaded = true;
        Block trained = block;
        Path file = trained == null ? findModelFile(prefix) : modelDir.resolve(modelName);
        try {
            ModelOptions o = ModelOptions.parse(options, modelDir, modelName, file.getFileName().toString());
            Config cfg = o.config() == null ? Config.DEFAULT : ConfigFiles.load(o.config());
            RunConfig run = o.overrides().apply(cfg.run());
            Network net;
            try {
                net = Pruning.magnitude(trained == null ? ModelLoader.load(file, o.imports())
                        : blockNetwork(trained, prefix, o), run.prune(), run.pruneScope().equals("global"));
            } catch (io.cnv2.importer.InputShapesNeeded e) {
                // TorchScript declares no shapes and DJL's PyTorch engine takes any: import at the first predict
                if (o.calibrationData() != null) {
                    throw new BadInputException("CNV2 engine, model option 'calibrationData': " + file.getFileName()
                            + " declares no input shapes; give them with optOption(\"inputShape\", \"" + e.inputs().get(0)
                            + "=1,C,H,W\")");
                }
                Calibration pinned = o.calibration() != null ? ConfigFiles.loadCalibration(o.calibration()) : null;
                Path f = file;
                block = Cnv2SymbolBlock.deferred(e.inputs(), imports -> {
                    Network n = Pruning.magnitude(ModelLoader.load(f, imports), run.prune(), run.pruneScope().equals("global"));
                    Thresholds.checkLayers(run, n, f.toString());
                    return new Cnv2SymbolBlock.Parts(n, cfg.machine(), run, cfg.energy());
                }, pinned, file.getFileName().toString());
                return;
            }
            Thresholds.checkLayers(run, net, file.toString());
            Cnv2SymbolBlock.Parts parts = new Cnv2SymbolBlock.Parts(net, cfg.machine(), run, cfg.energy());
            Calibration cal = o.calibration() != null ? ConfigFiles.loadCalibration(o.calibration())
                    : o.calibrationData() != null ? profile(net, o.calibrationData(), o.calibrationSamples()) : null;
            block = new Cnv2SymbolBlock(parts, cal, file.getFileName().toString());
        } catch (BadInputException e) {
            throw new MalformedModelException(e.getMessage(), e);
        }
    }

    /**
     * Formats profiled at load on the first {@code n} inputs of a dataset folder (CNV2-MODEL.md
     * section 2: the calibration set), read for the model's first input as the command line's
     * {@code --dataset} reads them.
     */
    private static Calibration profile(Network net, Path folder, int n) {
        io.cnv2.ir.Input in = net.inputs().get(0);
        if (net.inputs().size() > 1) {
            throw new BadInputException("CNV2 engine, model option 'calibrationData': model has " + net.inputs().size()
                    + " inputs; a folder gives the first only: profile from Java (Cnv2SymbolBlock.profile)");
        }
        io.cnv2.data.Dataset ds = io.cnv2.data.ImageFolder.looksLikeOne(folder)
                ? new io.cnv2.data.ImageFolder(folder, in.shape(), null)
                : io.cnv2.data.FashionMnist.testSet(folder, folder.getFileName().toString());
        var samples = ds.samples(n).stream().map(s -> java.util.Map.of(in.name(), s.input())).toList();
        if (samples.isEmpty()) {
            throw new BadInputException("CNV2 engine, model option 'calibrationData': folder " + folder + " holds no input");
        }
        return io.cnv2.exec.Calibrator.profile(net, samples, samples.size() + " input(s) of " + folder);
    }

    /**
     * A DJL block tree (set with {@code Criteria.optBlock}): its parameters load from the model
     * folder through the PyTorch engine, then {@link BlockImporter} reads the tree; the input
     * shape comes from the {@code inputShape} option ({@code input=1,1,28,28}).
     */
    private Network blockNetwork(Block b, String prefix, ModelOptions o) throws IOException, MalformedModelException {
        io.cnv2.ir.Shape shape = o.imports().inputShapes().get(BlockImporter.INPUT);
        if (shape == null) {
            throw new BadInputException("CNV2 engine, model option 'inputShape': a block model needs "
                    + BlockImporter.INPUT + "=D0,D1,... (batch 1), e.g. input=1,1,28,28");
        }
        if (!Engine.hasEngine("PyTorch")) {
            throw new BadInputException("CNV2 engine: loading a block's parameters needs DJL's PyTorch engine");
        }
        Model params = Model.newInstance(modelName, ai.djl.Device.cpu(), "PyTorch");
        params.setBlock(b);
        params.load(modelDir, prefix == null ? modelName : prefix);
        parameterModel = params;
        return BlockImporter.toNetwork(modelName, b, shape, params.getNDManager());
    }

    /** DJL's predictor with the accelerator's figures added to its Metrics ({@link Cnv2Predictor}). */
    @Override
    public <I, O> ai.djl.inference.Predictor<I, O> newPredictor(ai.djl.translate.Translator<I, O> translator,
                                                                ai.djl.Device device) {
        return new Cnv2Predictor<>(this, translator, device);
    }

    /** The PyTorch model holding a block model's parameters, closed with this one. */
    private Model parameterModel;

    @Override
    public void close() {
        if (parameterModel != null) {
            parameterModel.close();
            parameterModel = null;
        }
        super.close();
    }

    @Override
    public void load(InputStream is, Map<String, ?> options) throws IOException, MalformedModelException {
        Path dir = Files.createTempDirectory("cnv2-model");
        Path file = dir.resolve(modelName + ".onnx");
        try {
            Files.copy(is, file);
            load(file, null, options);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    private Path findModelFile(String prefix) throws FileNotFoundException {
        if (Files.isRegularFile(modelDir)) {
            Path file = modelDir;
            modelDir = file.toAbsolutePath().getParent();
            String n = file.getFileName().toString();
            int dot = n.lastIndexOf('.');
            modelName = dot > 0 ? n.substring(0, dot) : n;
            return file;
        }
        String[] stems = prefix != null ? new String[] {prefix}
                : new String[] {modelName, modelDir.getFileName().toString(), "model"};
        for (String stem : stems) {
            for (String ext : EXTENSIONS) {
                Path f = modelDir.resolve(stem.endsWith(ext) ? stem : stem + ext);
                if (Files.isRegularFile(f)) {
                    modelName = f.getFileName().toString().replaceFirst("\\.[^.]+$", "");
                    return f;
                }
            }
        }
        throw new FileNotFoundException("CNV2 engine: no model file (" + String.join(", ", EXTENSIONS) + ") named "
                + String.join(" or ", stems) + " in " + modelDir);
    }
}
