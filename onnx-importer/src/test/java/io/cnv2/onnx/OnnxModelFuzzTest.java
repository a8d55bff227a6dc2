package io.cnv2.onnx;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cnv2.BadInputException;
import io.cnv2.config.EnergyTable;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.Emulator;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Coverage-guided fuzzing of the ONNX importer (issue 10), seeded with small real models
 * (conv/pool/gemm, a BatchNorm residual with softmax, ConvTranspose/Resize/Concat, an LSTM feeding
 * a GRU). The rule:
 * any file either imports or fails with the project's {@link BadInputException}; a model that
 * imports and is small enough to run is run once, float and emulated (Cnvlutin), and must run or
 * fail the same clear way. Any other exception, a hang or running out of memory is a finding.
 */
class OnnxModelFuzzTest {
    /** Models above this many input values are imported but not run, so one input stays fast. */
    private static final long RUN_LIMIT = 1 << 16;

    @FuzzTest(maxDuration = "60s")
    void onnxModel(byte[] data) throws IOException {
        Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "cnv2-onnx-fuzz-"
                + ProcessHandle.current().pid()));
        Path file = dir.resolve("model.onnx");
        try {
            Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Network net = ModelLoader.load(file);
            Shape shape = net.inputs().get(0).shape();
            if (shape.size() > RUN_LIMIT) {
                return;
            }
            float[] x = new float[(int) shape.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i % 7) * 0.25f - 0.5f;
            }
            Tensor in = new Tensor(shape, x);
            String name = net.inputs().get(0).name();
            Emulator emu = Emulator.of(net, MachineConfig.DEFAULT, RunConfig.DEFAULT.withArch("cnv"),
                    Calibrator.profile(net, List.of(Map.of(name, in)), "fuzz"), EnergyTable.DEFAULT);
            emu.step(in);
        } catch (BadInputException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                throw new AssertionError("a user error without a message", expected);
            }
        }
    }
}
