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

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        if (inputs.size() != 1) {
            throw new BadInputException("CNV2 engine: model " + modelName + " takes one input, got " + inputs.size());
        }
        NDArray x = inputs.head();
        io.cnv2.ir.Shape sample = emulator.network().inputs().get(0).shape();
        long[] dims = x.getShape().getShape();
        int per = sample.size();
        long count = x.getShape().size();
        if (count == 0 || count % per != 0) {
            throw new BadInputException("CNV2 engine: model " + modelName + " expects samples of shape " + sample
                    + ", got an input of shape " + x.getShape());
        }
        int batch = (int) (count / per);
        float[] data = x.getDataType() == DataType.FLOAT32 ? x.toFloatArray()
                : x.toType(DataType.FLOAT32, false).toFloatArray();
        ReportBuilder now = emulator.newReport();
        List<Tensor> outputs = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            float[] one = new float[per];
            System.arraycopy(data, i * per, one, 0, per);
            Consumer<SampleTaps> sink = taps;
            Emulator.Step step = emulator.step(new Tensor(sample, one), sink != null);
            if (sink != null) {
                sink.accept(new SampleTaps(nextTapIndex(), step.taps()));
            }
            now.add(step.nodes(), step.floatClass(), step.fixedClass(), -1);
            outputs.add(step.fixedOutput());
        }
        record(now);
        int outSize = outputs.get(0).data().length;
        float[] out = new float[batch * outSize];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(outputs.get(i).data(), 0, out, i * outSize, outSize);
        }
        long[] outDims = outputShape(dims, batch, per, outputs.get(0).shape());
        NDManager manager = x.getManager();
        return new NDList(manager.create(out, new Shape(outDims)));
    }

    /**
     * The output shape: a batched input gives [batch, output without its batch dimension]; an
     * unbatched one (the sample's own shape minus the leading 1) gives the output's shape
     * minus its leading 1.
     */
    private static long[] outputShape(long[] inputDims, int batch, int per, io.cnv2.ir.Shape out) {
        int[] o = out.dims();
        int from = o.length > 1 && o[0] == 1 ? 1 : 0;
        boolean batched = inputDims.length > 0 && inputDims[0] == batch && (batch > 1 || inputDims.length > 1
                && product(inputDims, 1) == per);
        long[] d = new long[o.length - from + (batched ? 1 : 0)];
        int j = 0;
        if (batched) {
            d[j++] = batch;
        }
        for (int i = from; i < o.length; i++) {
            d[j++] = o[i];
        }
        return d;
    }

    private static long product(long[] d, int from) {
        long p = 1;
        for (int i = from; i < d.length; i++) {
            p *= d[i];
        }
        return p;
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
        var i = emulator.network().inputs().get(0);
        in.add(i.name(), new Shape(java.util.Arrays.stream(i.shape().dims()).asLongStream().toArray()));
        return in;
    }

    @Override
    public ParameterList getDirectParameters() {
        return new ParameterList();
    }
}
