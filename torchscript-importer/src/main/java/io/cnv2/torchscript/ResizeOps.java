package io.cnv2.torchscript;

import java.util.List;

/**
 * Upsampling as ONNX Resize (opset 13 form: X, roi, scales, sizes) with PyTorch's coordinate
 * rules: nearest uses asymmetric coordinates and floor (PyTorch's legacy nearest), bilinear uses
 * pytorch_half_pixel, or align_corners when asked.
 */
final class ResizeOps {
    private ResizeOps() {
    }

    static void register(Ops r) {
        r.add(c -> resize(c, "nearest", false, 2), "upsample_nearest1d", "upsample_nearest2d");
        r.add(c -> resize(c, "linear", c.bool(2, "align_corners", false), 3), "upsample_linear1d", "upsample_bilinear2d");
    }

    private static TVal resize(OpCall c, String mode, boolean alignCorners, int scalesAt) {
        TVal x = c.tensor(0, "input");
        int spatial = x.rank() - 2;
        int[] out = x.shape().clone();
        float[] scales = new float[x.rank()];
        scales[0] = 1;
        scales[1] = 1;
        if (!c.isNone(1, "output_size")) {
            long[] size = ConvOps.expand(c.ints(1, "output_size"), spatial);
            for (int i = 0; i < spatial; i++) {
                out[2 + i] = (int) size[i];
                scales[2 + i] = (float) size[i] / x.shape()[2 + i];
            }
        } else {
            Object sf = c.arg(scalesAt, "scale_factors", Values.NONE);
            if (Values.isNone(sf)) {
                throw new TranslationException(c.op() + " with neither output_size nor scale_factors");
            }
            List<Object> items = sf instanceof Values.Tuple t ? t.items() : c.in().iterate(sf);
            for (int i = 0; i < spatial; i++) {
                double s = Builtins.toDouble(items.get(items.size() == 1 ? 0 : i));
                out[2 + i] = (int) Math.floor(x.shape()[2 + i] * s);
                scales[2 + i] = (float) s;
            }
        }
        long[] sizes = new long[x.rank()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = out[i];
        }
        String coord = mode.equals("nearest") ? "asymmetric" : alignCorners ? "align_corners" : "pytorch_half_pixel";
        List<ai.onnx.proto.OnnxMl.AttributeProto> at = new java.util.ArrayList<>();
        at.add(OnnxBuilder.s("coordinate_transformation_mode", coord));
        at.add(OnnxBuilder.s("mode", mode));
        if (mode.equals("nearest")) {
            at.add(OnnxBuilder.s("nearest_mode", "floor"));
        }
        TVal sizesT = TVal.known(sizes, new int[] {sizes.length}, TVal.Type.INT64, null);
        return c.node("Resize", List.of(x, "", "", sizesT), out, x.type(), at.toArray(new ai.onnx.proto.OnnxMl.AttributeProto[0]));
    }
}
