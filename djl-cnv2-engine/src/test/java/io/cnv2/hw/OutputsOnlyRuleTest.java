package io.cnv2.hw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.Affine;
import io.cnv2.fixed.IntType;
import io.cnv2.fixed.IntegerOutput;
import io.cnv2.fixed.QTensor;
import io.cnv2.hw.design.DaDianNaoFast;
import io.cnv2.hw.design.DeltaCnvlutin;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * CNV2-MODEL.md section 2, rule 7 (skipping an ineffectual activation is the same as using 0) as
 * {@link OutputsOnly} uses it: every fast design's full run of a layer (cycles, memory, encodings,
 * weight skipping, Bit-Tactical's schedule) has exactly the outputs, saturations and int32 sums of
 * the output stage on the exact window sums of the input with the layer's ineffectual activations
 * zeroed. Random layers, inputs, thresholds (global, per layer, dense layers) and quantised layers.
 */
class OutputsOnlyRuleTest {
    private static final MachineConfig M = MachineConfig.DEFAULT;
    /** A small machine: several passes and partial bricks on tiny layers. */
    private static final MachineConfig SMALL = new MachineConfig(2, 3, 4, 16, 2, 64, 32, 1 << 20, 1 << 20, 980);
    private static final List<String> WEIGHT_SKIPS = List.of("none", "filter-lanes", "lookahead", "lookahead(1,0)",
            "lookahead(3,8,T)", "lookahead(2,4,L)");
    private static final List<String> ENCODINGS = List.of("raw", "zfnaf", "roe", "viai", "compressed-viai",
            "compressed-zfnaf");

    /**
     * A random run of a random design: arch, timing, encoding, detection, weight skipping, and a
     * threshold below {@code span} real units (global, this layer's own, or this layer listed dense).
     */
    private static RunConfig randomRun(Random r, String layer, boolean small, double span) {
        String arch = List.of("dadn", "cnv", "cnv2").get(r.nextInt(3));
        String skip = WEIGHT_SKIPS.get(r.nextInt(WEIGHT_SKIPS.size()));
        // Bit-Tactical's schedule is timed under the ideal profile only
        boolean ideal = small || skip.startsWith("lookahead") || r.nextBoolean();
        RunConfig run = RunConfig.DEFAULT.withArch(arch).withTiming(ideal ? "ideal" : "isca2016")
                .withCnv2(ENCODINGS.get(r.nextInt(ENCODINGS.size())), r.nextBoolean() ? "output" : "fetch", skip)
                .withLaneSync(r.nextInt(4) == 0 ? "window" : "step");
        double t = r.nextInt(5) == 0 ? 0 : r.nextDouble() * span;
        return switch (r.nextInt(4)) {
            case 0 -> run.withThresholds(0, Map.of(layer, t)); // this layer's own threshold
            case 1 -> run.withThresholds(t, null).withDenseLayers(List.of(layer)); // listed dense: exact zeros only
            default -> run.withThresholds(t, null);
        };
    }

    private static void assertSameOutputs(LayerRun full, OutputsOnly.Outputs only, String what) {
        assertEquals(full.output(), only.output(), what);
        assertEquals(full.stats().outputSaturations(), only.saturations(), "saturations, " + what);
        assertArrayEquals(full.accumulators(), only.accumulators(), "int32 sums, " + what);
    }

    @Test
    void everyFastDesignsOutputsAreTheOutputStageOnTheThresholdZeroedInputOnRandomLayers() {
        Random r = new Random(723);
        int thresholdsMattered = 0;
        int saturated = 0;
        for (int i = 0; i < 360; i++) {
            boolean small = i % 4 == 3;
            MachineConfig m = small ? SMALL : M;
            RandomLayers.Case c = pruned(r, RandomLayers.next(r, i));
            // thresholds up to half the 16-bit range: they cut from a few to half of the activations
            RunConfig run = randomRun(r, c.layer().name(), small, 16384 * c.layer().inputUnit());
            Accelerator full = Accelerators.create(run, m);
            OutputsOnly only = OutputsOnly.of(full, m.accumulatorBits()).orElseThrow();
            String what = "case " + i + ": " + run.arch() + " " + run.weightSkip() + " " + run.timing() + " "
                    + c.layer().geometry() + " " + only.threshold(c.layer());
            LayerRun f = full.run(c.layer(), c.input());
            OutputsOnly.Outputs o = only.run(c.layer(), c.input());
            assertSameOutputs(f, o, what);
            // the thresholds resolved up front (as FixedExecutor does) are the design's own
            assertSameOutputs(f, only.resolving(List.of(c.layer())).run(c.layer(), c.input()), "resolved, " + what);
            saturated += o.saturations() > 0 ? 1 : 0;
            // the check has teeth: where the threshold zeroes activations, the dense outputs (thresholds
            // ignored) are other bits, so an outputs-only path that ignored them would fail above
            if (!dense(m, c.layer(), c.input()).output().equals(f.output())) {
                thresholdsMattered++;
            }
        }
        assertTrue(thresholdsMattered > 100, "thresholds change the outputs of many cases: " + thresholdsMattered);
        assertTrue(saturated > 20, "outputs saturate now and then: " + saturated);
    }

