package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.FashionMnist;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.FixedExecutor;
import io.cnv2.exec.ImportCheck;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerators;
import io.cnv2.hw.LayerStats;
import io.cnv2.importer.ImportOptions;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.ir.QuantisedLayer;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import io.cnv2.stats.CheckReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Networks made by {@code cnv2 quantize} run with their own integers, bit for bit as ONNX Runtime
 * runs them (issue 22): the shipped CNN in every quantisation the command offers, the shipped LSTM
 * (unrolled by the quantiser into integer gate layers) and two third-party networks of the test zoo. Every layer the quantiser made integer is an integer layer
 * of the accelerator; {@code cnv2 check}'s comparison finds no difference on any output or any
 * integer layer's output; DaDN, CNV and CNV2 give the same outputs at threshold 0.
 */
class QuantisedNetworksExactTest {
    record Variant(String name, Path file, QuantSpec spec) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Variant> variants() {
        Path cnn = ShippedModels.fashionMnistOnnx();
        Path zoo = ZooModelsTest.ZOO.resolve(".cache");
        return Stream.of(new Variant("CNN 8-bit per-tensor", cnn, QuantSpec.of(8, false, false)),
                new Variant("CNN 8-bit per-channel", cnn, QuantSpec.of(8, true, false)),
                new Variant("CNN 8-bit per-channel symmetric", cnn, QuantSpec.of(8, true, true)),
                new Variant("CNN 4-bit per-channel", cnn, QuantSpec.of(4, true, false)),
                // the LSTM unrolled by quantize: 55 gate matrix products and the classifier, all integer
                new Variant("LSTM 8-bit per-tensor", ShippedModels.fashionMnistLstmOnnx(), QuantSpec.of(8, false, false)),
                // an int8 model exported by Debian's PyTorch itself (models/exports/torch_int8.py): Constant
                // weights and scales, a Cast between each QuantizeLinear and DequantizeLinear; spec null = as is
                new Variant("CNN int8 exported by PyTorch", Path.of(System.getProperty("cnv2.repo.root", ".."))
                        .resolve("models/exports/fashion_cnn_int8_torch.onnx"), null),
                new Variant("blazeface_front_128 8-bit per-channel", zoo.resolve("blazeface_front_128.onnx"),
                        QuantSpec.of(8, true, false)),
                new Variant("oww_embedding 8-bit per-tensor", zoo.resolve("oww_embedding.onnx"),
                        QuantSpec.of(8, false, false)));
    }

    @ParameterizedTest
    @MethodSource("variants")
    void quantisedNetworkRunsItsIntegersExactlyAsOnnxRuntime(Variant v) throws Exception {
        if (System.getenv("CNV2_REQUIRE_MODELS") == null) {
            assumeTrue(Files.isRegularFile(v.file()), "run models/zoo/fetch.sh first");
        }
        List<Map<String, Tensor>> samples = new ArrayList<>();
        ImportOptions options = ImportOptions.DEFAULT;
        boolean shipped = !v.file().toAbsolutePath().normalize().startsWith(ZooModelsTest.ZOO.toAbsolutePath().normalize());
        if (shipped) {
            FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(104)
                    .forEach(s -> samples.add(Map.of("image", s.input())));
        } else {
            String zooName = v.file().getFileName().toString().replace(".onnx", "");
            ZooModelsTest.Entry e = ZooModelsTest.models().filter(x -> x.name().equals(zooName)).findFirst().orElseThrow();
            options = ImportOptions.parse(e.shapes(), "zoo.tsv");
            Random r = new Random(22);
            for (int i = 0; i < 12; i++) {
                samples.add(QuantisedOtherNetworksTest.inputs(e, r));
            }
        }
        List<Map<String, Tensor>> calibration = samples.subList(0, samples.size() - 4);
        List<Map<String, Tensor>> checked = samples.subList(samples.size() - 4, samples.size());
        ModelProto m;
        int quantisedLayers;
        if (v.spec() == null) {
            m = OnnxImporter.parse(v.file());
            quantisedLayers = (int) m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Conv")
                    || n.getOpType().equals("Gemm")).count();
        } else {
            StaticQuantizer.Result q = StaticQuantizer.quantize(OnnxImporter.parse(v.file()), v.name(), calibration, v.spec());
            m = q.model();
            quantisedLayers = q.layers().size();
        }
        Network net = OnnxImporter.translate(v.name() + ".onnx", m, options);
        List<Node> integer = net.acceleratorLayers().stream().filter(n -> n.op() instanceof QuantisedLayer).toList();
        assertEquals(quantisedLayers, integer.size(), v + ": every layer the quantiser made integer runs its integers");
        Calibration cal = Calibrator.profile(net, calibration.subList(0, 2), "test");
        CheckReport report = ImportCheck.run(net, cal, checked, v.name(), "test");
        if (Boolean.getBoolean("debug")) {
            for (CheckReport.Entry e : report.tensors()) {
                System.out.println("TENSOR " + e.name() + " " + e.op() + " " + e.placement() + " float " + e.maxRelativeError()
                        + " fixed " + e.fixedPointRelativeError());
            }
        }
        for (CheckReport.Entry e : report.outputs()) {
            assertEquals(0.0, e.fixedPointRelativeError(), v + ": output " + e.name());
        }
        List<String> integerOutputs = integer.stream().map(Node::output).toList();
        int compared = 0;
        for (CheckReport.Entry e : report.tensors()) {
            if (integerOutputs.contains(e.name())) {
                assertEquals(0.0, e.fixedPointRelativeError(), v + ": layer output " + e.name());
                assertEquals(0.0, e.maxRelativeError(), v + ": the IR's integer layer " + e.name());
                compared++;
            }
        }
        System.out.printf("%s: %d integer layers, %d of their outputs and %d network outputs equal ONNX Runtime's%n",
                v, integer.size(), compared, report.outputs().size());
        // at threshold 0 the skipping designs compute the dense baseline's outputs (rule 7)
        Map<String, Tensor> dense = null;
        for (String arch : new String[] {"dadn", "cnv", "cnv2"}) {
            FixedExecutor ex = new FixedExecutor(net, cal, Accelerators.create(RunConfig.DEFAULT.withArch(arch),
                    MachineConfig.DEFAULT), 48);
            Map<String, Tensor> out = ex.run(checked.get(0), false).outputs();
            if (dense == null) {
                dense = out;
            } else {
                for (String o : out.keySet()) {
                    assertArrayEquals(dense.get(o).data(), out.get(o).data(), v + ": " + arch + " vs dadn, " + o);
                }
            }
        }
        if (shipped) {
            // reference and fast agree on every integer layer's statistics (shipped networks: references are slow)
            for (String arch : new String[] {"dadn", "cnv", "cnv2"}) {
                List<List<LayerStats>> both = new ArrayList<>();
                for (String impl : new String[] {"fast", "reference"}) {
                    RunConfig run = RunConfig.DEFAULT.withArch(arch).withImplementation(impl);
                    FixedExecutor ex = new FixedExecutor(net, cal, Accelerators.create(run, MachineConfig.DEFAULT), 48);
                    both.add(ex.run(checked.get(1), false).nodes().stream().filter(s -> s.hardware() != null)
                            .map(s -> s.hardware()).toList());
                }
                assertEquals(both.get(0), both.get(1), v + ": " + arch + " fast vs reference statistics");
            }
        }
    }
}
