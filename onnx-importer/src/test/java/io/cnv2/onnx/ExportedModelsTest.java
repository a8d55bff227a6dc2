package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.exec.FloatExecutor;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Input;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.ir.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Models exported by PyTorch's own exporter (models/exports) import untouched and agree with ONNX Runtime. */
class ExportedModelsTest {
    static Stream<Path> models() throws Exception {
        Path dir = Path.of(System.getProperty("cnv2.repo.root", "..")).resolve("models/exports");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".onnx")).sorted().toList().stream();
        }
    }

    @org.junit.jupiter.api.Test
    void oneDimensionalConvsAndConstantLeftMatMulsRunOnTheAccelerator() throws Exception {
        Path dir = Path.of(System.getProperty("cnv2.repo.root", "..")).resolve("models/exports");
        // Conv1d as a 1 x L conv: all three layers, and the classifier, are the accelerator's
        Network audio = ModelLoader.load(dir.resolve("conv1d_audio.onnx"));
        assertTrue(audio.acceleratorLayers().size() == 4, audio.acceleratorLayers().toString());
        assertTrue(audio.nodes().stream().filter(n -> n.op() instanceof io.cnv2.ir.Conv)
                .allMatch(n -> ((io.cnv2.ir.Conv) n.op()).weight().shape().dim(2) == 1), "kernels 1 x k");
        // W @ x with W a parameter: a fully connected layer over x's columns
        Network misc = ModelLoader.load(dir.resolve("misc_ops.onnx"));
        assertTrue(misc.acceleratorLayers().stream().anyMatch(n -> n.op() instanceof io.cnv2.ir.Dense d
                && d.outputs() == 4 && d.inputs() == 8), misc.acceleratorLayers().toString());
    }

    @ParameterizedTest
    @MethodSource("models")
    void importsAndAgreesWithOnnxRuntime(Path model) throws Exception {
        Network net = ModelLoader.load(model);
        Map<String, Tensor> in = new HashMap<>();
        Random r = new Random(1);
        for (Input i : net.inputs()) {
            float[] v = new float[i.shape().size()];
            for (int k = 0; k < v.length; k++) {
                v[k] = i.name().contains("id") ? r.nextInt(100) : r.nextFloat();
            }
            in.put(i.name(), new Tensor(i.shape(), v));
        }
        Map<String, Tensor> ours = new FloatExecutor(net).runAll(in);
        Map<String, Tensor> ref;
        try (OrtReference ort = new OrtReference(model)) {
            ref = ort.run(in);
        }
        double worst = 0;
        List<String> host = new ArrayList<>();
        for (Node n : net.nodes()) {
            if (n.op() instanceof io.cnv2.ir.HostGraph) {
                host.add(n.name() + n.op());
            }
        }
        for (String o : net.outputs()) {
            double e = TensorCompare.relativeError(ours.get(o), ref.get(o));
            worst = Math.max(worst, e);
        }
        System.out.println(model.getFileName() + ": " + net.nodes().size() + " nodes, host " + host + ", worst " + worst);
        assertTrue(worst <= 1e-4, model + ": " + worst);
    }
}
