package io.cnv2.potentials;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.config.EnergyTable;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.Frames;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.Emulator;
import io.cnv2.exec.LayerTap;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.design.DeltaCnvlutin;
import io.cnv2.ir.Activation;
import io.cnv2.ir.Conv;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** CNV2-MODEL.md section 8: temporal deltas, exact incremental outputs, and what the threshold holds back. */
class DeltaRulesTest {
    private static final MachineConfig M = MachineConfig.DEFAULT;

    /** conv 3->12 (stride 2, pad 1) -> relu -> conv 12->10 grouped 2 (dilation 2) -> relu -> conv 10->4 1x1. */
    private static Network net() {
        Random rnd = new Random(30);
        Network.Builder b = Network.builder("seq").input("x", Shape.of(1, 3, 16, 16));
        b.node("c1", conv(rnd, 3, 12, 3, 2, 1, 1, 1), List.of("x"), "y1");
        b.node("r1", Activation.relu(), List.of("y1"), "z1");
        b.node("c2", conv(rnd, 12, 10, 3, 1, 2, 2, 2), List.of("z1"), "y2");
        b.node("r2", Activation.relu(), List.of("y2"), "z2");
        b.node("c3", conv(rnd, 10, 4, 1, 1, 0, 1, 1), List.of("z2"), "y3");
        return b.output("y3").build();
    }

    private static Conv conv(Random rnd, int c, int k, int kk, int stride, int pad, int dil, int groups) {
        float[] w = new float[k * (c / groups) * kk * kk];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian() * 0.4f;
        }
        float[] bias = new float[k];
        for (int i = 0; i < k; i++) {
            bias[i] = (float) rnd.nextGaussian() * 0.1f;
        }
        return new Conv(groups, stride, stride, pad, pad, pad, pad, dil, dil,
                new Tensor(Shape.of(k, c / groups, kk, kk), w), new Tensor(Shape.of(k), bias));
    }

    /** A smooth random image (sums of a few waves), so that a pan changes it a little. */
    private static Tensor image(Random r) {
        float[] x = new float[3 * 256];
        double[] f = {r.nextDouble() * 0.6, r.nextDouble() * 0.6, r.nextDouble() * 0.6};
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 16; y++) {
                for (int xx = 0; xx < 16; xx++) {
                    x[(c * 16 + y) * 16 + xx] = (float) (Math.sin(f[c] * xx + c) * Math.cos(f[(c + 1) % 3] * y));
                }
            }
        }
        return new Tensor(Shape.of(1, 3, 16, 16), x);
    }

    private static Emulator emulator(Network net, List<Tensor> frames) {
        Calibration cal = Calibrator.profile(net, frames.stream().map(t -> Map.of("x", t)).toList(), "frames");
        return Emulator.of(net, M, RunConfig.DEFAULT.withArch("cnv"), cal, EnergyTable.DEFAULT);
    }

    @Test
    void atDeltaThresholdZeroEveryLayerOutputEqualsTheFrameByFrameRunBitForBit() {
        Network net = net();
        List<Tensor> frames = Frames.panned(image(new Random(1)), 32);
        Emulator frameByFrame = emulator(net, frames);
        DeltaCnvlutin delta = new DeltaCnvlutin(M, frameByFrame.run(), 0);
        Emulator onDeltas = new Emulator(net, M, frameByFrame.run(), frameByFrame.calibration(), delta);
        long sent = 0;
        long effectual = 0;
        for (Tensor f : frames) {
            List<LayerTap> a = frameByFrame.step(f, true).taps();
            List<LayerTap> d = onDeltas.step(f, true).taps();
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.get(i).output().data(), d.get(i).output().data(), a.get(i).layer());
            }
        }
        DeltaStudy.Result r = DeltaStudy.run(frameByFrame, frames, 0, null);
        assertEquals(32, r.framesBitExact());
        assertEquals(32, r.framesSameClass());
        for (DeltaStudy.LayerDelta l : r.layers()) {
            sent += l.effectualDeltas();
            effectual += l.effectualActivations();
            assertEquals(0, l.heldDeltas(), "nothing held back at threshold 0");
        }
        assertTrue(sent < effectual, "a slow pan sends fewer deltas than there are effectual activations: "
                + sent + " vs " + effectual);
    }

    @Test
    void theFirstFrameSendsItsWholeInputAndAnUnchangedFrameSendsNothing() {
        Network net = net();
        Tensor img = image(new Random(2));
        List<Tensor> frames = List.of(img, img);
        DeltaStudy.Result r = DeltaStudy.run(emulator(net, frames), frames, 0, null);
        DeltaStudy.LayerDelta first = r.layers().get(0);
        assertEquals(first.effectualActivations() / 2, first.effectualDeltas(),
                "frame 1 sends every non-zero input; frame 2 sends none");
        assertEquals(2, r.framesBitExact());
    }

    @Test
    void aDeltaThresholdHoldsSmallDeltasBackAndTheOutputsDriftFromExact() {
        Network net = net();
        List<Tensor> frames = Frames.panned(image(new Random(3)), 30);
        Emulator frameByFrame = emulator(net, frames);
        DeltaStudy.Result exact = DeltaStudy.run(frameByFrame, frames, 0, null);
        DeltaStudy.Result loose = DeltaStudy.run(frameByFrame, frames, 0.05, null);
        assertTrue(loose.network().heldDeltas() > 0, "small deltas held back");
        assertTrue(loose.network().effectualDeltas() < exact.network().effectualDeltas());
        assertTrue(loose.network().deltaCycles() <= exact.network().deltaCycles());
        assertTrue(loose.framesBitExact() < 30, "held deltas change some outputs");
    }
}
