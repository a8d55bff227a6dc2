package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.Emulator;
import io.cnv2.exec.FloatOutputs;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerators;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Float work once (issue 23): the float pass that profiles an image's formats also yields its
 * outputs, and a run over the same images reuses them. The run's report and predictions are the
 * same as when every image runs the float reference again, and ONNX Runtime is asked once per image.
 */
class FloatWorkOnceTest {
    @Test
    void calibrationAndEvaluationShareEachImagesFloatPass() {
        Network loaded = ModelLoader.load(ShippedModels.fashionMnistOnnx());
        CountingReference ort = new CountingReference(loaded.floatReference().orElseThrow());
        Network net = loaded.withFloatReference(ort);
        List<Sample> samples = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(24);
        List<Map<String, Tensor>> inputs = samples.subList(0, 16).stream().map(s -> Map.of("image", s.input())).toList();
        FloatOutputs known = new FloatOutputs(samples);
        Calibration cal = Calibrator.profile(net, inputs, "first 16", known);
        assertEquals(16, ort.images.get(), "one float pass per profiled image");
        assertEquals(16, known.size(), "its outputs kept");
        RunConfig run = RunConfig.DEFAULT.withArch("cnv2");
        Emulator emu = new Emulator(net, MachineConfig.DEFAULT, run, cal, Accelerators.create(run, MachineConfig.DEFAULT));
        Emulator.Evaluation once = emu.evaluate(samples, "m", "d", null, known);
        assertEquals(16 + 8, ort.images.get(), "only the 8 images calibration did not see run the float reference");
        Emulator.Evaluation twice = emu.evaluate(samples, "m", "d", null);
        assertEquals(16 + 8 + 24, ort.images.get());
        assertEquals(twice.report().totals(), once.report().totals());
        assertEquals(twice.report().accuracy(), once.report().accuracy());
        assertEquals(twice.report().outputs(), once.report().outputs());
        for (int i = 0; i < samples.size(); i++) {
            assertEquals(twice.predictions().get(i).floatClass(), once.predictions().get(i).floatClass());
            assertEquals(twice.predictions().get(i).floatOutput(), once.predictions().get(i).floatOutput(), "image " + i);
        }
        // another list of the same images is not covered: nothing is taken from the memo
        Emulator.Evaluation other = emu.evaluate(List.copyOf(samples), "m", "d", null, known);
        assertEquals(16 + 8 + 24 + 24, ort.images.get());
        assertEquals(twice.report().totals(), other.report().totals());
    }
}
