package io.cnv2.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.QTensor;
import io.cnv2.hw.design.CnvlutinFast;
import io.cnv2.hw.design.CnvlutinReference;
import io.cnv2.hw.design.DaDianNaoFast;
import io.cnv2.hw.LayerRun;
import io.cnv2.hw.QLayer;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.Shape;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One ResNet-18-shaped layer (batch 1) on cnv2's fast accelerator paths and on libtorch (DJL's
 * PyTorch engine, float32), one thread each, in the same JMH run so the ratio is measured
 * under the same conditions. Activations are 16-bit with the given fraction of zeros (ReLU-like);
 * libtorch gets the same values as floats. Every method returns its full output, so nothing is
 * optimised away and libtorch's result is copied back to Java like cnv2's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// the serial collector, as the cnv2 command runs (see WholeNetworkBenchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g", "-XX:ObjectAlignmentInBytes=64", "-XX:PerMethodTrapLimit=100000",
        "-XX:+UseSerialGC",
        "-Dai.djl.offline=true",
        "-DOPT_OUT_TRACKING=true", "-Dai.djl.pytorch.graph_optimizer=false", "-Dai.djl.pytorch.num_threads=1",
        "-Dai.djl.pytorch.num_interop_threads=1"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
public class LayerBenchmark {
    /** name: C, H, W, K, kernel, stride, pad (a fully connected layer is C -> K on a 1x1 input). */
    @Param({"conv1", "layer1", "layer2", "layer3", "layer4", "fc"})
    public String layer;

    @Param({"0.5"})
    public double sparsity;

    /** Timing profile of the CNV and DaDN paths (CNV2-MODEL.md 4a); the outputs are the same under both. */
    @Param({"isca2016", "ideal"})
    public String timing;

    private QLayer q;
    private QTensor input;
    private ConvGeometry g;
    private DaDianNaoFast dadn;
    private CnvlutinFast cnv;
    private CnvlutinReference cnvReference;
    private NDManager manager;
    private NDArray x;
    private NDArray w;
    private NDArray b;

    static ConvGeometry geometry(String layer) {
        return switch (layer) {
            case "conv1" -> conv(3, 224, 64, 7, 2, 3);
            case "layer1" -> conv(64, 56, 64, 3, 1, 1);
            case "layer2" -> conv(128, 28, 128, 3, 1, 1);
            case "layer3" -> conv(256, 14, 256, 3, 1, 1);
            case "layer4" -> conv(512, 7, 512, 3, 1, 1);
            case "fc" -> ConvGeometry.fullyConnected(512, 1000);
            default -> throw new IllegalArgumentException("no layer " + layer);
        };
    }

    private static ConvGeometry conv(int c, int hw, int k, int kernel, int stride, int pad) {
        return new ConvGeometry(c, hw, hw, k, kernel, kernel, stride, stride, pad, pad, pad, pad, 1, 1, 1);
    }

    @Setup(Level.Trial)
    public void setUp() {
        g = geometry(layer);
        Random r = new Random(18);
        short[] weights = new short[g.filters() * g.channels() * g.kernelY() * g.kernelX()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (short) (r.nextGaussian() * 3000);
        }
        short[] bias = new short[g.filters()];
        short[] act = new short[g.channels() * g.height() * g.width()];
        for (int i = 0; i < act.length; i++) {
            act[i] = r.nextDouble() < sparsity ? 0 : (short) r.nextInt(1 << 12);
        }
        q = new QLayer(layer, g, weights, 14, bias, 10, 8, 8);
        boolean fc = layer.equals("fc");
        Shape shape = fc ? new Shape(1, g.channels()) : new Shape(1, g.channels(), g.height(), g.width());
        input = new QTensor(shape, act, 8);
        MachineConfig m = MachineConfig.DEFAULT;
        RunConfig run = RunConfig.DEFAULT.withArch("cnv").withTiming(timing);
        dadn = new DaDianNaoFast(m, run.withArch("dadn"));
        cnv = new CnvlutinFast(m, run);
        cnvReference = new CnvlutinReference(m, run);

        manager = Engine.getEngine("PyTorch").newBaseManager();
        x = manager.create(toFloat(act), fc ? new ai.djl.ndarray.types.Shape(1, g.channels())
                : new ai.djl.ndarray.types.Shape(1, g.channels(), g.height(), g.width()));
        w = manager.create(toFloat(weights), fc ? new ai.djl.ndarray.types.Shape(g.filters(), g.channels())
                : new ai.djl.ndarray.types.Shape(g.filters(), g.channels(), g.kernelY(), g.kernelX()));
        b = manager.create(new float[g.filters()]);
    }

    private static float[] toFloat(short[] s) {
        float[] f = new float[s.length];
        for (int i = 0; i < s.length; i++) {
            f[i] = s[i];
        }
        return f;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    /** The dense baseline's fast path: exact outputs and the layer's statistics. */
    @Benchmark
    public LayerRun dadnFast() {
        return dadn.run(q, input);
    }

    /** Cnvlutin's fast path: exact outputs, per-brick cycle accounting and statistics. */
    @Benchmark
    public LayerRun cnvFast() {
        return cnv.run(q, input);
    }

    /** Cnvlutin's lane-by-lane reference (for tests; run it on small layers only). */
    @Benchmark
    public LayerRun cnvReference() {
        return cnvReference.run(q, input);
    }

    /** libtorch float32 conv (or linear) on the same values, result copied back to Java. */
    @Benchmark
    public float[] libtorch() {
        NDList out = layer.equals("fc") ? Linear.linear(x, w, b)
                : Conv2d.conv2d(x, w, b, new ai.djl.ndarray.types.Shape(g.strideY(), g.strideX()),
                new ai.djl.ndarray.types.Shape(g.padTop(), g.padLeft()), new ai.djl.ndarray.types.Shape(1, 1), 1);
        NDArray y = out.singletonOrThrow();
        float[] result = y.toFloatArray();
        y.close();
        return result;
    }
}
