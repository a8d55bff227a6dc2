package io.cnv2.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The float reference's vectorised conv ({@link FloatKernels#conv}) against its literal
 * reference, the plain loops over ONNX's definition ({@link FloatKernels#convPlain}), which
 * ONNX Runtime checks on real models (OrtAgreementTest).
 */
class FloatConvRulesTest {
    @Test
    void vectorisedConvEqualsThePlainLoopsBitForBit() {
        Random r = new Random(17);
        for (int t = 0; t < 300; t++) {
            int groups = r.nextInt(4) == 0 ? 1 + r.nextInt(3) : 1;
            int cg = 1 + r.nextInt(6);
            // below and above the vector width, with tails, and multiples of 32 (neighbouring positions in pairs)
            int kg = r.nextInt(3) == 0 ? 32 * (1 + r.nextInt(2)) : 1 + r.nextInt(r.nextBoolean() ? 40 : 9);
            int ky = 1 + r.nextInt(4);
            int kx = 1 + r.nextInt(4);
            int sy = 1 + r.nextInt(3);
            int sx = 1 + r.nextInt(3);
            int dy = 1 + r.nextInt(2);
            int dx = 1 + r.nextInt(2);
            int h = (ky - 1) * dy + 1 + r.nextInt(9);
            int w = (kx - 1) * dx + 1 + r.nextInt(9);
            int n = 1 + r.nextInt(2);
            Tensor weight = random(r, Shape.of(groups * kg, cg, ky, kx), 0.3);
            Tensor bias = r.nextBoolean() ? random(r, Shape.of(groups * kg), 0) : null;
            Conv op = new Conv(groups, sy, sx, r.nextInt(3), r.nextInt(3), r.nextInt(3), r.nextInt(3), dy, dx,
                    weight, bias);
            Tensor x = random(r, Shape.of(n, groups * cg, h, w), 0.5);
            float[] fast = FloatKernels.conv(op, x).data();
            float[] plain = FloatKernels.convPlain(op, x).data();
            assertEquals(plain.length, fast.length);
            for (int i = 0; i < plain.length; i++) {
                // == equates +0 and -0: the plain loops skip zero weights, the vector adds their +-0 products
                if (!(plain[i] == fast[i])) {
                    assertEquals(plain[i], fast[i], "case " + t + " " + op + " element " + i);
                }
            }
        }
    }

    @Test
    void productsAreRoundedBeforeTheyAreAddedInTapOrder() {
        // 2^-24 added to 1 rounds back to 1 (ties to even), one product at a time in tap order;
        // summing the small terms first would keep them (the differential test above catches a fused multiply-add)
        int kg = 32;
        int taps = 3;
        float[] w = new float[kg * taps];
        for (int k = 0; k < kg; k++) {
            w[k * taps] = 1f;
            w[k * taps + 1] = 0x1p-24f;
            w[k * taps + 2] = 0x1p-24f;
        }
        Conv op = new Conv(1, 1, 1, 0, 0, 0, 0, 1, 1, new Tensor(Shape.of(kg, taps, 1, 1), w), null);
        Tensor x = new Tensor(Shape.of(1, taps, 1, 1), new float[] {1f, 1f, 1f});
        float[] out = FloatKernels.conv(op, x).data();
        for (float o : out) {
            assertEquals(1f, o);
        }
        assertNotEquals(1f, (0x1p-24f + 0x1p-24f) + 1f, "the other order would not round away");
    }

    private static Tensor random(Random r, Shape s, double zeros) {
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextDouble() < zeros ? 0f : (float) r.nextGaussian();
        }
        return new Tensor(s, d);
    }
}
