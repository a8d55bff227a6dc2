package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.cnv2.BadInputException;
import io.cnv2.exec.FloatExecutor;
import io.cnv2.importer.ImportOptions;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX's own operator conformance cases (Debian's libonnx-testdata): every node test of an op
 * cnv2 imports is loaded through {@link OnnxImporter}, run by the float reference and compared
 * with the expected output ONNX ships. Inputs after the first become initializers (cnv2 runs
 * weights known at import); a batched first input runs sample by sample (the IR is per sample)
 * and cases whose constant operands carry the batch do not apply; cases the importer rejects must be rejected with a clear error, never
 * imported wrongly.
 */
class OnnxConformanceTest {
    static final Path NODE_TESTS = Path.of("/usr/share/libonnx-testdata/data/node");
    private static final List<String> OPS = List.of("conv_", "maxpool_2d", "averagepool_2d", "globalaveragepool",
            "relu", "add", "sub", "mul", "div", "gemm", "matmul_2d", "softmax", "concat", "reshape", "flatten",
            "squeeze", "unsqueeze", "clip", "sigmoid", "tanh", "hardsigmoid", "hardswish", "batchnorm", "identity",
            "dropout", "shape", "gather_", "slice", "convtranspose", "resize_", "upsample_", "transpose_",
            "reduce_mean_", "pow", "sqrt", "matmul_3d", "matmul_4d", "lstm_", "gru_", "layer_normalization_");

    @TempDir
    Path tmp;

