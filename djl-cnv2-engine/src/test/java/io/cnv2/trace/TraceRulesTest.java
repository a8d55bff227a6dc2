package io.cnv2.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.BadInputException;
import io.cnv2.config.EnergyTable;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.Sample;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.Emulator;
import io.cnv2.exec.SampleTaps;
import io.cnv2.fixed.Calibration;
import io.cnv2.ir.Activation;
import io.cnv2.ir.Conv;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import io.cnv2.potentials.LayerPotentials;
import io.cnv2.potentials.Potentials;
import io.cnv2.potentials.PotentialsReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Traces for DNNsim (CNV2-MODEL.md section 7, "Where DNNsim counts differently"), one test per rule. */
class TraceRulesTest {
    @TempDir
    Path dir;

    @Test
    void precisionTxtCarriesTheProfiledLayerPrecisionApUsesNotTheStorageFormat() throws Exception {
        Random rnd = new Random(7);
        Network.Builder b = Network.builder("two").input("x", Shape.of(1, 3, 8, 8));
        b.node("c1", conv(rnd, 3, 8, 1, 1, 1, 1, 1, 1, 1), List.of("x"), "y1");
        b.node("r1", Activation.relu(), List.of("y1"), "z1");
        b.node("c2", conv(rnd, 8, 4, 1, 1, 1, 1, 1, 1, 1), List.of("z1"), "y2");
        Network net = b.output("y2").build();
        // formats profiled on inputs about 100 times larger than the traced ones: the traced values
        // need several bits fewer than the 16 of the storage format
        Calibration cal = Calibrator.profile(net, samples(rnd, 8, 1f).stream().map(s -> Map.of("x", s.input()))
                .toList(), "t");
        Emulator emu = Emulator.of(net, MachineConfig.DEFAULT, RunConfig.DEFAULT.withArch("cnv"), cal,
                EnergyTable.DEFAULT);
        List<Sample> traced = samples(rnd, 3, 0.01f);
        TraceWriter w = new TraceWriter(dir, "two", emu.fixedExecutor(), emu.run(), 2);
        for (Sample s : traced) {
            w.add(new SampleTaps(s.index(), emu.step(s.input(), true).taps()));
        }
        TraceIndex index = w.finish();
        PotentialsReport ap = Potentials.characterize(emu, traced, "two", "random", null);
        List<String> lines = Files.readAllLines(dir.resolve("precision.txt"));
        String[] magnitude = lines.get(1).split(";");
        String[] fraction = lines.get(2).split(";");
        for (int i = 0; i < 2; i++) {
            LayerPotentials l = ap.layers().get(i);
            TraceIndex.Layer t = index.layers().get(i);
            assertEquals(t.inputFrac(), Integer.parseInt(fraction[i]), "the fraction is cnv2's: " + l.layer());
            assertEquals(l.activationPrecision(), Integer.parseInt(magnitude[i]) + Integer.parseInt(fraction[i]),
                    "magnitude + fraction = Ap's p_layer: " + l.layer());
            assertEquals(l.activationPrecision(), t.inputPrecision(), l.layer());
            assertTrue(l.activationPrecision() < 14, "not the 16-bit storage format: " + l.activationPrecision());
        }
    }

    @Test
    void modelCsvRefusesByNameEveryLayerItCannotDescribeBeforeWritingAnything() throws Exception {
        Random rnd = new Random(3);
        Network.Builder b = Network.builder("odd").input("x", Shape.of(1, 3, 8, 8));
        // conv(c, k, strideY, strideX, padTop, padLeft, padBottom, padRight, dilation), 3x3 kernels
        b.node("asym", conv(rnd, 3, 4, 1, 1, 0, 0, 1, 1, 1), List.of("x"), "y1"); // 8x8 -> 7x7
        b.node("strided", conv(rnd, 4, 4, 2, 1, 1, 1, 1, 1, 1), List.of("y1"), "y2"); // 7x7 -> 4x7
        b.node("dilated", conv(rnd, 4, 4, 1, 1, 2, 2, 2, 2, 2), List.of("y2"), "y3"); // 4x7 -> 4x7
        b.node("plain", conv(rnd, 4, 4, 1, 1, 1, 1, 1, 1, 1), List.of("y3"), "y4");
        Network net = b.output("y4").build();
        Calibration cal = Calibrator.profile(net, samples(rnd, 2, 1f).stream().map(s -> Map.of("x", s.input()))
                .toList(), "t");
        Emulator emu = Emulator.of(net, MachineConfig.DEFAULT, RunConfig.DEFAULT.withPreset("dnnsim"), cal,
                EnergyTable.DEFAULT);
        // an earlier complete trace in the folder must survive the refusal untouched
        Path old = dir.resolve("old");
        Files.createDirectories(old);
        Files.writeString(old.resolve("index.json"), "{\"earlier\": true}");
        BadInputException e = assertThrows(BadInputException.class,
                () -> new TraceWriter(old, "odd", emu.fixedExecutor(), emu.run(), 4));
        String m = e.getMessage();
        assertTrue(m.contains("layer asym has asymmetric padding (top 0, left 0, bottom 1, right 1)"), m);
        assertTrue(m.contains("layer strided has different y and x strides (2, 1)"), m);
        assertTrue(m.contains("layer dilated has dilation (2, 2)"), m);
        assertFalse(m.contains("plain"), m);
        assertTrue(m.contains("model.csv"), "says what DNNsim's format cannot express: " + m);
        assertEquals("{\"earlier\": true}", Files.readString(old.resolve("index.json")));
        assertEquals(1, Files.list(old).count(), "nothing written");
        Path fresh = dir.resolve("fresh");
        assertThrows(BadInputException.class, () -> new TraceWriter(fresh, "odd", emu.fixedExecutor(), emu.run(), 4));
        assertFalse(Files.exists(fresh), "not even the folder");
        // traces not asked for DNNsim are written, without model.csv, and the index says why
        Emulator plain = Emulator.of(net, MachineConfig.DEFAULT, RunConfig.DEFAULT, cal, EnergyTable.DEFAULT);
        Files.createDirectories(fresh);
        Files.writeString(fresh.resolve("model.csv"), "stale,conv,1,0\n");
        TraceWriter w = new TraceWriter(fresh, "odd", plain.fixedExecutor(), plain.run(), 4);
        Sample one = samples(rnd, 1, 1f).get(0);
        w.add(new SampleTaps(one.index(), plain.step(one.input(), true).taps()));
        TraceIndex index = w.finish();
        assertFalse(Files.exists(fresh.resolve("model.csv")), "no model.csv, not even an earlier one");
        assertTrue(index.modelCsv().startsWith("not written") && index.modelCsv().contains("layer asym"),
                index.modelCsv());
        assertTrue(Files.exists(fresh.resolve("index.json")));
    }

    private static Conv conv(Random rnd, int c, int k, int strideY, int strideX, int padTop, int padLeft,
                             int padBottom, int padRight, int dilation) {
        float[] w = new float[k * c * 9];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian() * 0.3f;
        }
        return new Conv(1, strideY, strideX, padTop, padLeft, padBottom, padRight, dilation, dilation,
                new Tensor(Shape.of(k, c, 3, 3), w), null);
    }

    private static List<Sample> samples(Random rnd, int n, float scale) {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] x = new float[3 * 64];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) rnd.nextGaussian() * scale;
            }
            samples.add(new Sample(i, new Tensor(Shape.of(1, 3, 8, 8), x), -1, "r" + i));
        }
        return samples;
    }
}
