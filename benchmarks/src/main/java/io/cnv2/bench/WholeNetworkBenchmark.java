package io.cnv2.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.Emulator;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerators;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import io.cnv2.stats.ReportBuilder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A whole network per image (issue 23), against ONNX Runtime's own inference of the same file in
 * the same run, one thread each: {@code onnxRuntime} is a plain session on the file;
 * {@code cnv2Run} is what {@code ./cnv2 run} pays per image (the float column from ONNX Runtime,
 * the bit-exact emulation with every statistic, the report's bookkeeping); {@code emulation} is the
 * emulation alone (all statistics, no float column). Images are seeded uniform [0, 1) inputs,
 * cycled; formats are profiled once on 4 of them before timing. Model: {@code -p model=FILE},
 * default ResNet-18 (torchvision architecture) as models/exports/export.py writes it; accelerator
 * {@code -p arch=dadn|cnv|cnv2}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// -Xss: ONNX Runtime's session set-up recurses deeper than the JVM's default 1 MB stack
// objects on 64-byte boundaries, as the cnv2 command runs (its script: the kernel's weights start a cache line);
// the serial collector, as the cnv2 command runs: under G1 the emulation ran in two modes on Z5, about 96 and
// 74 ms an image, switching within a fork; under the serial collector 68-78 ms (issue 23)
// -XX:PerMethodTrapLimit, as the cnv2 command runs (its script says why: the timing's vector stores kept intrinsified)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g", "-Xss64m",
        "-XX:ObjectAlignmentInBytes=64", "-XX:PerMethodTrapLimit=100000", "-XX:+UseSerialGC"})
public class WholeNetworkBenchmark {
    @Param("models/exports/.cache/resnet18.onnx")
    public String model;

    @Param("cnv2")
    public String arch;

    private Network net;
    private Emulator emulator;
    private ReportBuilder report;
    private final List<Map<String, Tensor>> inputs = new ArrayList<>();
    private final List<OnnxTensor> ortInputs = new ArrayList<>();
    private OrtEnvironment env;
    private OrtSession session;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path file = Path.of(model);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: make it with /usr/bin/python3 models/exports/export.py");
        }
        net = ModelLoader.load(file);
        var in = net.inputs().get(0);
        env = OrtEnvironment.getEnvironment();
        inputs.addAll(images(net));
        for (Map<String, Tensor> x : inputs) {
            ortInputs.add(OnnxTensor.createTensor(env, FloatBuffer.wrap(x.get(in.name()).data()),
                    Arrays.stream(in.shape().dims()).asLongStream().toArray()));
        }
        Calibration cal = Calibrator.profile(net, inputs.subList(0, 4), "benchmark inputs");
        RunConfig run = RunConfig.DEFAULT.withArch(arch);
        emulator = new Emulator(net, MachineConfig.DEFAULT, run, cal, Accelerators.create(run, MachineConfig.DEFAULT));
        report = emulator.newReport();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            o.setInterOpNumThreads(1);
            session = env.createSession(file.toString(), o);
        }
    }

    /** The benchmark's images: eight seeded uniform [0, 1) inputs of the network's first input (FloorSummary reads the same). */
    static List<Map<String, Tensor>> images(Network net) {
        var in = net.inputs().get(0);
        Random r = new Random(7);
        List<Map<String, Tensor>> images = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            float[] v = new float[in.shape().size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = r.nextFloat();
            }
            images.add(Map.of(in.name(), new Tensor(in.shape(), v)));
        }
        return images;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (OnnxTensor t : ortInputs) {
            t.close();
        }
        session.close();
    }

    @Benchmark
    public Object onnxRuntime() throws Exception {
        OnnxTensor x = ortInputs.get(next++ % ortInputs.size());
        try (OrtSession.Result r = session.run(Map.of(net.inputs().get(0).name(), x))) {
            return ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
        }
    }

    @Benchmark
    public Object cnv2Run() {
        Map<String, Tensor> x = inputs.get(next++ % inputs.size());
        Emulator.Step s = emulator.step(x.values().iterator().next());
        report.add(s.nodes(), s.floatClass(), s.fixedClass(), -1);
        return s;
    }

    @Benchmark
    public Object emulation() {
        return emulator.fixedExecutor().run(inputs.get(next++ % inputs.size()), false);
    }
}
