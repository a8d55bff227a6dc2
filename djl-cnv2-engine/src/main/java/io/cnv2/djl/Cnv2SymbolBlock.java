package io.cnv2.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractSymbolBlock;
import ai.djl.nn.Block;
import ai.djl.nn.ParameterList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.cnv2.BadInputException;
import io.cnv2.exec.Emulator;
import io.cnv2.exec.SampleTaps;
import io.cnv2.ir.Tensor;
import io.cnv2.stats.ReportBuilder;
import io.cnv2.stats.RunReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The block of a model on the CNV2 engine: {@code forward} runs every sample of the batch
 * through the emulated accelerator (bit-exact fixed point) and returns its outputs as floats;
 * the float reference runs beside it so the report can say where the two disagree. The
 * hardware statistics are records, reachable from the API: {@link #lastRun()} for the last
 * forward call, {@link #total()} for everything since the model was loaded or
 * {@link #resetStatistics()} was called.
 */
public class Cnv2SymbolBlock extends AbstractSymbolBlock {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Cnv2SymbolBlock.class);

    /** What the emulator is built from once the fixed-point formats are known. */
    record Parts(io.cnv2.ir.Network net, io.cnv2.config.MachineConfig machine, io.cnv2.config.RunConfig run,
                 io.cnv2.config.EnergyTable energy) {
        Emulator with(io.cnv2.fixed.Calibration cal) {
            return Emulator.of(net, machine, run, cal, energy);
        }
    }

    private volatile Parts parts;
    /** For a model whose file declares no input shapes (TorchScript): imported at the first forward. */
    private final List<String> deferredInputs;
    private final java.util.function.Function<io.cnv2.importer.ImportOptions, Parts> importer;
    private final io.cnv2.fixed.Calibration pinned;
    private volatile Emulator emulator;
    private final String modelName;
    private ReportBuilder total;
    private RunReport last;
    private volatile Consumer<SampleTaps> taps;
    private long tapped;

    /** A block whose formats are {@code calibration}, or, when it is null, profiled on the first batch it runs. */
    Cnv2SymbolBlock(Parts parts, io.cnv2.fixed.Calibration calibration, String modelName) {
        this.parts = parts;
        this.deferredInputs = List.of();
        this.importer = null;
        this.pinned = calibration;
        this.modelName = modelName;
        this.emulator = calibration == null ? null : parts().with(calibration);
        this.total = emulator == null ? null : emulator.newReport();
    }

    /**
     * A block for a model file that declares no input shapes: DJL's PyTorch engine runs such a file
     * on whatever it is given, so this one imports it at the first forward, for the shapes of that
     * batch's arrays (inputs in {@code inputs}' order), and keeps them from then on.
     */
    private Cnv2SymbolBlock(List<String> inputs, java.util.function.Function<io.cnv2.importer.ImportOptions, Parts> importer,
                            io.cnv2.fixed.Calibration calibration, String modelName) {
        this.parts = null;
        this.deferredInputs = List.copyOf(inputs);
        this.importer = importer;
        this.pinned = calibration;
        this.modelName = modelName;
    }

    static Cnv2SymbolBlock deferred(List<String> inputs, java.util.function.Function<io.cnv2.importer.ImportOptions, Parts> importer,
                                    io.cnv2.fixed.Calibration calibration, String modelName) {
        return new Cnv2SymbolBlock(inputs, importer, calibration, modelName);
    }

    /** The network and configuration; for a deferred import, known from the first forward on. */
    private Parts parts() {
        Parts p = parts;
        if (p == null) {
            throw new IllegalStateException("CNV2 engine: model " + modelName + " declares no input shapes; they are taken "
                    + "from the first batch given to predict (or give optOption(\"inputShape\", \"" + deferredInputs.get(0)
                    + "=1,C,H,W\"))");
        }
        return p;
    }

    /** Imports a deferred model for the shapes of its first batch. */
    private void importFor(NDList inputs) {
        if (parts != null) {
            return;
        }
        synchronized (this) {
            if (parts != null) {
                return;
            }
            if (inputs.size() != deferredInputs.size()) {
                throw new BadInputException("CNV2 engine: model " + modelName + " takes " + deferredInputs.size()
                        + " input(s) " + deferredInputs + ", got " + inputs.size());
            }
            Map<String, io.cnv2.ir.Shape> shapes = new java.util.LinkedHashMap<>();
            for (int i = 0; i < inputs.size(); i++) {
                long[] d = inputs.get(i).getShape().getShape();
                shapes.put(deferredInputs.get(i), new io.cnv2.ir.Shape(java.util.Arrays.stream(d).mapToInt(Math::toIntExact).toArray()));
            }
            Parts p = importer.apply(new io.cnv2.importer.ImportOptions(shapes));
            if (pinned != null) {
                emulator = p.with(pinned);
                total = emulator.newReport();
            }
            parts = p;
            LOG.info("CNV2 engine: {} declares no input shapes; imported for the first batch's, {}", modelName, shapes);
        }
    }

    /** The CNV2 block of {@code model} (a model loaded with the CNV2 engine, or a ZooModel wrapping one). */
    public static Cnv2SymbolBlock of(Model model) {
        Block b = model.getBlock();
        if (b instanceof Cnv2SymbolBlock c) {
            return c;
        }
        throw new IllegalArgumentException("model " + model.getName() + " was not loaded by the CNV2 engine "
                + "(its block is " + (b == null ? "absent" : b.getClass().getName()) + "); use optEngine(\"CNV2\")");
    }

    /**
     * The emulator this block runs: network, configuration and calibration. A model loaded without
     * a calibration has none until its first batch ran or {@link #profile} was called.
     */
    public Emulator emulator() {
        Emulator e = emulator;
        if (e == null) {
            throw new IllegalStateException("CNV2 engine: model " + modelName + " has no fixed-point formats yet: "
                    + "they are profiled on the first batch it runs, or call profile(...)");
        }
        return e;
    }

    /** The fixed-point formats in use, or null before they were profiled. */
    public io.cnv2.fixed.Calibration calibration() {
        Emulator e = emulator;
        return e == null ? null : e.calibration();
    }

    /**
     * Profiles the fixed-point formats on {@code batches} (each as {@code predict} takes it: the
     * model's inputs, N samples each), as the command line's calibration does (CNV2-MODEL.md
     * section 2), and runs with them from now on; statistics start afresh. Returns the formats.
     */
    public synchronized io.cnv2.fixed.Calibration profile(List<NDList> batches, String source) {
        List<Map<String, Tensor>> samples = new ArrayList<>();
        for (NDList b : batches) {
            samples.addAll(split(b));
        }
        if (samples.isEmpty()) {
            throw new BadInputException("CNV2 engine: profiling the formats of " + modelName + " needs at least one sample");
        }
        io.cnv2.fixed.Calibration cal = io.cnv2.exec.Calibrator.profile(parts().net(), samples, source);
        emulator = parts().with(cal);
        total = emulator.newReport();
        last = null;
        return cal;
    }

    /**
     * Writes the formats in use to {@code file} (the calibration file format; load it with
     * {@code optOption("calibration", file)}): the same formats give the same bits on every run.
     */
    public void saveCalibration(java.nio.file.Path file) {
        io.cnv2.fixed.Calibration cal = calibration();
        if (cal == null) {
            throw new IllegalStateException("CNV2 engine: model " + modelName + " has no formats to save yet");
        }
        io.cnv2.AtomicFiles.write(file, io.cnv2.config.Json.write(cal));
    }

    /** The formats, profiled on {@code first} (the first batch) when the model was loaded without them. */
    private Emulator emulatorFor(List<Map<String, Tensor>> first) {
        Emulator e = emulator;
        if (e != null) {
            return e;
        }
        synchronized (this) {
            if (emulator == null) {
                String source = "the first batch given to predict (" + first.size() + " sample(s))";
                emulator = parts().with(io.cnv2.exec.Calibrator.profile(parts().net(), first, source));
                total = emulator.newReport();
                LOG.info("CNV2 engine: no calibration for {}; fixed-point formats profiled on {}. To pin them: "
                        + "Cnv2SymbolBlock.of(model).saveCalibration(path), then optOption(\"calibration\", path); or "
                        + "optOption(\"calibrationData\", folder) to profile on a dataset at load", modelName, source);
            }
            return emulator;
        }
    }

    /**
     * Runs a batch. The inputs must be the model's declared inputs, in order, as DJL's own engines
     * ask: each either exactly its declared shape, or, when the declared shape leads with a batch
     * dimension of 1, [N, the rest of the declared shape] with the same N for every input. Anything
     * else is refused before any work, naming the input with the expected and the actual shape.
     * Each of the N samples runs on its own (the accelerator runs one input at a time) and counts
     * once in the statistics; every model output comes back with N in place of its leading 1
     * (or stacked along a new leading dimension when it has none and N > 1).
     */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        importFor(inputs);
        List<Map<String, Tensor>> samples = split(inputs);
        Emulator emulator = emulatorFor(samples);
        List<io.cnv2.ir.Input> declared = emulator.network().inputs();
        int batch = samples.size();
        ReportBuilder now = emulator.newReport();
        List<String> names = emulator.network().outputs();
        List<List<Tensor>> outputs = new ArrayList<>();
        for (int k = 0; k < batch; k++) {
            Tensor first = samples.get(k).get(declared.get(0).name());
            Map<String, Tensor> rest = new java.util.HashMap<>(samples.get(k));
            rest.remove(declared.get(0).name());
            Consumer<SampleTaps> sink = taps;
            Emulator.Step step = emulator.feeding(rest).step(first, sink != null);
            if (sink != null) {
                sink.accept(new SampleTaps(nextTapIndex(), step.taps()));
            }
            now.add(step.nodes(), step.floatClass(), step.fixedClass(), -1);
            outputs.add(names.stream().map(o -> step.fixedOutputs().get(o)).toList());
        }
        record(now);
        NDManager manager = inputs.head().getManager();
        NDList out = new NDList();
        for (int o = 0; o < names.size(); o++) {
            io.cnv2.ir.Shape one = outputs.get(0).get(o).shape();
            int size = one.size();
            float[] all = new float[batch * size];
            for (int k = 0; k < batch; k++) {
                System.arraycopy(outputs.get(k).get(o).data(), 0, all, k * size, size);
            }
            out.add(manager.create(all, new Shape(batched(one.dims(), batch))));
        }
        return out;
    }

    /**
     * The batch as samples (every input's value per sample), after checking every input's shape;
     * nothing runs when one is wrong.
     */
    private List<Map<String, Tensor>> split(NDList inputs) {
        List<io.cnv2.ir.Input> declared = parts().net().inputs();
        if (inputs.size() != declared.size()) {
            throw new BadInputException("CNV2 engine: model " + modelName + " takes " + declared.size() + " input(s) "
                    + describe(declared) + ", got " + inputs.size());
        }
        int batch = -1;
        for (int i = 0; i < declared.size(); i++) {
            int n = samplesIn(declared.get(i), inputs.get(i).getShape().getShape());
            if (batch >= 0 && n != batch) {
                throw new BadInputException("CNV2 engine: model " + modelName + ": input '" + declared.get(i).name()
                        + "' holds " + n + " sample(s) where '" + declared.get(0).name() + "' holds " + batch);
            }
            batch = n;
        }
        List<float[]> data = new ArrayList<>();
        for (NDArray x : inputs) {
            data.add(x.getDataType() == DataType.FLOAT32 ? x.toFloatArray()
                    : x.toType(DataType.FLOAT32, false).toFloatArray());
        }
        List<Map<String, Tensor>> samples = new ArrayList<>(batch);
        for (int k = 0; k < batch; k++) {
            Map<String, Tensor> m = new java.util.LinkedHashMap<>();
            for (int i = 0; i < declared.size(); i++) {
                m.put(declared.get(i).name(), sample(declared.get(i), data.get(i), k));
            }
            samples.add(m);
        }
        return samples;
    }

    /**
     * The samples an input holds: 1 when it has exactly its declared shape; N for [N, rest] when the
     * declared shape is [1, rest] (a batch dimension of 1); otherwise a user error naming both shapes.
     */
    private int samplesIn(io.cnv2.ir.Input in, long[] got) {
        int[] want = in.shape().dims();
        boolean same = got.length == want.length;
        for (int i = 0; same && i < want.length; i++) {
            same = got[i] == want[i];
        }
        if (same) {
            return 1;
        }
        boolean batchable = want.length >= 1 && want[0] == 1 && got.length == want.length && got[0] >= 1
                && got[0] <= Integer.MAX_VALUE;
        for (int i = 1; batchable && i < want.length; i++) {
            batchable = got[i] == want[i];
        }
        if (batchable) {
            return (int) got[0];
        }
        String expected = want.length >= 1 && want[0] == 1
                ? "(N" + java.util.Arrays.stream(want).skip(1).mapToObj(d -> ", " + d).reduce("", String::concat) + ")"
                + " for N samples" : new Shape(java.util.Arrays.stream(want).asLongStream().toArray()).toString();
        throw new BadInputException("CNV2 engine: model " + modelName + ", input '" + in.name() + "': expected shape "
                + expected + ", got " + new Shape(got) + (got.length != want.length ? " (rank " + got.length
                + " where the model declares rank " + want.length + ")" : ""));
    }

    /** Sample k of an input holding N samples of its declared shape. */
    private static Tensor sample(io.cnv2.ir.Input in, float[] all, int k) {
        int per = in.shape().size();
        float[] one = new float[per];
        System.arraycopy(all, k * per, one, 0, per);
        return new Tensor(in.shape(), one);
    }

    /** An output's shape for N samples: N in place of a leading 1, else stacked when N > 1. */
    private static long[] batched(int[] dims, int batch) {
        long[] d = java.util.Arrays.stream(dims).asLongStream().toArray();
        if (batch == 1) {
            return d;
        }
        if (d.length >= 1 && d[0] == 1) {
            d[0] = batch;
            return d;
        }
        long[] stacked = new long[d.length + 1];
        stacked[0] = batch;
        System.arraycopy(d, 0, stacked, 1, d.length);
        return stacked;
    }

    private static String describe(List<io.cnv2.ir.Input> inputs) {
        return inputs.stream().map(i -> i.name() + " " + i.shape()).toList().toString();
    }

    private synchronized long nextTapIndex() {
        return tapped++;
    }

    /**
     * Instrumentation: from now on every sample that {@code forward} runs hands its
     * {@link SampleTaps} (per conv and fully connected layer: input in float and quantised,
     * output, weights as run) to {@code sink}, in order, as it finishes; nothing is kept here,
     * so memory stays bounded whatever the sink does with them (a
     * {@link io.cnv2.trace.TraceWriter} streams them to disk). Null stops it.
     */
    public void setTaps(Consumer<SampleTaps> sink) {
        this.taps = sink;
    }

    /** The report of the last forward call made on this thread (a predictor's own batch). */
    private final ThreadLocal<RunReport> lastHere = new ThreadLocal<>();

    private synchronized void record(ReportBuilder now) {
        last = emulator.report(now, modelName, "DJL inputs", List.of());
        lastHere.set(last);
        total.merge(now);
    }

    /** Statistics of the last {@code forward} made on the calling thread (what a predictor just ran). */
    RunReport lastRunOnThisThread() {
        return lastHere.get();
    }

    /** Statistics of the last {@code forward} (all samples of its batch); null before the first. */
    public synchronized RunReport lastRun() {
        return last;
    }

    /** Statistics of every sample run since loading or {@link #resetStatistics()}. */
    public synchronized RunReport total() {
        return emulator().report(total, modelName, "DJL inputs", List.of());
    }

    public synchronized void resetStatistics() {
        total = emulator == null ? null : emulator.newReport();
        last = null;
    }

    @Override
    public PairList<String, Shape> describeInput() {
        PairList<String, Shape> in = new PairList<>();
        if (parts == null) {
            deferredInputs.forEach(n -> in.add(n, new Shape())); // unknown until the first forward
            return in;
        }
        for (var i : parts().net().inputs()) {
            in.add(i.name(), new Shape(java.util.Arrays.stream(i.shape().dims()).asLongStream().toArray()));
        }
        return in;
    }

    /**
     * The model's outputs with their shapes for one sample, as DJL's {@code Model.describeOutput()}
     * gives them (a translator can size itself by them: the number of classes).
     */
    @Override
    public PairList<String, Shape> describeOutput() {
        PairList<String, Shape> out = new PairList<>();
        if (parts == null) {
            return out;
        }
        for (String o : parts().net().outputs()) {
            out.add(o, new Shape(java.util.Arrays.stream(parts().net().shape(o).dims()).asLongStream().toArray()));
        }
        return out;
    }

    @Override
    public ParameterList getDirectParameters() {
        return new ParameterList();
    }
}
