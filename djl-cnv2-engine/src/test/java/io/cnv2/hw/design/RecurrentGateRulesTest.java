package io.cnv2.hw.design;

import io.cnv2.hw.LayerRun;
import io.cnv2.hw.RandomLayers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The gate layers of unrolled LSTMs and GRUs (the ONNX importer's {@code Recurrent}: W x_t with
 * 4H or 3H filters over I inputs, R h_(t-1) over H inputs, GRU's R_h over r * h) on DaDianNao,
 * Cnvlutin and Cnvlutin2: reference against fast, outputs and every statistic, on random cell
 * sizes with sparse inputs (x_t: image rows with blank pixels; h_(t-1): few exact zeros).
 */
class RecurrentGateRulesTest {
    private static final MachineConfig M = MachineConfig.DEFAULT;
    private static final MachineConfig SMALL = new MachineConfig(2, 3, 4, 16, 2, 64, 32, 1 << 20, 1 << 20, 980);
    private static final List<String> ENCODINGS = List.of("raw", "zfnaf", "roe", "viai", "compressed-viai",
            "compressed-zfnaf");

    /** The gate layers of one random cell: inputs and filters of each, and how sparse its input is. */
    private static List<RandomLayers.Case> cell(Random r, int index) {
        boolean lstm = index % 2 == 0;
        int gates = lstm ? 4 : 3;
        int in = 1 + r.nextInt(64);
        int hidden = 1 + r.nextInt(150);
        List<RandomLayers.Case> layers = new ArrayList<>();
        layers.add(RandomLayers.fullyConnected(r, "cell" + index + "/Wx", in, gates * hidden, 0.2 + 0.7 * r.nextDouble()));
        double hZeros = r.nextDouble() * 0.2;
        if (lstm || index % 4 == 1) {
            layers.add(RandomLayers.fullyConnected(r, "cell" + index + "/Rh", hidden, gates * hidden, hZeros));
        } else {
            // GRU with linear_before_reset=0: R_z,r over h, then R_h over r * h
            layers.add(RandomLayers.fullyConnected(r, "cell" + index + "/Rh", hidden, 2 * hidden, hZeros));
            layers.add(RandomLayers.fullyConnected(r, "cell" + index + "/Rh_h", hidden, hidden, hZeros));
        }
        return layers;
    }

    private static void agree(LayerRun ref, LayerRun fast, String what) {
        assertEquals(ref.output(), fast.output(), what);
        assertEquals(ref.stats(), fast.stats(), what);
    }

    @Test
    void dadianNaoReferenceAndFastAgreeOnGateLayers() {
        Random r = new Random(1997);
        for (int i = 0; i < 60; i++) {
            MachineConfig m = i % 4 == 3 ? SMALL : M;
            for (RandomLayers.Case c : cell(r, i)) {
                agree(new DaDianNaoReference(m).run(c.layer(), c.input()), new DaDianNaoFast(m).run(c.layer(), c.input()),
                        c.layer().name() + " " + c.layer().geometry());
            }
        }
    }

    @Test
    void cnvlutinReferenceAndFastAgreeOnGateLayers() {
        Random r = new Random(2016);
        int thresholded = 0;
        for (int i = 0; i < 60; i++) {
            MachineConfig m = i % 4 == 3 ? SMALL : M;
            for (RandomLayers.Case c : cell(r, i)) {
                double t = i % 3 == 0 ? 0 : r.nextDouble() * Math.scalb(3000.0, -c.layer().inputFrac());
                RunConfig run = RunConfig.DEFAULT.withTiming("ideal").withArch("cnv").withThresholds(t, null)
                        .withLaneSync(i % 5 == 4 ? "window" : "step");
                LayerRun ref = new CnvlutinReference(m, run).run(c.layer(), c.input());
                agree(ref, new CnvlutinFast(m, run).run(c.layer(), c.input()), c.layer().name() + " " + c.layer().geometry()
                        + " threshold " + t + " " + run.laneSync());
                thresholded += ref.stats().thresholdedInputs() > 0 ? 1 : 0;
            }
        }
        assertTrue(thresholded > 10, "cases cover thresholds: " + thresholded);
    }

    @Test
    void cnvlutin2ReferenceAndFastAgreeOnGateLayers() {
        Random r = new Random(1705);
        for (int i = 0; i < 60; i++) {
            MachineConfig m = i % 4 == 3 ? SMALL : M;
            for (RandomLayers.Case c : cell(r, i)) {
                RunConfig run = RunConfig.DEFAULT.withTiming("ideal").withArch("cnv2")
                        .withCnv2(ENCODINGS.get(r.nextInt(ENCODINGS.size())), r.nextBoolean() ? "output" : "fetch",
                                i % 3 == 0 ? "none" : "filter-lanes")
                        .withThresholds(r.nextInt(3) == 0 ? r.nextDouble() * 0.05 : 0, null)
                        .withLaneSync(i % 5 == 4 ? "window" : "step");
                agree(new Cnvlutin2Reference(m, run).run(c.layer(), c.input()),
                        new Cnvlutin2Fast(m, run).run(c.layer(), c.input()),
                        c.layer().name() + " " + c.layer().geometry() + " " + run.encoding() + " " + run.weightSkip());
            }
        }
    }
}
