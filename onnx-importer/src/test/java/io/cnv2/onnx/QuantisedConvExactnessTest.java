package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What ONNX Runtime computes for a fused QLinearConv, against exact integer arithmetic
 * (acc = sum (x_q - z_x) w_q in int64, y_q = clamp(round_half_even(acc * s_x s_w / s_y) + z_y)).
 * On x86-64 with AVX2 but no VNNI, ONNX Runtime multiplies uint8 activations by int8 weights with
 * vpmaddubsw, which adds adjacent products into int16 with saturation: with weights in [-127, 127]
 * a pair of products can reach 2 * 255 * 127 = 64,770 > 32,767. These tests measure whether that
 * happens on this machine and that the reduced range [-63, 63] (2 * 255 * 63 = 32,130) avoids it
 * (the reason {@link QuantSpec#of} reduces 8-bit weights against uint8 activations).
 */
class QuantisedConvExactnessTest {
    static final int C = 64;
    static final int K = 16;
    static final int HW = 8 * 8;

    /** A 1x1 Conv, X [1, 64, 8, 8] of integers in [0, 255], W integers in [-127, 127] (so s_x = s_w = 1). */
    static ModelProto conv(Random r) {
        float[] w = new float[K * C];
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextInt(255) - 127;
        }
        w[0] = 127;
        NodeProto n = NodeProto.newBuilder().setOpType("Conv").setName("conv").addInput("X").addInput("W")
                .addOutput("Y").addAttribute(AttributeProto.newBuilder().setName("kernel_shape")
                        .setType(AttributeProto.AttributeType.INTS).addInts(1).addInts(1)).build();
        return QuantModels.single(n, new long[] {1, C, 8, 8},
                QuantModels.floats("W", new long[] {K, C, 1, 1}, w));
    }

    static Tensor input(Random r) {
        float[] x = new float[C * HW];
        for (int i = 0; i < x.length; i++) {
            // activations mostly large, as after a Relu on a bright image: the case that saturates
            x[i] = r.nextInt(4) == 0 ? 0 : 128 + r.nextInt(128);
        }
        x[0] = 255;
        x[1] = 0;
        return new Tensor(new Shape(1, C, 8, 8), x);
    }

    /** Outputs of ONNX Runtime's fused kernel that differ from the exact integer result (by more than 1 level). */
    static int[] mismatches(boolean symmetric, boolean reduceRange) throws Exception {
        Random r = new Random(7);
        ModelProto f = conv(r);
        Tensor x = input(r);
        StaticQuantizer.Result q = StaticQuantizer.quantize(f, "conv", List.of(Map.of("X", x)),
                new QuantSpec(8, false, symmetric, reduceRange, true));
        assertTrue(QuantModels.fused(q.model()).containsKey("QLinearConv"), "ONNX Runtime fuses the QDQ Conv");
        ModelProto m = q.model();
        float sx = (float) QuantModels.init(m, "X_scale")[0];
        int zx = (int) QuantModels.init(m, "X_zero_point")[0];
        float sw = (float) QuantModels.init(m, "W_scale")[0];
        float sy = (float) QuantModels.init(m, "Y_scale")[0];
        int zy = (int) QuantModels.init(m, "Y_zero_point")[0];
        double[] wq = QuantModels.init(m, "W_q");
        Tensor y;
        try (OrtModel ort = new OrtModel(m, "conv", 1)) {
            y = ort.run(Map.of("X", x)).get("Y");
        }
        float multiplier = sx * sw / sy;
        int lo = symmetric ? -128 : 0;
        int hi = symmetric ? 127 : 255;
        int off = 0;
        int worst = 0;
        for (int k = 0; k < K; k++) {
            for (int p = 0; p < HW; p++) {
                long acc = 0;
                for (int c = 0; c < C; c++) {
                    int xq = (int) Math.max(lo, Math.min(hi, Math.rint(x.data()[c * HW + p] / sx) + zx));
                    acc += (long) (xq - zx) * (long) wq[k * C + c];
                }
                int exact = (int) Math.max(lo, Math.min(hi, Math.rint((float) acc * multiplier) + zy));
                int ortQ = (int) Math.rint(y.data()[k * HW + p] / sy) + zy;
                int d = Math.abs(ortQ - exact);
                worst = Math.max(worst, d);
                if (d > 1) {
                    off++;
                }
            }
        }
        return new int[] {off, worst};
    }

    /** True on x86-64 with AVX2 and no VNNI (where ONNX Runtime's int8 kernels use vpmaddubsw). */
    static boolean avx2WithoutVnni() throws Exception {
        String cpu = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/cpuinfo"));
        return cpu.contains(" avx2") && !cpu.contains("vnni");
    }

    @Test
    void avx2PairSumsSaturateWithFullRangeWeights() throws Exception {
        int[] u8 = mismatches(false, false);
        int[] s8 = mismatches(true, false);
        System.out.printf("QLinearConv, weights in [-127,127]: uint8 activations %d of %d outputs off the exact result "
                + "by more than 1 level (worst %d levels); int8 activations %d (worst %d)%n", u8[0], K * HW, u8[1],
                s8[0], s8[1]);
        if (avx2WithoutVnni()) {
            // int8 x int8 goes through the same kernel (activations offset by 128 into uint8), so it saturates too
            assertTrue(u8[0] > 0 && s8[0] > 0, "AVX2 without VNNI: vpmaddubsw saturates pairs of full-range products");
        }
    }

    @Test
    void reducedRangeWeightsMatchExactIntegerArithmetic() throws Exception {
        int[] u8 = mismatches(false, true);
        int[] s8 = mismatches(true, true);
        System.out.printf("QLinearConv, weights in [-63,63]: uint8 activations %d of %d outputs off by more than 1 "
                + "level (worst %d); int8 activations %d (worst %d)%n", u8[0], K * HW, u8[1], s8[0], s8[1]);
        assertEquals(0, u8[1], "uint8 activations, reduced-range weights: ONNX Runtime's fused conv is exact");
        assertEquals(0, s8[1], "int8 activations, reduced-range weights: ONNX Runtime's fused conv is exact");
    }
}
