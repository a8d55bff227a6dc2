package io.cnv2.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.cnv2.exec.FloatExecutor;
import io.cnv2.exec.FloatPass;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
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
 * The float reference of an ONNX model per image, against ONNX Runtime's own inference of the same
 * file in the same run (one thread each): {@code onnxRuntime} is a plain session on the file;
 * {@code floatReference} is what cnv2's runs pay for their float column ({@link FloatPass}, which
 * for ONNX models is ONNX Runtime on the file plus the hand-over of tensors);
 * {@code cnv2FloatExecution} is cnv2's own float execution of the imported graph (what `check`
 * runs, and the float path of models no runtime holds). Model: {@code -p model=FILE}, default
 * ResNet-18 (torchvision architecture, random weights) as models/exports/export.py writes it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// -Xss: ONNX Runtime's session set-up recurses deeper than the JVM's default 1 MB stack
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g", "-Xss64m"})
public class FloatReferenceBenchmark {
    @Param("models/exports/.cache/resnet18.onnx")
    public String model;

    private Network net;
    private FloatPass pass;
    private FloatExecutor java;
    private Map<String, Tensor> input;
    private Set<String> outputs;
    private OrtEnvironment env;
    private OrtSession session;
    private OnnxTensor ortInput;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path file = Path.of(model);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: make it with /usr/bin/python3 models/exports/export.py");
        }
        net = ModelLoader.load(file);
        pass = new FloatPass(net);
        java = new FloatExecutor(net);
        var in = net.inputs().get(0);
        float[] v = new float[in.shape().size()];
        Random r = new Random(7);
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat();
        }
        input = Map.of(in.name(), new Tensor(in.shape(), v));
        outputs = new HashSet<>(net.outputs());
        env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            o.setInterOpNumThreads(1);
            session = env.createSession(file.toString(), o);
        }
        ortInput = OnnxTensor.createTensor(env, FloatBuffer.wrap(v),
                Arrays.stream(in.shape().dims()).asLongStream().toArray());
        pass.run(input, outputs); // the session for the outputs is made once, not timed
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        ortInput.close();
        session.close();
    }

    @Benchmark
    public Object onnxRuntime() throws Exception {
        try (OrtSession.Result r = session.run(Map.of(net.inputs().get(0).name(), ortInput))) {
            return ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
        }
    }

    @Benchmark
    public Object floatReference() {
        return pass.run(input, outputs);
    }

    @Benchmark
    public Object cnv2FloatExecution() {
        return java.run(input);
    }
}
