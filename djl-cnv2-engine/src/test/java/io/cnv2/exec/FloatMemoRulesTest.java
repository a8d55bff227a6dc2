package io.cnv2.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cnv2.config.EnergyTable;
import io.cnv2.config.Json;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.Sample;
import io.cnv2.ir.Activation;
import io.cnv2.ir.Conv;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import io.cnv2.stats.PredictionRecord;
import io.cnv2.stats.RunReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link FloatMemo}: a sweep runs each image's float reference once and reports what evaluate reports. */
class FloatMemoRulesTest {
    private static final int IMAGES = 24;

    /** conv 2->16 3x3 -> relu -> conv 16->4 3x3 /2: 4 x 3 x 3 outputs, the class the argmax of 36. */
    private static Network net(long seed) {
        Random r = new Random(seed);
        Network.Builder b = Network.builder("memo").input("x", Shape.of(1, 2, 8, 8));
        b.node("c1", conv(r, 2, 16, 1), List.of("x"), "y1");
        b.node("r1", Activation.relu(), List.of("y1"), "z1");
        b.node("c2", conv(r, 16, 4, 2), List.of("z1"), "y2");
        return b.output("y2").build();
    }

    private static Conv conv(Random r, int c, int k, int stride) {
        float[] w = new float[k * c * 9];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.5f;
        }
        return new Conv(1, stride, stride, 0, 0, 0, 0, 1, 1, new Tensor(Shape.of(k, c, 3, 3), w), null);
    }

    private static List<Sample> samples() {
        Random r = new Random(5);
        List<Sample> s = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            float[] x = new float[2 * 64];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) r.nextGaussian();
            }
            s.add(new Sample(i, new Tensor(Shape.of(1, 2, 8, 8), x), r.nextInt(36), "image " + i));
        }
        return s;
    }

    private static Emulator emulator(Network net, List<Sample> samples) {
        var cal = Calibrator.profile(net, samples.stream().map(s -> Map.of("x", s.input())).toList(), "all");
        return Emulator.of(net, MachineConfig.DEFAULT, RunConfig.DEFAULT.withArch("cnv"), cal, EnergyTable.DEFAULT);
    }

    @Test
    void aSweepPointThroughTheMemoReportsWhatEvaluateReports() {
        List<Sample> samples = samples();
        Emulator base = emulator(net(1), samples);
        FloatMemo memo = new FloatMemo(base.network(), IMAGES);
        for (double t : new double[] {0, 0.3, 0.8}) { // the first point fills the memo, the others read it
            Emulator e = base.with(base.run().withThresholds(t, Map.of()));
            for (int[] range : new int[][] {{0, IMAGES}, {5, 17}}) {
                List<Sample> part = samples.subList(range[0], range[1]);
                // the same report but for the float-vs-16-bit output comparison, which a memo's later
                // points cannot make (they reuse classes, not outputs)
                assertEquals(withoutOutputs(Json.write(e.evaluate(part, "m", "d", null).report())),
                        withoutOutputs(Json.write(e.measure(part, range[0], memo, "m", "d"))), "threshold " + t);
            }
        }
    }

    private static String withoutOutputs(String json) {
        try {
            var node = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(json);
            node.remove("outputs");
            return node.toPrettyString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theFloatReferenceRunsOnlyForImagesTheMemoDoesNotHold() {
        List<Sample> samples = samples();
        Emulator e = emulator(net(1), samples);
        FloatMemo memo = new FloatMemo(e.network(), IMAGES);
        for (int i = 0; i < IMAGES; i += 2) {
            memo.remember(i, 35); // a class the float reference would not give every even image
        }
        RunReport r = e.measure(samples, 0, memo, "m", "d");
        List<PredictionRecord> evaluated = e.evaluate(samples, "m", "d", null).report().predictions();
        for (int i = 0; i < IMAGES; i++) {
            int expected = i % 2 == 0 ? 35 : evaluated.get(i).floatClass();
            assertEquals(expected, r.predictions().get(i).floatClass(), "image " + i);
            assertEquals(expected, memo.get(i), "image " + i + " is remembered");
            assertEquals(evaluated.get(i).fixedClass(), r.predictions().get(i).fixedClass(), "the accelerator always runs");
        }
    }

    @Test
    void aMemoOfAnotherNetworkIsRefused() {
        List<Sample> samples = samples();
        Emulator e = emulator(net(1), samples);
        FloatMemo other = new FloatMemo(net(1), IMAGES); // equal weights, another network object
        assertThrows(IllegalArgumentException.class, () -> e.measure(samples, 0, other, "m", "d"));
    }
}
