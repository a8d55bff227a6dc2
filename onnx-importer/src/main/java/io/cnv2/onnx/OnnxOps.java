package io.cnv2.onnx;

import io.cnv2.ir.ConvTranspose;
import io.cnv2.ir.ReduceMean;
import io.cnv2.ir.Resize;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Slice;
import io.cnv2.ir.Transpose;
import java.util.Arrays;
import java.util.Locale;

/**
 * ONNX attributes and constant inputs to IR ops for the operators of the PaddleOCR detector and
 * recogniser (ConvTranspose, Resize / Upsample, Transpose, Slice, ReduceMean), following each
 * operator's ONNX definition for opsets 7 to 21. Errors are {@link IllegalArgumentException}s, which
 * {@link GraphTranslator} turns into a {@code BadInputException} naming the file and the node.
 */
final class OnnxOps {
    private OnnxOps() {
    }

    static ConvTranspose convTranspose(Attributes at, Shape x, Const w, Const b) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("only 2-D transposed convolutions (input rank 4) are supported, input is "
                    + x);
        }
        if (w.rank() != 4) {
            throw new IllegalArgumentException("weight must have rank 4, has shape " + Arrays.toString(w.dims()));
        }
        if (at.has("output_shape")) {
            throw new IllegalArgumentException("the output_shape attribute is not supported; give pads and "
                    + "output_padding");
        }
        String auto = at.string("auto_pad", "NOTSET");
        if (!auto.equals("NOTSET") && !auto.equals("VALID")) {
            throw new IllegalArgumentException("auto_pad '" + auto + "' is not supported (NOTSET or VALID)");
        }
        long[] s = at.ints("strides", new long[] {1, 1});
        long[] d = at.ints("dilations", new long[] {1, 1});
        long[] p = auto.equals("VALID") ? new long[4] : at.ints("pads", new long[4]);
        long[] op = at.ints("output_padding", new long[2]);
        if (s.length != 2 || d.length != 2 || p.length != 4 || op.length != 2) {
            throw new IllegalArgumentException("strides, dilations, output_padding need 2 values and pads 4");
        }
        return new ConvTranspose((int) at.integer("group", 1), (int) s[0], (int) s[1], (int) p[0], (int) p[1],
                (int) p[2], (int) p[3], (int) op[0], (int) op[1], (int) d[0], (int) d[1], w.tensor(),
                b == null ? null : b.tensor());
    }

    /**
     * Resize (opset 10+) or Upsample (opset 7-9). {@code scales} or {@code sizes} is the constant that
     * gives the output; N and C must keep their size.
     */
    static Resize resize(String op, int opset, Attributes at, Shape x, Const scales, Const sizes) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException(op + " of a rank-" + x.rank() + " tensor is not supported (only "
                    + "[N, C, H, W])");
        }
        String mode = at.string("mode", "nearest").toLowerCase(Locale.ROOT);
        Resize.Mode m = switch (mode) {
            case "nearest" -> Resize.Mode.NEAREST;
            case "linear", "bilinear" -> Resize.Mode.LINEAR;
            default -> throw new IllegalArgumentException("mode '" + mode + "' is not supported (nearest, linear)");
        };
        boolean modern = op.equals("Resize") && opset >= 11;
        String coord = modern ? at.string("coordinate_transformation_mode", "half_pixel") : "asymmetric";
        Resize.Coordinates c = switch (coord) {
            case "half_pixel" -> Resize.Coordinates.HALF_PIXEL;
            case "pytorch_half_pixel" -> Resize.Coordinates.PYTORCH_HALF_PIXEL;
            case "align_corners" -> Resize.Coordinates.ALIGN_CORNERS;
            case "asymmetric" -> Resize.Coordinates.ASYMMETRIC;
            case "tf_half_pixel_for_nn" -> Resize.Coordinates.TF_HALF_PIXEL_FOR_NN;
            default -> throw new IllegalArgumentException("coordinate_transformation_mode '" + coord
                    + "' is not supported");
        };
        if (modern && at.integer("exclude_outside", 0) != 0) {
            throw new IllegalArgumentException("exclude_outside=1 is not supported");
        }
        if (at.has("antialias") && at.integer("antialias", 0) != 0 || at.has("axes")) {
            throw new IllegalArgumentException("antialias and axes are not supported");
        }
        double[] scale = new double[4];
        int[] out = new int[4];
        if (sizes != null && sizes.data().length > 0) {
            if (sizes.data().length != 4) {
                throw new IllegalArgumentException("sizes must have 4 values, has " + sizes.data().length);
            }
            for (int a = 0; a < 4; a++) {
                out[a] = (int) sizes.data()[a];
                scale[a] = (double) out[a] / x.dim(a);
            }
        } else if (scales != null && scales.data().length == 4) {
            for (int a = 0; a < 4; a++) {
                // ONNX gives scales as float32; the output size is floor(input * scale)
                scale[a] = (float) scales.data()[a];
                out[a] = (int) Math.floor(x.dim(a) * scale[a]);
            }
        } else {
            throw new IllegalArgumentException("needs constant scales (4 values) or sizes");
        }
        if (out[0] != x.dim(0) || out[1] != x.dim(1)) {
            throw new IllegalArgumentException("resizing the batch or channel axis is not supported (output "
                    + Arrays.toString(out) + " from " + x + ")");
        }
        Resize.Nearest n;
        if (modern) {
            String nm = at.string("nearest_mode", "round_prefer_floor");
            n = switch (nm) {
                case "round_prefer_floor" -> Resize.Nearest.ROUND_PREFER_FLOOR;
                case "round_prefer_ceil" -> Resize.Nearest.ROUND_PREFER_CEIL;
                case "floor" -> Resize.Nearest.FLOOR;
                case "ceil" -> Resize.Nearest.CEIL;
                default -> throw new IllegalArgumentException("nearest_mode '" + nm + "' is not an ONNX value");
            };
        } else {
            // before opset 11 ONNX Runtime truncates when upsampling and rounds up when downsampling
            n = scale[2] >= 1 && scale[3] >= 1 ? Resize.Nearest.FLOOR : Resize.Nearest.CEIL;
        }
        return new Resize(m, c, n, out[2], out[3], scale[2], scale[3]);
    }

    static Transpose transpose(Attributes at, Shape x) {
        long[] p = at.ints("perm", null);
        int[] perm = new int[x.rank()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = p == null ? perm.length - 1 - i : (int) p[i];
        }
        if (p != null && p.length != x.rank()) {
            throw new IllegalArgumentException("perm " + Arrays.toString(p) + " does not fit input " + x);
        }
        return new Transpose(perm);
    }

    /** Slice with ONNX's index rules (negative from the end, clamped; steps of either sign). */
    static Slice slice(Shape x, long[] starts, long[] ends, long[] axes, long[] steps) {
        int r = x.rank();
        int[] st = new int[r];
        int[] sp = new int[r];
        int[] len = x.dims();
        Arrays.fill(sp, 1);
        if (starts == null || ends == null || starts.length != ends.length) {
            throw new IllegalArgumentException("starts and ends must be constants of equal length");
        }
        for (int i = 0; i < starts.length; i++) {
            int a = (int) (axes == null ? i : axes[i] < 0 ? axes[i] + r : axes[i]);
            if (a < 0 || a >= r) {
                throw new IllegalArgumentException("Slice axis " + (axes == null ? i : axes[i]) + " out of range for "
                        + x);
            }
            long d = x.dim(a);
            long step = steps == null ? 1 : steps[i];
            if (step == 0) {
                throw new IllegalArgumentException("Slice step 0");
            }
            long s = starts[i] < 0 ? starts[i] + d : starts[i];
            long e = ends[i] < 0 ? ends[i] + d : ends[i];
            long lo;
            long hi;
            if (step > 0) {
                lo = Math.max(0, Math.min(d, s));
                hi = Math.max(0, Math.min(d, e));
            } else {
                lo = Math.max(-1, Math.min(d - 1, s));
                hi = Math.max(-1, Math.min(d - 1, e));
            }
            long span = step > 0 ? hi - lo : lo - hi;
            long n = Math.max(0, (span + Math.abs(step) - 1) / Math.abs(step));
            st[a] = (int) Math.max(0, lo);
            sp[a] = (int) step;
            len[a] = (int) n;
        }
        return new Slice(st, sp, len);
    }

    /** ReduceMean axes (attribute before opset 18, input from 18; none = all axes). */
    static ReduceMean reduceMean(Attributes at, Shape x, long[] axes) {
        boolean keep = at.integer("keepdims", 1) != 0;
        int[] a;
        if (axes == null || axes.length == 0) {
            if (at.integer("noop_with_empty_axes", 0) != 0) {
                throw new IllegalArgumentException("noop_with_empty_axes=1 with no axes is not supported");
            }
            a = new int[x.rank()];
            for (int i = 0; i < a.length; i++) {
                a[i] = i;
            }
        } else {
            a = new int[axes.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = (int) (axes[i] < 0 ? axes[i] + x.rank() : axes[i]);
            }
        }
        return new ReduceMean(a, keep);
    }
}