    @Test
    void quantisedLayersGiveTheModelsIntegersAndInt32SumsByTheSameRule() {
        Random r = new Random(2016);
        int thresholdsMattered = 0;
        int raw = 0;
        for (int i = 0; i < 240; i++) {
            boolean small = i % 4 == 3;
            MachineConfig m = small ? SMALL : M;
            QuantisedCase c = quantised(r, i);
            RunConfig run = randomRun(r, c.layer().name(), small, 128 * c.layer().inputUnit());
            Accelerator full = Accelerators.create(run, m);
            OutputsOnly only = OutputsOnly.of(full, m.accumulatorBits()).orElseThrow();
            String what = "case " + i + ": " + run.arch() + " " + run.weightSkip() + " " + c.layer().integer().describe();
            LayerRun f = full.run(c.layer(), c.input());
            OutputsOnly.Outputs o = only.run(c.layer(), c.input());
            assertSameOutputs(f, o, what);
            raw += c.layer().integer().isRaw() ? 1 : 0;
            LayerRun dense = dense(m, c.layer(), c.input());
            if (!dense.output().equals(f.output()) || !java.util.Arrays.equals(dense.accumulators(), f.accumulators())) {
                thresholdsMattered++;
            }
        }
        assertTrue(raw > 40, "raw int32 layers (ConvInteger, MatMulInteger) are among the cases: " + raw);
        assertTrue(thresholdsMattered > 60, "thresholds change quantised outputs too: " + thresholdsMattered);
    }

    @Test
    void designsWhoseOutputsAreNotRuleSevensByConstructionRunInFull() {
        RunConfig cnv = RunConfig.DEFAULT.withArch("cnv");
        for (String arch : List.of("dadn", "cnv", "cnv2")) {
            RunConfig run = cnv.withArch(arch);
            assertTrue(OutputsOnly.of(Accelerators.create(run, M), M.accumulatorBits()).isPresent(), arch + " fast");
            assertTrue(OutputsOnly.of(Accelerators.create(run.withImplementation("reference"), M),
                    M.accumulatorBits()).isEmpty(), arch + " reference runs literally");
        }
        // temporal deltas hold back small deltas: a layer's input is not its frame
        assertTrue(OutputsOnly.of(new DeltaCnvlutin(M, cnv, 0.1), M.accumulatorBits()).isEmpty());
    }

    /** The dense baseline: every activation used, whatever the run's thresholds (what ignoring them gives). */
    private static LayerRun dense(MachineConfig m, QLayer layer, QTensor input) {
        return new DaDianNaoFast(m).run(layer, input);
    }

    /** {@code c} with a random share of its weights zero, so weight skipping has work to skip. */
    private static RandomLayers.Case pruned(Random r, RandomLayers.Case c) {
        double share = r.nextDouble() * 0.9;
        short[] w = c.layer().weights().clone();
        for (int i = 0; i < w.length; i++) {
            if (r.nextDouble() < share) {
                w[i] = 0;
            }
        }
        QLayer l = c.layer();
        return new RandomLayers.Case(new QLayer(l.name(), l.geometry(), w, l.weightFrac(), l.bias(), l.biasFrac(),
                l.inputFrac(), l.outputFrac()), c.input());
    }

    private record QuantisedCase(QLayer layer, QTensor input) {
    }

    /**
     * A quantised model's integer layer on a random geometry: uint8 or int8 activations centred on a
     * random zero point, int8 centred weights, ONNX Runtime's requantisation or the raw int32 sum.
     */
    private static QuantisedCase quantised(Random r, int index) {
        RandomLayers.Case shape = RandomLayers.next(r, index);
        ConvGeometry g = shape.layer().geometry();
        IntType inType = r.nextBoolean() ? IntType.UINT8 : IntType.INT8;
        int zp = inType == IntType.UINT8 ? r.nextInt(256) : r.nextInt(256) - 128;
        Affine in = new Affine((float) Math.scalb(1.0 + r.nextDouble(), -6 - r.nextInt(4)), zp, inType);
        short[] x = new short[shape.input().data().length];
        double zeros = 0.2 + 0.6 * r.nextDouble();
        for (int i = 0; i < x.length; i++) {
            // centred: the model's integer less its zero point; the real zero is 0, the one skipped
            x[i] = r.nextDouble() < zeros ? 0 : (short) (inType.min() + r.nextInt(256) - zp);
        }
        short[] w = new short[shape.layer().weights().length];
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextDouble() < 0.3 ? 0 : (short) (r.nextInt(255) - 127);
        }
        int k = g.filters();
        IntegerOutput rule;
        if (r.nextInt(4) == 0) {
            rule = IntegerOutput.raw(in, k);
        } else {
            int[] bias = new int[k];
            float[] mult = new float[k];
            for (int f = 0; f < k; f++) {
                bias[f] = r.nextInt(20001) - 10000;
                mult[f] = (float) Math.scalb(1.0 + r.nextDouble(), -8 - r.nextInt(6));
            }
            IntType outType = r.nextBoolean() ? IntType.UINT8 : IntType.INT8;
            int ozp = outType == IntType.UINT8 ? r.nextInt(256) : r.nextInt(256) - 128;
            rule = new IntegerOutput(in, bias, mult, new Affine(0.05f, ozp, outType));
        }
        QLayer layer = QLayer.integer("q" + index, g, w, rule);
        Shape s = shape.input().shape();
        return new QuantisedCase(layer, QTensor.centred(s, x, in));
    }

    @Test
    void theRandomRunsCoverEveryDesignAndMode() {
        Random r = new Random(723);
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            RunConfig run = randomRun(r, "l", false, 1);
            seen.add(run.arch() + (run.arch().equals("cnv2") ? " " + run.weightSkip() : ""));
        }
        for (String arch : List.of("dadn", "cnv", "cnv2 none", "cnv2 filter-lanes", "cnv2 lookahead(2,5,T)",
                "cnv2 lookahead(1,0,T)", "cnv2 lookahead(3,8,T)", "cnv2 lookahead(2,4,L)")) {
            assertTrue(seen.contains(arch), arch + " among " + new java.util.TreeSet<>(seen));
        }
    }
}
