package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.config.ConfigFiles;
import io.cnv2.config.Json;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.exec.Emulator;
import io.cnv2.exec.FixedExecutor;
import io.cnv2.fixed.QTensor;
import io.cnv2.hw.Accelerators;
import io.cnv2.hw.QLayer;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.models.ShippedModels;
import io.cnv2.trace.Npy;
import io.cnv2.trace.TraceIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cnv2 trace}: the files DNNsim and NumPy read, holding exactly what the accelerator ran. */
class TraceCommandTest {
    @TempDir
    Path dir;

    @Test
    void tracesHoldTheActivationsAndWeightsAsRunInDnnsimLayout() throws Exception {
        Path cal = ShippedModels.fashionMnistDir().resolve("fashion_cnn.calibration.json");
        CliTest.Outcome o = CliTest.cli("trace", "--limit", "20", "--batch-size", "8", "--calibration", cal.toString(),
                "--arch", "cnv", "--threshold", "0.05", "--out", dir.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("traced 20 image(s)"), o.out());

        TraceIndex index = Json.MAPPER.readValue(dir.resolve("index.json").toFile(), TraceIndex.class);
        assertEquals(20, index.images());
        assertEquals(3, index.batches());

        // the same images through the core, tensors kept
        Network net = ModelLoader.load(ShippedModels.fashionMnistOnnx());
        RunConfig run = RunConfig.DEFAULT.withArch("cnv").withThresholds(0.05, null);
        Emulator emu = new Emulator(net, MachineConfig.DEFAULT, run, ConfigFiles.loadCalibration(cal),
                Accelerators.create(run, MachineConfig.DEFAULT));
        FixedExecutor exec = emu.fixedExecutor();
        List<Sample> samples = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "s").load(20);
        List<Node> layers = net.acceleratorLayers();
        assertEquals(layers.size(), index.layers().size());
        String csv = Files.readString(dir.resolve("model.csv"));
        for (int li = 0; li < layers.size(); li++) {
            Node n = layers.get(li);
            TraceIndex.Layer entry = index.layers().get(li);
            assertEquals(n.name(), entry.name());
            assertFalse(entry.trace().contains("/"), entry.trace());
            assertEquals(List.of("act-" + entry.trace() + "-0.npy", "act-" + entry.trace() + "-1.npy",
                    "act-" + entry.trace() + "-2.npy"), entry.activationFiles());
            assertTrue(csv.lines().anyMatch(l -> l.startsWith(entry.trace() + "," + entry.kind() + ",")), csv);

            QLayer q = exec.layers().layer(n.name());
            Npy.Array w = Npy.read(dir.resolve(entry.weightFile()));
            assertEquals(q.weights().length, w.data().length);
            for (int i = 0; i < w.data().length; i++) {
                assertEquals(q.weights()[i] * Math.scalb(1.0, -q.weightFrac()), w.data()[i], 0.0, "weight " + i);
            }
            int at = 0;
            for (int b = 0; b < 3; b++) {
                Npy.Array a = Npy.read(dir.resolve(entry.activationFiles().get(b)));
                int count = b < 2 ? 8 : 4;
                assertEquals(count, a.shape()[0], "images in batch " + b);
                int per = a.data().length / count;
                for (int i = 0; i < count; i++, at++) {
                    FixedExecutor.Result r = exec.run(Map.of(net.inputs().get(0).name(), samples.get(at).input()), true);
                    QTensor x = r.tensors().get(n.inputs().get(0));
                    float[] want = x.dequantize().data();
                    float[] got = java.util.Arrays.copyOfRange(a.data(), i * per, (i + 1) * per);
                    assertArrayEquals(want, got, n.name() + " image " + at);
                }
            }
            assertTrue(entry.ineffectualFraction() >= entry.zeroFraction());
            assertEquals(0.05, entry.threshold());
        }
        assertEquals(5, Files.readAllLines(dir.resolve("precision.txt")).size());
        assertEquals("real", index.values());
        pythonReadsTheTraceIfNumpyIsHere(index);
    }

    @Test
    void integerTracesHoldTheIntegersTheEmulatorUsed() throws Exception {
        Path cal = ShippedModels.fashionMnistDir().resolve("fashion_cnn.calibration.json");
        CliTest.Outcome o = CliTest.cli("trace", "--limit", "4", "--integers", "--calibration", cal.toString(),
                "--out", dir.toString());
        assertEquals(0, o.code(), o.err());
        TraceIndex index = Json.MAPPER.readValue(dir.resolve("index.json").toFile(), TraceIndex.class);
        assertEquals("integers", index.values());
        Network net = ModelLoader.load(ShippedModels.fashionMnistOnnx());
        Emulator emu = new Emulator(net, MachineConfig.DEFAULT, RunConfig.DEFAULT, ConfigFiles.loadCalibration(cal),
                Accelerators.create(RunConfig.DEFAULT, MachineConfig.DEFAULT));
        List<Sample> samples = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "s").load(4);
        for (int li = 0; li < index.layers().size(); li++) {
            TraceIndex.Layer entry = index.layers().get(li);
            QLayer q = emu.fixedExecutor().layers().layer(entry.name());
            float[] w = Npy.read(dir.resolve(entry.weightFile())).data();
            for (int i = 0; i < w.length; i++) {
                assertEquals(q.weights()[i], w[i], 0.0, "weight " + i);
            }
            Npy.Array a = Npy.read(dir.resolve(entry.activationFiles().get(0)));
            int per = a.data().length / 4;
            for (int i = 0; i < 4; i++) {
                short[] want = emu.step(samples.get(i).input(), true).taps().get(li).input().data();
                for (int j = 0; j < per; j++) {
                    assertEquals(want[j], a.data()[i * per + j], 0.0, entry.name() + " image " + i + " value " + j);
                }
            }
        }
    }

    /** When NumPy is installed, numpy.load must read every file with the shapes the index gives. */
    private void pythonReadsTheTraceIfNumpyIsHere(TraceIndex index) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        boolean required = System.getenv("CNV2_REQUIRE_MODELS") != null; // CI installs python3-numpy
        if (!Files.isExecutable(python)) {
            assertTrue(!required, "CI must have /usr/bin/python3 with NumPy");
            return;
        }
        Process check = new ProcessBuilder(python.toString(), "-c", "import numpy").start();
        if (!check.waitFor(60, TimeUnit.SECONDS) || check.exitValue() != 0) {
            assertTrue(!required, "CI must have NumPy (python3-numpy)");
            return;
        }
        String script = """
                import json, sys, numpy as np
                d = sys.argv[1]
                ix = json.load(open(d + '/index.json'))
                for l in ix['layers']:
                    w = np.load(d + '/' + l['weightFile'])
                    assert w.dtype == np.float32 and list(w.shape) == l['weightShape'], (l['name'], w.shape)
                    n = 0
                    for f in l['activationFiles']:
                        a = np.load(d + '/' + f)
                        assert a.dtype == np.float32 and list(a.shape[1:]) == l['inputShape'][1:], (f, a.shape)
                        n += a.shape[0]
                    assert n == ix['images']
                print('numpy ok')
                """;
        Process p = new ProcessBuilder(python.toString(), "-c", script, dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("numpy ok"), out);
    }

    @Test
    void aFileWhereTheFolderShouldBeIsAUserError() throws Exception {
        Path f = dir.resolve("file");
        Files.writeString(f, "x");
        CliTest.Outcome o = CliTest.cli("trace", "--limit", "2", "--out", f.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("--out") && o.err().contains("is a file"), o.err());
    }
}
