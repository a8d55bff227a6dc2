package io.cnv2.exec;

import io.cnv2.config.EnergyTable;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.config.Thresholds;
import io.cnv2.hw.Accelerators;
import io.cnv2.data.Sample;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerator;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import io.cnv2.stats.ReportBuilder;
import io.cnv2.stats.PredictionRecord;
import io.cnv2.stats.RunReport;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * The Java API of one emulation run: a network, its calibration, a machine and an accelerator
 * model. {@link #evaluate} runs samples through the float reference and the emulated
 * accelerator on all cores and adds up the statistics.
 */
public final class Emulator {
    private final Network network;
    private final MachineConfig machine;
    private final RunConfig run;
    private final Calibration calibration;
    private final FloatPass floatPass;
    private final FixedExecutor fixedExec;
    private final EnergyTable energy;
    /** Values of the network's other inputs, the same for every sample (a sample rate, a recurrent state...). */
    private final Map<String, Tensor> feeds;
    /** Whether each sample also runs the float reference (the float column); off for hardware figures only. */
    private final boolean floatColumn;

    public Emulator(Network network, MachineConfig machine, RunConfig run, Calibration calibration,
                    Accelerator accelerator) {
        this(network, machine, run, calibration, accelerator, EnergyTable.DEFAULT);
    }

    /** An emulator whose reports price events with {@code energy} (CNV2-MODEL.md section 6). */
    public Emulator(Network network, MachineConfig machine, RunConfig run, Calibration calibration,
                    Accelerator accelerator, EnergyTable energy) {
        this(network, machine, run, calibration, accelerator, energy, Map.of());
    }

    private Emulator(Network network, MachineConfig machine, RunConfig run, Calibration calibration,
                     Accelerator accelerator, EnergyTable energy, Map<String, Tensor> feeds) {
        this.feeds = Map.copyOf(feeds);
        this.energy = energy;
        this.network = network;
        this.machine = machine;
        this.run = run;
        this.calibration = calibration.pin(run.pinnedFormats());
        this.floatPass = new FloatPass(network);
        this.fixedExec = new FixedExecutor(network, this.calibration, accelerator, machine.accumulatorBits());
        this.floatColumn = true;
    }

    /** {@code e} with other feeds: the same executors, so weights are not quantised again. */
    private Emulator(Emulator e, Map<String, Tensor> feeds) {
        this(e, feeds, e.floatColumn);
    }

    private Emulator(Emulator e, Map<String, Tensor> feeds, boolean floatColumn) {
        this(e, feeds, floatColumn, e.run, e.fixedExec);
    }

    /** {@code e}'s network, machine, formats and float pass with these feeds, run and executor. */
    private Emulator(Emulator e, Map<String, Tensor> feeds, boolean floatColumn, RunConfig run,
                     FixedExecutor fixedExec) {
        this.floatColumn = floatColumn;
        this.feeds = Map.copyOf(feeds);
        this.energy = e.energy;
        this.network = e.network;
        this.machine = e.machine;
        this.run = run;
        this.calibration = e.calibration;
        this.floatPass = e.floatPass;
        this.fixedExec = fixedExec;
    }

    /**
     * The emulator of a run as cnv2's front ends build it: the thresholds each layer really
     * skips with ({@link Thresholds#resolve}: per consumer at fetch, per producer at output)
     * and the accelerator model the run names.
     */
    public static Emulator of(Network network, MachineConfig machine, RunConfig run, Calibration calibration,
                              EnergyTable energy) {
        RunConfig resolved = Thresholds.resolve(run, network);
        MemoryBudget.check(network, resolved.effectiveThreads(), network.name());
        return new Emulator(network, machine, resolved, calibration, Accelerators.create(resolved, machine), energy);
    }

    /** Per-sample outcome: the class each path predicts and the emulated output. */
    public record Prediction(String source, int label, int floatClass, int fixedClass, Tensor floatOutput,
                             Tensor fixedOutput) {
    }

    /** The outcome of {@link #evaluate}: per-sample predictions (in input order) and the report. */
    public record Evaluation(List<Prediction> predictions, RunReport report) {
    }

    public Network network() {
        return network;
    }

    public RunConfig run() {
        return run;
    }

    public MachineConfig machine() {
        return machine;
    }

    public EnergyTable energy() {
        return energy;
    }

    /** An emulator of the same network, machine, formats and energy table under another run. */
    public Emulator with(RunConfig other) {
        if (!other.pinnedFormats().equals(run.pinnedFormats())) {
            // other formats: another quantisation of the network
            Emulator e = of(network, machine, other, calibration, energy).feeding(feeds);
            return floatColumn ? e : e.withoutFloat();
        }
        // the same formats: the quantised layers serve the other run's accelerator as they are
        RunConfig resolved = Thresholds.resolve(other, network);
        MemoryBudget.check(network, resolved.effectiveThreads(), network.name());
        return new Emulator(this, feeds, floatColumn, resolved,
                fixedExec.on(Accelerators.create(resolved, machine)));
    }

    /**
     * This emulator without the float column (issue 23, {@code --no-float}): a sample runs the
     * emulation only, for hardware figures; float classes are -1 and float accuracy is NaN. The same
     * executors, so weights are not quantised again. Instrumentation taps still run the float pass.
     */
    public Emulator withoutFloat() {
        return floatColumn ? new Emulator(this, feeds, false) : this;
    }

    /** Whether samples run the float reference too. */
    public boolean floatColumn() {
        return floatColumn;
    }

    /**
     * This emulator with fixed values for the network's inputs after the first: every sample
     * ({@link #step}) brings the first input, these the rest. Names and shapes are checked here.
     */
    public Emulator feeding(Map<String, Tensor> values) {
        for (var e : values.entrySet()) {
            var in = network.inputs().stream().filter(i -> i.name().equals(e.getKey())).findFirst().orElseThrow(
                    () -> new io.cnv2.BadInputException("model " + network.name() + " has no input named '"
                            + e.getKey() + "' (inputs: " + network.inputs().stream().map(i -> i.name()).toList() + ")"));
            FloatExecutor.checkInput(in, e.getValue());
        }
        return values.equals(feeds) ? this : new Emulator(this, values);
    }

    /** The fixed values of the inputs after the first ({@link #feeding}). */
    public Map<String, Tensor> feeds() {
        return feeds;
    }

    /** One sample's full input map: its first input and the fixed feeds. */
    public Map<String, Tensor> inputs(Tensor first) {
        if (feeds.isEmpty()) {
            return Map.of(network.inputs().get(0).name(), first);
        }
        Map<String, Tensor> m = new java.util.HashMap<>(feeds);
        m.put(network.inputs().get(0).name(), first);
        return m;
    }

    public Calibration calibration() {
        return calibration;
    }

    public FixedExecutor fixedExecutor() {
        return fixedExec;
    }

    /**
     * One input through the float reference and the emulated accelerator; {@code taps} empty unless
     * asked. {@code floatOutput} and {@code fixedOutput} are the first output's; the maps hold every output.
     */
    public record Step(Tensor floatOutput, Tensor fixedOutput, List<NodeStats> nodes, List<LayerTap> taps,
                       Map<String, Tensor> floatOutputs, Map<String, Tensor> fixedOutputs) {
        /** The float reference's class, -1 without the float column. */
        public int floatClass() {
            return floatOutput == null ? -1 : argmax(floatOutput);
        }

        public int fixedClass() {
            return argmax(fixedOutput);
        }
    }

    /** Runs one input (the network's first input) through both paths; safe to call from many threads. */
    public Step step(Tensor input) {
        return step(input, false);
    }

    /**
     * {@link #step(Tensor)}, and with {@code tap} the instrumentation's capture of every conv
     * and fully connected layer (see {@link LayerTap}).
     */
    public Step step(Tensor input, boolean tap) {
        return step(input, tap, null);
    }

    /**
     * {@link #step(Tensor, boolean)} with the float outputs already known (calibration's float pass of
     * the same image, {@link FloatOutputs}): the float reference does not run again.
     */
    private Step step(Tensor input, boolean tap, Map<String, Tensor> knownFloats) {
        return step(input, tap, knownFloats, true);
    }

    /** {@link #step(Tensor, boolean, Map)}; without {@code statistics} the outputs only (no nodes, no taps). */
    private Step step(Tensor input, boolean tap, Map<String, Tensor> knownFloats, boolean statistics) {
        String out = network.outputs().get(0);
        java.util.Set<String> wanted = new java.util.HashSet<>(network.outputs());
        if (tap) {
            network.acceleratorLayers().forEach(n -> wanted.add(n.inputs().get(0)));
        }
        Map<String, Tensor> feed = inputs(input);
        // the float column: ONNX Runtime on the original file where the network has it (FloatPass)
        Map<String, Tensor> floats = knownFloats != null && !tap ? knownFloats
                : floatColumn || tap ? floatPass.run(feed, wanted) : Map.of();
        if (!statistics && !tap) {
            Map<String, Tensor> fixed = fixedExec.outputs(feed);
            Map<String, Tensor> floatOuts = new java.util.LinkedHashMap<>();
            network.outputs().forEach(o -> floatOuts.put(o, floats.get(o)));
            return new Step(floats.get(out), fixed.get(out), List.of(), List.of(), floatOuts, fixed);
        }
        FixedExecutor.Result r = fixedExec.run(feed, tap);
        List<LayerTap> taps = List.of();
        if (tap) {
            taps = new ArrayList<>();
            for (var n : network.acceleratorLayers()) {
                // the quantised input as the accelerator received it (zero-inserted for ConvTranspose,
                // rows as positions for a Dense over rows); the float input stays in the IR's layout
                taps.add(new LayerTap(n.name(), floats.get(n.inputs().get(0)),
                        AcceleratorInput.of(n.op(), r.layerInputs().getOrDefault(n.name(),
                                r.tensors().get(n.inputs().get(0)))),
                        r.tensors().get(n.output()), fixedExec.layers().layer(n.name())));
            }
        }
        Map<String, Tensor> floatOuts = new java.util.LinkedHashMap<>();
        network.outputs().forEach(o -> floatOuts.put(o, floats.get(o)));
        return new Step(floats.get(out), r.outputs().get(out), r.nodes(), taps, floatOuts, r.outputs());
    }

    /** A collector of per-input statistics for {@link #report}. */
    public ReportBuilder newReport() {
        return new ReportBuilder(fixedExec);
    }

    /** The run report of what {@code collected} holds, with this emulator's configuration. */
    public RunReport report(ReportBuilder collected, String model, String dataset, List<PredictionRecord> predictions) {
        return collected.build(model, dataset, machine, run, energy, calibration, List.of(), predictions);
    }

    /**
     * Only the accelerator's outputs, in input order, on all cores: no float reference, no report
     * and no statistics (for a second pass over images another run has already measured; the
     * outputs are {@link FixedExecutor#outputs}, those of the full run bit for bit).
     */
    public List<Tensor> fixedOutputs(List<Sample> samples, IntConsumer progress) {
        String out = network.outputs().get(0);
        Tensor[] outputs = new Tensor[samples.size()];
        AtomicInteger done = new AtomicInteger();
        parallel(() -> IntStream.range(0, samples.size()).parallel().forEach(i -> {
            outputs[i] = fixedExec.outputs(inputs(samples.get(i).input())).get(out);
            if (progress != null) {
                progress.accept(done.incrementAndGet());
            }
        }));
        return List.of(outputs);
    }

    /**
     * Runs {@code work} (a parallel stream, typically) on this run's worker threads; its unchecked
     * exceptions come through unchanged.
     */
    public void parallel(Runnable work) {
        ForkJoinPool pool = POOLS.computeIfAbsent(run.effectiveThreads(), ForkJoinPool::new);
        try {
            pool.submit(work).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * The worker pools, one per thread count, shared by every run of the process: a second pass over
     * the images (accuracy's dense column, a sweep's next point) finds the kernels' per-thread
     * buffers sized on its threads. On fresh threads the buffers' first growth was a branch the
     * compiled kernels had never taken, and the JIT threw away and recompiled the emulation's
     * hottest methods at the start of every pass (issue 23). Idle workers end after the pool's
     * keep-alive time (a minute), and their buffers with them.
     */
    private static final java.util.concurrent.ConcurrentMap<Integer, ForkJoinPool> POOLS =
            new java.util.concurrent.ConcurrentHashMap<>();

    public Evaluation evaluate(List<Sample> samples, String model, String dataset, IntConsumer progress) {
        return evaluate(samples, model, dataset, progress, null);
    }

    /**
     * {@link #evaluate}, taking the float outputs of images calibration already ran through the float
     * pass from {@code known} (when it covers {@code samples}): each image's float work is done once.
     */
    public Evaluation evaluate(List<Sample> samples, String model, String dataset, IntConsumer progress,
                               FloatOutputs known) {
        return evaluate(samples, model, dataset, progress, known, true);
    }

    /**
     * The predictions {@link #evaluate} makes, in input order, without the accelerator's statistics
     * or a report: for runs that need only outputs (accuracy's top-1 and top-5). The accelerator
     * layers give their outputs by rule 7 ({@link FixedExecutor#outputs}), the same bits.
     */
    public List<Prediction> predict(List<Sample> samples, IntConsumer progress, FloatOutputs known) {
        return evaluate(samples, null, null, progress, known, false).predictions();
    }

    private Evaluation evaluate(List<Sample> samples, String model, String dataset, IntConsumer progress,
                                FloatOutputs known, boolean statistics) {
        ReportBuilder report = statistics ? newReport() : null;
        Prediction[] preds = new Prediction[samples.size()];
        AtomicInteger done = new AtomicInteger();
        FloatOutputs memo = known != null && known.covers(samples) && floatColumn ? known : null;
        int n = samples.size();
        int chunk = floatBatch(n);
        Runnable work = () -> IntStream.range(0, (n + chunk - 1) / chunk).parallel().forEach(c -> {
            int from = c * chunk;
            List<Map<String, Tensor>> floats = floatOutputs(samples, from, Math.min(n, from + chunk), memo);
            for (int i = from; i < Math.min(n, from + chunk); i++) {
                Sample s = samples.get(i);
                Step step = step(s.input(), false, floats.get(i - from), statistics);
                int fc = step.floatClass();
                int qc = step.fixedClass();
                if (report != null) {
                    report.add(step.nodes(), fc, qc, s.label());
                    report.compare(step.floatOutputs(), step.fixedOutputs());
                }
                preds[i] = new Prediction(s.source(), s.label(), fc, qc, step.floatOutput(), step.fixedOutput());
                if (progress != null) {
                    progress.accept(done.incrementAndGet());
                }
            }
        });
        parallel(work);
        if (report == null) {
            return new Evaluation(new ArrayList<>(List.of(preds)), null);
        }
        return new Evaluation(new ArrayList<>(List.of(preds)),
                report(report, model, dataset, Arrays.stream(preds)
                        .map(p -> new PredictionRecord(p.source(), p.label(), p.floatClass(),
                                p.fixedClass())).toList()));
    }

    /** Most images whose float outputs are asked for at once (ONNX Runtime may run them as one batch). */
    private static final int FLOAT_BATCH = 32;

    /** Most values a task's images may hold in inputs and float outputs together (4 MB of float). */
    private static final long FLOAT_BATCH_VALUES = 1L << 20;

    /**
     * Images per task of {@link #evaluate}: with the float column, up to {@link #FLOAT_BATCH}, so that
     * the float reference runs them together ({@link FloatPass#runBatch}; the shipped CNN's float
     * column 0.32 -> 0.23 ms an image, and the emulation's caches are no longer displaced by ONNX
     * Runtime's between images), but small enough that every thread gets several tasks and that a
     * task's inputs and float outputs stay small beside the per-image memory {@link MemoryBudget}
     * counts (a segmentation network's outputs are megabytes: one image per task).
     */
    private int floatBatch(int images) {
        if (!floatColumn) {
            return 1;
        }
        long values = 0;
        for (var in : network.inputs()) {
            values += in.shape().size();
        }
        for (String o : network.outputs()) {
            values += network.shape(o).size();
        }
        long fit = FLOAT_BATCH_VALUES / Math.max(1, values);
        return (int) Math.max(1, Math.min(Math.min(FLOAT_BATCH, fit), images / (4 * run.effectiveThreads())));
    }

    /**
     * The float outputs of images {@code from .. to - 1}, each from {@code memo} where calibration
     * kept it, the others from one batch of the float reference; one null per image (its step runs
     * the float pass itself) when a batch would hold a single image or there is no float column.
     */
    private List<Map<String, Tensor>> floatOutputs(List<Sample> samples, int from, int to, FloatOutputs memo) {
        List<Map<String, Tensor>> floats = new ArrayList<>(java.util.Collections.nCopies(to - from, null));
        List<Integer> missing = new ArrayList<>();
        for (int i = from; i < to; i++) {
            Map<String, Tensor> kept = memo == null ? null : memo.get(i);
            if (kept != null) {
                floats.set(i - from, kept);
            } else {
                missing.add(i);
            }
        }
        if (!floatColumn || missing.size() < 2) {
            return floats;
        }
        List<Map<String, Tensor>> feeds = missing.stream().map(i -> inputs(samples.get(i).input())).toList();
        List<Map<String, Tensor>> computed = floatPass.runBatch(feeds, new java.util.HashSet<>(network.outputs()));
        for (int j = 0; j < missing.size(); j++) {
            floats.set(missing.get(j) - from, computed.get(j));
        }
        return floats;
    }

    /**
     * The report {@link #evaluate} gives for {@code samples}, images {@code first ..} of the set
     * {@code memo} covers, running the float reference only for images whose float class the memo
     * does not hold yet (and remembering it). Outputs are not kept.
     */
    public RunReport measure(List<Sample> samples, int first, FloatMemo memo, String model, String dataset) {
        if (!memo.covers(this)) {
            throw new IllegalArgumentException("the float memo belongs to another network than " + network.name());
        }
        ReportBuilder report = newReport();
        PredictionRecord[] records = new PredictionRecord[samples.size()];
        parallel(() -> IntStream.range(0, samples.size()).parallel().forEach(i -> {
            Sample s = samples.get(i);
            int known = memo.get(first + i);
            Classified c = classify(s.input(), known);
            if (known < 0) {
                memo.remember(first + i, c.floatClass());
            }
            report.add(c.nodes(), c.floatClass(), c.fixedClass(), s.label());
            records[i] = new PredictionRecord(s.source(), s.label(), c.floatClass(), c.fixedClass());
        }));
        return report(report, model, dataset, List.of(records));
    }

    /** One image's classes on both paths and the accelerator's statistics. */
    public record Classified(int floatClass, int fixedClass, List<NodeStats> nodes) {
    }

    /**
     * One input through the accelerator, and through the float reference only when its float class
     * is not known yet ({@code floatClass} < 0): a sweep's later points know it ({@link FloatMemo}).
     */
    public Classified classify(Tensor input, int floatClass) {
        if (floatClass < 0 && floatColumn) {
            Step step = step(input);
            return new Classified(step.floatClass(), step.fixedClass(), step.nodes());
        }
        FixedExecutor.Result r = fixedExec.run(inputs(input), false);
        return new Classified(floatClass, argmax(r.outputs().get(network.outputs().get(0))), r.nodes());
    }

    /** Index of the largest value (the first on ties), the predicted class. */
    public static int argmax(Tensor t) {
        int best = 0;
        for (int i = 1; i < t.data().length; i++) {
            if (t.data()[i] > t.data()[best]) {
                best = i;
            }
        }
        return best;
    }
}
