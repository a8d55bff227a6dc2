package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.cnv2.BadInputException;
import io.cnv2.exec.FloatExecutor;
import io.cnv2.importer.ImportOptions;
import io.cnv2.ir.HostGraph;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX's own operator conformance cases (Debian's libonnx-testdata): every node test is imported
 * through {@link OnnxImporter} with its first input fed at the shape the case gives and its other
 * inputs made initializers (weights known at import, so that conv and matrix products can be
 * claimed by the accelerator), run by cnv2's float execution of the placed graph, and every output
 * is compared with the one ONNX ships. Each case is counted by where its nodes ran: all in cnv2's IR
 * (its own kernels: accelerator layers and fixed-point host ops), or partly on the host in float
 * (ONNX Runtime). A case cnv2 imports must never compute a wrong answer; a case it cannot import
 * must be refused with an error naming the file.
 */
class OnnxConformanceTest {
    static final Path NODE_TESTS = Path.of("/usr/share/libonnx-testdata/data/node");

    @TempDir
    Path tmp;

    @Test
    void everyNodeCaseImportsAndMatchesOnnxsExpectedOutputs() throws Exception {
        boolean have = Files.isDirectory(NODE_TESTS);
        if (System.getenv("CNV2_REQUIRE_MODELS") == null) {
            assumeTrue(have, "Debian's libonnx-testdata is not installed");
        }
        List<String> inIr = new ArrayList<>();
        List<String> onHost = new ArrayList<>();
        Map<String, String> rejected = new TreeMap<>();
        List<String> notApplicable = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        List<String> ortDiffers = new ArrayList<>();
        List<Path> cases;
        try (Stream<Path> s = Files.list(NODE_TESTS)) {
            cases = s.filter(p -> Files.isRegularFile(p.resolve("test_data_set_0/input_0.pb"))
                    && Files.isRegularFile(p.resolve("model.onnx"))).sorted().toList();
        }
        for (Path dir : cases) {
            String name = dir.getFileName().toString();
            if (RANDOM.stream().anyMatch(name::startsWith)) {
                notApplicable.add(name);
                continue;
            }
            ModelProto model;
            List<TensorProto> inputs = new ArrayList<>();
            List<TensorProto> outputs = new ArrayList<>();
            try {
                model = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
                Path data = dir.resolve("test_data_set_0");
                for (int i = 0; Files.exists(data.resolve("input_" + i + ".pb")); i++) {
                    inputs.add(TensorProto.parseFrom(Files.readAllBytes(data.resolve("input_" + i + ".pb"))));
                }
                for (int i = 0; Files.exists(data.resolve("output_" + i + ".pb")); i++) {
                    outputs.add(TensorProto.parseFrom(Files.readAllBytes(data.resolve("output_" + i + ".pb"))));
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                notApplicable.add(name); // sequences, optionals: not tensors
                continue;
            }
            GraphProto.Builder g = model.getGraph().toBuilder();
            List<ValueInfoProto> graphInputs = model.getGraph().getInputList();
            if (graphInputs.size() < inputs.size() || outputs.isEmpty() || inputs.get(0).getDimsCount() == 0
                    || !OrtTensors.feedable(inputs.get(0).getDataType()) || outputs.stream().anyMatch(
                            o -> !OrtTensors.carried(o.getDataType()) || o.getDimsCount() == 0 && o.getDataType() == 8)) {
                notApplicable.add(name);
                continue;
            }
            for (int i = 1; i < inputs.size(); i++) {
                g.addInitializer(inputs.get(i).toBuilder().setName(graphInputs.get(i).getName()));
            }
            Path file = tmp.resolve(name + ".onnx");
            Files.write(file, model.toBuilder().setGraph(g).build().toByteArray());
            String in0 = graphInputs.get(0).getName();
            Tensor x;
            List<Tensor> expect = new ArrayList<>();
            try {
                x = Tensors.read(inputs.get(0).toBuilder().setName(in0).build()).tensor();
                for (TensorProto o : outputs) {
                    expect.add(Tensors.read(o).tensor());
                }
            } catch (IllegalArgumentException e) {
                notApplicable.add(name);
                continue;
            }
            Network net;
            try {
                net = new OnnxImporter().load(file, new ImportOptions(Map.of(in0, x.shape())));
            } catch (BadInputException e) {
                assertTrue(e.getMessage().contains(file.toString()) || e.getMessage().contains(in0),
                        "error names the file: " + e.getMessage());
                assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
                rejected.put(name, e.getMessage().replace("model file " + file + ": ", ""));
                continue;
            }
            Map<String, Tensor> got;
            try {
                got = new FloatExecutor(net).run(Map.of(in0, x));
            } catch (RuntimeException e) {
                wrong.add(name + " (failed to run: " + e.getMessage() + ")");
                continue;
            }
            double worst = 0;
            boolean shapes = true;
            for (int k = 0; k < expect.size() && k < net.outputs().size(); k++) {
                Tensor y = got.get(net.outputs().get(k));
                shapes &= y.shape().size() == expect.get(k).shape().size();
                if (shapes) {
                    worst = Math.max(worst, error(y, expect.get(k)));
                }
            }
            if (shapes && worst <= 1e-4 && net.outputs().size() == expect.size()) {
                (net.nodes().stream().anyMatch(n -> n.op() instanceof HostGraph) ? onHost : inIr).add(name);
            } else if (ortAgrees(file, in0, x, net, got)) {
                ortDiffers.add(name); // ONNX Runtime, the float authority, computes what cnv2 computes
            } else {
                wrong.add(name + " (relative error " + worst + ", outputs " + net.outputs().size() + " vs "
                        + expect.size() + ")");
            }
        }
        System.out.printf("ONNX node conformance: %d cases; %d pass in cnv2's IR, %d pass with nodes on the host "
                        + "(ONNX Runtime), %d refused with an error, %d not applicable (sequences, strings, scalars), "
                        + "%d where ONNX Runtime itself gives another answer (cnv2 agrees with it), %d wrong%n",
                cases.size(), inIr.size(), onHost.size(), rejected.size(), notApplicable.size(), ortDiffers.size(),
                wrong.size());
        System.out.println("  ONNX Runtime differs from the expected output: " + ortDiffers);
        System.out.println("  in cnv2's IR: " + inIr);
        rejected.forEach((k, v) -> System.out.println("  refused " + k + ": " + v));
        wrong.forEach(w -> System.out.println("  WRONG " + w));
        assertEquals(List.of(), wrong, "imported but computed wrongly");
        assertTrue(inIr.size() >= 125, "cases cnv2's own kernels pass: " + inIr.size());
        for (String must : List.of("test_conv_with_strides_and_asymmetric_padding", "test_conv_with_autopad_same",
                "test_maxpool_2d_ceil", "test_maxpool_2d_same_lower", "test_averagepool_2d_pads_count_include_pad",
                "test_gemm_beta", "test_gemm_transposeB", "test_convtranspose_pads",
                "test_matmul_2d", "test_hardswish", "test_batchnorm_epsilon", "test_flatten_axis2",
                "test_clip_default_min")) {
            assertTrue(inIr.contains(must), must + " passes in cnv2's IR");
        }
    }

    /** Ops whose outputs are random draws: no expected output to compare with. */
    private static final List<String> RANDOM = List.of("test_bernoulli", "test_training_dropout", "test_random");

    /** True when ONNX Runtime, running the case file itself, gives what cnv2 gave (to 1e-6). */
    private static boolean ortAgrees(Path file, String in0, Tensor x, Network net, Map<String, Tensor> got) {
        try (OrtReference ort = new OrtReference(file)) {
            Map<String, Tensor> ref = ort.run(Map.of(in0, x));
            for (String o : net.outputs()) {
                Tensor r = ref.get(o);
                if (r == null || r.shape().size() != got.get(o).shape().size() || error(got.get(o), r) > 1e-6) {
                    return false;
                }
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * max|got - expect| / max|expect| (as {@link TensorCompare}), with NaNs equal to NaNs and
     * infinities to themselves (several cases expect them).
     */
    private static double error(Tensor got, Tensor expect) {
        double max = 0;
        double diff = 0;
        for (int i = 0; i < expect.data().length; i++) {
            float e = expect.data()[i];
            float y = got.data()[i];
            if (Float.isNaN(e) || Float.isInfinite(e)) {
                if (!(Float.isNaN(e) && Float.isNaN(y)) && e != y) {
                    return Double.POSITIVE_INFINITY;
                }
                continue;
            }
            max = Math.max(max, Math.abs(e));
            diff = Math.max(diff, Math.abs(e - y));
        }
        return diff == 0 ? 0 : diff / Math.max(max, 1e-6);
    }
}
