package io.cnv2.hw.design;

import io.cnv2.hw.Accelerators;
import io.cnv2.hw.LayerStats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.FixedExecutor;
import io.cnv2.fixed.Calibration;
import io.cnv2.ir.ConvTranspose;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * ConvTranspose runs on the accelerator as the convolution over its zero-inserted input
 * ({@link ConvTranspose}): its float meaning is ONNX's scatter definition, and on random layers the
 * reference and fast paths of DaDN, CNV and CNV2 agree bit for bit and cycle for cycle, CNV at
 * threshold 0 gives DaDN's bits, and the inserted zeros are counted as ineffectual activations.
 */
class ConvTransposeRulesTest {
    private static final MachineConfig M = MachineConfig.DEFAULT;

    private static Tensor random(Random r, Shape s, double zeros) {
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextDouble() < zeros ? 0 : (float) r.nextGaussian();
        }
        return new Tensor(s, d);
    }

    private static ConvTranspose randomOp(Random r, int cin) {
        int groups = r.nextInt(3) == 0 ? (cin % 2 == 0 ? 2 : 1) : 1;
        int coutG = 1 + r.nextInt(20);
        int ky = 1 + r.nextInt(3);
        int kx = 1 + r.nextInt(3);
        int sy = 1 + r.nextInt(3);
        int sx = 1 + r.nextInt(3);
        int dil = r.nextInt(4) == 0 ? 2 : 1;
        int ey = dil * (ky - 1);
        int ex = dil * (kx - 1);
        return new ConvTranspose(groups, sy, sx, r.nextInt(ey + 1), r.nextInt(ex + 1), r.nextInt(ey + 1),
                r.nextInt(ex + 1), r.nextInt(Math.max(sy, dil)), r.nextInt(Math.max(sx, dil)), dil, dil,
                random(r, Shape.of(cin, coutG, ky, kx), 0.2), r.nextBoolean() ? random(r, Shape.of(coutG * groups), 0)
                        : null);
    }

    /** ONNX's definition: every input value, times each weight, added at stride * i + dilation * k - pad. */
    private static Tensor scatter(ConvTranspose t, Tensor x) {
        Shape out = t.inferShape("", List.of(x.shape()));
        int cin = x.shape().dim(1);
        int h = x.shape().dim(2);
        int w = x.shape().dim(3);
        int coutG = t.weight().shape().dim(1);
        int ky = t.weight().shape().dim(2);
        int kx = t.weight().shape().dim(3);
        int cinG = cin / t.groups();
        float[] r = new float[out.size()];
        int oh = out.dim(2);
        int ow = out.dim(3);
        for (int c = 0; c < cin; c++) {
            int g = c / cinG;
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    float v = x.data()[(c * h + y) * w + xx];
                    for (int o = 0; o < coutG; o++) {
                        for (int fy = 0; fy < ky; fy++) {
                            for (int fx = 0; fx < kx; fx++) {
                                int oy = y * t.strideY() + fy * t.dilationY() - t.padTop();
                                int ox = xx * t.strideX() + fx * t.dilationX() - t.padLeft();
                                if (oy >= 0 && oy < oh && ox >= 0 && ox < ow) {
                                    r[((g * coutG + o) * oh + oy) * ow + ox] +=
                                            v * t.weight().data()[((c * coutG + o) * ky + fy) * kx + fx];
                                }
                            }
                        }
                    }
                }
            }
        }
        if (t.bias() != null) {
            for (int i = 0; i < r.length; i++) {
                r[i] += t.bias().data()[i / (oh * ow)];
            }
        }
        return new Tensor(out, r);
    }

    /** Pads as large as the kernel can leave nothing of a small input; such draws are skipped. */
    private static boolean fits(ConvTranspose t, Shape in) {
        try {
            t.inferShape("", List.of(in));
            return true;
        } catch (io.cnv2.ir.IrException e) {
            return false;
        }
    }

    @Test
    void floatMeaningIsOnnxsScatterDefinition() {
        Random r = new Random(8);
        for (int i = 0; i < 60; i++) {
            int cin = 1 + r.nextInt(6) * 2;
            ConvTranspose t = randomOp(r, cin);
            Tensor x = random(r, Shape.of(1, cin, 1 + r.nextInt(5), 1 + r.nextInt(5)), 0.3);
            if (!fits(t, x.shape())) {
                continue;
            }
            Tensor want = scatter(t, x);
            Tensor got = t.apply(List.of(x));
            assertEquals(want.shape(), got.shape());
            for (int j = 0; j < want.data().length; j++) {
                assertEquals(want.data()[j], got.data()[j], 1e-4, t + " element " + j);
            }
        }
    }

    @Test
    void referenceEqualsFastAndCnvAtThresholdZeroEqualsDadianNaoOnRandomTransposedConvs() {
        Random r = new Random(2017);
        for (int i = 0; i < 40; i++) {
            int cin = 1 + r.nextInt(20) * 2;
            ConvTranspose t = randomOp(r, cin);
            Shape in = Shape.of(1, cin, 1 + r.nextInt(6), 1 + r.nextInt(6));
            if (!fits(t, in)) {
                continue;
            }
            Network net = Network.builder("t" + i).input("x", in).node("deconv", t, List.of("x"), "y").output("y")
                    .build();
            List<Map<String, Tensor>> xs = List.of(Map.of("x", random(r, in, 0.5)), Map.of("x", random(r, in, 0.1)));
            Calibration cal = Calibrator.profile(net, xs, "random");
            FixedExecutor.Result dadn = null;
            for (String arch : List.of("dadn", "cnv", "cnv2")) {
                RunConfig run = RunConfig.DEFAULT.withTiming("ideal").withArch(arch);
                FixedExecutor fast = new FixedExecutor(net, cal, Accelerators.create(run, M), 48);
                FixedExecutor ref = new FixedExecutor(net, cal,
                        Accelerators.create(run.withImplementation("reference"), M), 48);
                FixedExecutor.Result f = fast.run(xs.get(0), true);
                FixedExecutor.Result q = ref.run(xs.get(0), true);
                String what = arch + " " + t + " on " + in;
                assertEquals(q.tensors(), f.tensors(), what);
                assertEquals(q.nodes().get(0).hardware(), f.nodes().get(0).hardware(), what);
                if (dadn == null) {
                    dadn = f;
                    LayerStats s = f.nodes().get(0).hardware();
                    // the layer reads the zero-inserted input; the inserted zeros are ineffectual
                    assertEquals(t.zeroInsertedShape(in).size(), s.inputActivations(), what);
                    assertTrue(s.effectualInputs() <= in.size(), what);
                } else {
                    assertEquals(dadn.tensors(), f.tensors(), "threshold 0 keeps DaDN's bits: " + what);
                }
            }
        }
    }
}
