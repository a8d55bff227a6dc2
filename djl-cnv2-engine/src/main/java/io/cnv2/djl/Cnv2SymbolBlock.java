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
    private final Emulator emulator;
    private final String modelName;
    private ReportBuilder total;
    private RunReport last;
    private volatile Consumer<SampleTaps> taps;
    private long tapped;

    Cnv2SymbolBlock(Emulator emulator, String modelName) {
        this.emulator = emulator;
        this.modelName = modelName;
        this.total = emulator.newReport();
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

    /** The emulator this block runs: network, configuration and calibration. */
    public Emulator emulator() {
        return emulator;
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
        List<io.cnv2.ir.Input> declared = emulator.network().inputs();
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
        ReportBuilder now = emulator.newReport();
        List<String> names = emulator.network().outputs();
        List<List<Tensor>> outputs = new ArrayList<>();
        for (int k = 0; k < batch; k++) {
            Tensor first = sample(declared.get(0), data.get(0), k);
            Map<String, Tensor> rest = new java.util.HashMap<>();
            for (int i = 1; i < declared.size(); i++) {
                rest.put(declared.get(i).name(), sample(declared.get(i), data.get(i), k));
            }
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

    private synchronized void record(ReportBuilder now) {
        last = emulator.report(now, modelName, "DJL inputs", List.of());
        total.merge(now);
    }

    /** Statistics of the last {@code forward} (all samples of its batch); null before the first. */
    public synchronized RunReport lastRun() {
        return last;
    }

    /** Statistics of every sample run since loading or {@link #resetStatistics()}. */
    public synchronized RunReport total() {
        return emulator.report(total, modelName, "DJL inputs", List.of());
    }

    public synchronized void resetStatistics() {
        total = emulator.newReport();
        last = null;
    }

    @Override
    public PairList<String, Shape> describeInput() {
        PairList<String, Shape> in = new PairList<>();
        for (var i : emulator.network().inputs()) {
            in.add(i.name(), new Shape(java.util.Arrays.stream(i.shape().dims()).asLongStream().toArray()));
        }
        return in;
    }

    @Override
    public ParameterList getDirectParameters() {
        return new ParameterList();
    }
}