    /**
     * LayerNormalization's cases also ask for its Mean and InvStdDev outputs (training-time
     * values cnv2 does not compute); they are dropped, and output 0 (Y) is compared as in every case.
     */
    private static void trainingOutputsDropped(GraphProto.Builder g) {
        java.util.Set<String> dropped = new java.util.HashSet<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            var n = g.getNode(i);
            if (n.getOpType().equals("LayerNormalization") && n.getOutputCount() > 1) {
                dropped.addAll(n.getOutputList().subList(1, n.getOutputCount()));
                g.setNode(i, n.toBuilder().clearOutput().addOutput(n.getOutput(0)));
            }
        }
        for (int i = g.getOutputCount() - 1; i >= 0; i--) {
            if (dropped.contains(g.getOutput(i).getName())) {
                g.removeOutput(i);
            }
        }
    }

    /** Sample n of a batch: [1, ...]. */
    private static Tensor sample(Tensor x, int n) {
        int[] d = x.shape().dims();
        int per = x.data().length / d[0];
        d[0] = 1;
        return new Tensor(new io.cnv2.ir.Shape(d), java.util.Arrays.copyOfRange(x.data(), n * per, (n + 1) * per));
    }

    /** Runs each sample of the batch on its own (the IR is per sample) and stacks the outputs. */
    private static Tensor perSample(Network net, Tensor x) {
        FloatExecutor exec = new FloatExecutor(net);
        int n = x.shape().dim(0);
        float[] all = null;
        int per = 0;
        for (int i = 0; i < n; i++) {
            Tensor y = exec.run(Map.of(net.inputs().get(0).name(), sample(x, i))).get(net.outputs().get(0));
            if (all == null) {
                per = y.data().length;
                all = new float[per * n];
            }
            System.arraycopy(y.data(), 0, all, i * per, per);
        }
        return new Tensor(io.cnv2.ir.Shape.of(all.length), all);
    }

    @Test
    void supportedOpsMatchOnnxsExpectedOutputs() throws Exception {
        boolean have = Files.isDirectory(NODE_TESTS);
        if (System.getenv("CNV2_REQUIRE_MODELS") == null) {
            assumeTrue(have, "Debian's libonnx-testdata is not installed");
        }
        List<String> passed = new ArrayList<>();
        List<String> rejected = new ArrayList<>();
        List<String> notApplicable = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        List<Path> cases;
        try (Stream<Path> s = Files.list(NODE_TESTS)) {
            cases = s.filter(p -> OPS.stream().anyMatch(op -> p.getFileName().toString().startsWith("test_" + op)))
                    .filter(p -> Files.isRegularFile(p.resolve("test_data_set_0/input_0.pb")))
                    .sorted().toList();
        }
        for (Path dir : cases) {
            String name = dir.getFileName().toString();
            ModelProto model = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
            GraphProto.Builder g = model.getGraph().toBuilder();
            Path data = dir.resolve("test_data_set_0");
            TensorProto in0 = TensorProto.parseFrom(Files.readAllBytes(data.resolve("input_0.pb")));
            boolean batched = true;
            // only element-wise ops and concat broadcast a constant operand against the batch
            boolean broadcasts = model.getGraph().getNodeList().stream()
                    .anyMatch(n -> List.of("Add", "Sub", "Mul", "Div", "Pow", "Concat").contains(n.getOpType()));
            for (int i = 1; Files.exists(data.resolve("input_" + i + ".pb")); i++) {
                TensorProto t = TensorProto.parseFrom(Files.readAllBytes(data.resolve("input_" + i + ".pb")));
                String inputName = model.getGraph().getInput(i).getName();
                g.addInitializer(t.toBuilder().setName(inputName));
                // a constant operand with its own batch dimension cannot be split per sample
                batched &= !broadcasts || t.getDimsCount() < in0.getDimsCount() || t.getDims(0) == 1;
            }
            if (in0.getDimsCount() < 2 || in0.getDataType() != Tensors.FLOAT || (in0.getDims(0) != 1 && !batched)) {
                notApplicable.add(name);
                continue;
            }
            trainingOutputsDropped(g);
            Path file = tmp.resolve(name + ".onnx");
            Files.write(file, model.toBuilder().setGraph(g).build().toByteArray());
            Network net;
            try {
                net = new OnnxImporter().load(file, ImportOptions.DEFAULT);
                if (net.outputs().isEmpty() || !net.inputs().get(0).shape().equals(sample(Tensors.read(in0).tensor(), 0)
                        .shape())) {
                    throw new AssertionError(name + ": imported input shape " + net.inputs().get(0).shape());
                }
            } catch (BadInputException e) {
                assertTrue(e.getMessage().contains(file.toString()), "error names the file: " + e.getMessage());
                rejected.add(name + ": " + e.getMessage().replace("model file " + file + ": ", ""));
                continue;
            }
            Tensor x = Tensors.read(in0).tensor();
            Tensor expect = Tensors.read(TensorProto.parseFrom(Files.readAllBytes(data.resolve("output_0.pb"))))
                    .tensor();
            Tensor got = perSample(net, x);
            double err = TensorCompare.relativeError(got, expect);
            if (got.shape().size() == expect.shape().size() && err <= 1e-4) {
                passed.add(name);
            } else {
                wrong.add(name + " (relative error " + err + ", shape " + got.shape() + " vs " + expect.shape() + ")");
            }
        }
        System.out.printf("ONNX node conformance: %d passed, %d rejected with an error, %d not applicable (batch "
                + "operands or not float)%n", passed.size(), rejected.size(), notApplicable.size());
        System.out.println("  passed " + passed);
        rejected.forEach(r -> System.out.println("  rejected " + r));
        assertEquals(List.of(), wrong, "imported but computed wrongly");
        assertTrue(passed.size() >= 75, "conformance cases passed: " + passed);
        for (String must : List.of("test_conv_with_strides_and_asymmetric_padding", "test_conv_with_autopad_same",
                "test_maxpool_2d_ceil", "test_maxpool_2d_same_lower", "test_averagepool_2d_pads_count_include_pad",
                "test_gemm_beta", "test_lstm_batchwise", "test_gru_batchwise", "test_gemm_transposeB", "test_matmul_2d", "test_hardswish", "test_batchnorm_epsilon", "test_flatten_axis2", "test_clip_default_min")) {
            assertTrue(passed.contains(must), must + " passes");
        }
    }
}
