package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Evaluates, at import, the nodes whose inputs are all known: the shape-only subgraphs that
 * exporters emit around Reshape (Shape, Gather, Slice, Cast, Unsqueeze, Squeeze, Concat, ...) and
 * arithmetic on weights. Semantics are ONNX's for opsets 9 to 21, inputs-or-attributes included.
 */
final class ConstantFolder {
    /** Op types this class evaluates when every input is constant. */
    static final Set<String> FOLDABLE = Set.of("Shape", "Gather", "Slice", "Cast", "Unsqueeze", "Squeeze", "Concat",
            "Reshape", "Flatten", "Identity", "Add", "Sub", "Mul", "Div", "Neg", "ConstantOfShape", "Transpose",
            "Floor", "Ceil", "Sqrt", "Range", "Size", "Expand");

    private ConstantFolder() {
    }

    /** The value of {@code node} given its (constant) inputs; {@code in.get(i)} is null for an absent optional input. */
    static Const fold(NodeProto node, List<Const> in, int opset) {
        Attributes at = new Attributes(node);
        return switch (node.getOpType()) {
            case "Identity" -> in.get(0);
            case "Shape" -> shape(in.get(0).dims(), at);
            case "Size" -> new Const(new long[0], new double[] {in.get(0).data().length}, true);
            case "Gather" -> gather(in.get(0), in.get(1), (int) at.integer("axis", 0));
            case "Slice" -> opset < 10
                    ? slice(in.get(0), at.ints("starts", null), at.ints("ends", null), at.ints("axes", null), null)
                    : slice(in.get(0), in.get(1).longs(), in.get(2).longs(), opt(in, 3), opt(in, 4));
            case "Cast" -> cast(in.get(0), (int) at.integer("to", Tensors.FLOAT));
            case "Unsqueeze" -> unsqueeze(in.get(0), opset < 13 ? at.ints("axes", null) : in.get(1).longs());
            case "Squeeze" -> squeeze(in.get(0), opset < 13 ? at.ints("axes", null) : opt(in, 1));
            case "Concat" -> concat(in, (int) at.integer("axis", 0));
            case "Reshape" -> new Const(reshapeDims(node.getName(), in.get(0).dims(), in.get(1).longs(),
                    at.integer("allowzero", 0) != 0), in.get(0).data(), in.get(0).integral());
            case "Flatten" -> new Const(flattenDims(in.get(0).dims(), (int) at.integer("axis", 1)), in.get(0).data(),
                    in.get(0).integral());
            case "Add", "Sub", "Mul", "Div" -> binary(node.getOpType(), in.get(0), in.get(1));
            case "Neg" -> map(in.get(0), x -> -x);
            case "Floor" -> map(in.get(0), Math::floor);
            case "Ceil" -> map(in.get(0), Math::ceil);
            case "Sqrt" -> map(in.get(0), Math::sqrt);
            case "ConstantOfShape" -> constantOfShape(in.get(0).longs(), at);
            case "Transpose" -> transpose(in.get(0), at.ints("perm", null));
            case "Range" -> range(in.get(0), in.get(1), in.get(2));
            case "Expand" -> expand(in.get(0), in.get(1).longs());
            default -> throw new IllegalStateException("not foldable: " + node.getOpType());
        };
    }

    private static long[] opt(List<Const> in, int i) {
        return i < in.size() && in.get(i) != null ? in.get(i).longs() : null;
    }

    /** ONNX Shape (with opset 15's start and end) of a tensor with these dimensions. */
    static Const shape(long[] dims, Attributes at) {
        int r = dims.length;
        int start = (int) clampAxis(at.integer("start", 0), r);
        int end = (int) clampAxis(at.integer("end", r), r);
        return Const.ints(Arrays.copyOfRange(dims, start, Math.max(start, end)));
    }

    private static long clampAxis(long a, int rank) {
        if (a < 0) {
            a += rank;
        }
        return Math.max(0, Math.min(rank, a));
    }

    static long[] strides(long[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    private static Const gather(Const data, Const indices, int axis) {
        int r = data.rank();
        if (axis < 0) {
            axis += r;
        }
        long n = data.dims()[axis];
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= data.dims()[i];
        }
        long inner = 1;
        for (int i = axis + 1; i < r; i++) {
            inner *= data.dims()[i];
        }
        long[] idx = indices.longs();
        long[] dims = new long[r - 1 + indices.rank()];
        System.arraycopy(data.dims(), 0, dims, 0, axis);
        System.arraycopy(indices.dims(), 0, dims, axis, indices.rank());
        System.arraycopy(data.dims(), axis + 1, dims, axis + indices.rank(), r - axis - 1);
        double[] out = new double[elements(new long[] {outer, idx.length, inner})];
        int o = 0;
        for (long a = 0; a < outer; a++) {
            for (long j : idx) {
                long k = j < 0 ? j + n : j;
                if (k < 0 || k >= n) {
                    throw new IllegalArgumentException("Gather index " + j + " out of range for axis of size " + n);
                }
                for (long b = 0; b < inner; b++) {
                    out[o++] = data.data()[(int) ((a * n + k) * inner + b)];
                }
            }
        }
        return new Const(dims, out, data.integral());
    }

    private static Const slice(Const x, long[] starts, long[] ends, long[] axes, long[] steps) {
        int r = x.rank();
        long[] st = new long[r];
        long[] en = x.dims().clone();
        long[] sp = new long[r];
        Arrays.fill(sp, 1);
        for (int i = 0; i < starts.length; i++) {
            int a = (int) (axes == null ? i : axes[i] < 0 ? axes[i] + r : axes[i]);
            long d = x.dims()[a];
            long step = steps == null ? 1 : steps[i];
            sp[a] = step;
            long s = starts[i] < 0 ? starts[i] + d : starts[i];
            long e = ends[i] < 0 ? ends[i] + d : ends[i];
            if (step > 0) {
                st[a] = Math.max(0, Math.min(d, s));
                en[a] = Math.max(0, Math.min(d, e));
            } else {
                st[a] = Math.max(-1, Math.min(d - 1, s));
                en[a] = Math.max(-1, Math.min(d - 1, e));
            }
        }
        long[] dims = new long[r];
        for (int a = 0; a < r; a++) {
            long span = sp[a] > 0 ? en[a] - st[a] : st[a] - en[a];
            long step = Math.abs(sp[a]);
            dims[a] = Math.max(0, (span + step - 1) / step);
        }
        long[] inStrides = strides(x.dims());
        long[] outStrides = strides(dims);
        int total = elements(dims);
        double[] out = new double[total];
        for (int o = 0; o < total; o++) {
            long src = 0;
            long rem = o;
            for (int a = 0; a < r; a++) {
                long i = rem / outStrides[a];
                rem %= outStrides[a];
                src += (st[a] + i * sp[a]) * inStrides[a];
            }
            out[o] = x.data()[(int) src];
        }
        return new Const(dims, out, x.integral());
    }

    private static Const cast(Const x, int to) {
        boolean integral = to != Tensors.FLOAT && to != Tensors.DOUBLE && to != 10 && to != 16;
        double[] d = x.data().clone();
        for (int i = 0; i < d.length; i++) {
            d[i] = integral ? (to == Tensors.BOOL ? (d[i] != 0 ? 1 : 0) : (double) (long) d[i])
                    : to == Tensors.FLOAT ? (float) d[i] : d[i];
        }
        return new Const(x.dims(), d, integral);
    }

    private static Const unsqueeze(Const x, long[] axes) {
        return new Const(unsqueezeDims(x.dims(), axes), x.data(), x.integral());
    }

    private static Const squeeze(Const x, long[] axes) {
        return new Const(squeezeDims(x.dims(), axes), x.data(), x.integral());
    }

    static long[] squeezeDims(long[] in, long[] axes) {
        int r = in.length;
        boolean[] drop = new boolean[r];
        if (axes == null) {
            for (int i = 0; i < r; i++) {
                drop[i] = in[i] == 1;
            }
        } else {
            for (long a : axes) {
                int i = (int) (a < 0 ? a + r : a);
                if (in[i] != 1) {
                    throw new IllegalArgumentException("Squeeze axis " + a + " has size " + in[i] + ", not 1");
                }
                drop[i] = true;
            }
        }
        return java.util.stream.IntStream.range(0, r).filter(i -> !drop[i]).mapToLong(i -> in[i]).toArray();
    }

    /** The dimensions after inserting a 1 at each of {@code axes} (counted in the output's rank). */
    static long[] unsqueezeDims(long[] in, long[] axes) {
        int r = in.length + axes.length;
        boolean[] added = new boolean[r];
        for (long a : axes) {
            added[(int) (a < 0 ? a + r : a)] = true;
        }
        long[] dims = new long[r];
        for (int i = 0, j = 0; i < r; i++) {
            dims[i] = added[i] ? 1 : in[j++];
        }
        return dims;
    }

    private static Const concat(List<Const> in, int axis) {
        int r = in.get(0).rank();
        int a = axis < 0 ? axis + r : axis;
        long[] dims = in.get(0).dims().clone();
        dims[a] = 0;
        for (Const c : in) {
            dims[a] += c.dims()[a];
        }
        long outer = 1;
        for (int i = 0; i < a; i++) {
            outer *= dims[i];
        }
        double[] out = new double[elements(dims)];
        int o = 0;
        for (long i = 0; i < outer; i++) {
            for (Const c : in) {
                int chunk = (int) (c.data().length / outer);
                System.arraycopy(c.data(), (int) (i * chunk), out, o, chunk);
                o += chunk;
            }
        }
        return new Const(dims, out, in.stream().allMatch(Const::integral));
    }

    /** ONNX Reshape's target dimensions: 0 copies the input's dimension (unless allowzero), -1 is inferred. */
    static long[] reshapeDims(String node, long[] in, long[] target, boolean allowZero) {
        long[] dims = target.clone();
        long total = Arrays.stream(in).reduce(1, (p, q) -> p * q);
        int infer = -1;
        long known = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == 0 && !allowZero) {
                if (i >= in.length) {
                    throw new IllegalArgumentException("Reshape target " + Arrays.toString(target)
                            + " copies dimension " + i + " that the input " + Arrays.toString(in) + " lacks");
                }
                dims[i] = in[i];
            }
            if (dims[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("Reshape target " + Arrays.toString(target) + " has two -1s");
                }
                infer = i;
            } else {
                known *= dims[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || total % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + Arrays.toString(in) + " to "
                        + Arrays.toString(target));
            }
            dims[infer] = total / known;
        }
        if (Arrays.stream(dims).reduce(1, (p, q) -> p * q) != total) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(in) + " ("
                    + total + " elements) to " + Arrays.toString(target));
        }
        return dims;
    }

    static long[] flattenDims(long[] in, int axis) {
        int a = axis < 0 ? axis + in.length : axis;
        long outer = 1;
        for (int i = 0; i < a; i++) {
            outer *= in[i];
        }
        long inner = 1;
        for (int i = a; i < in.length; i++) {
            inner *= in[i];
        }
        return new long[] {outer, inner};
    }

    private static Const binary(String op, Const x, Const y) {
        int r = Math.max(x.rank(), y.rank());
        long[] dims = new long[r];
        for (int i = 0; i < r; i++) {
            long a = dimFromEnd(x.dims(), r - 1 - i);
            long b = dimFromEnd(y.dims(), r - 1 - i);
            if (a != b && a != 1 && b != 1) {
                throw new IllegalArgumentException(op + " cannot broadcast " + Arrays.toString(x.dims()) + " with "
                        + Arrays.toString(y.dims()));
            }
            dims[i] = Math.max(a, b);
        }
        boolean integral = x.integral() && y.integral();
        long[] os = strides(dims);
        int total = elements(dims);
        double[] out = new double[total];
        for (int o = 0; o < total; o++) {
            double a = x.data()[broadcastIndex(o, dims, os, x.dims())];
            double b = y.data()[broadcastIndex(o, dims, os, y.dims())];
            out[o] = switch (op) {
                case "Add" -> a + b;
                case "Sub" -> a - b;
                case "Mul" -> a * b;
                default -> integral ? (double) ((long) a / (long) b) : a / b;
            };
            if (!integral && x.integral() == y.integral()) {
                out[o] = (float) out[o]; // float32 arithmetic, as the graph would do it
            }
        }
        return new Const(dims, out, integral);
    }

    /** ONNX Expand: numpy broadcasting of x against the given shape (PyTorch's zero initial LSTM state). */
    private static Const expand(Const x, long[] shape) {
        int r = Math.max(x.rank(), shape.length);
        long[] dims = new long[r];
        for (int i = 0; i < r; i++) {
            long a = dimFromEnd(x.dims(), r - 1 - i);
            long b = dimFromEnd(shape, r - 1 - i);
            if (a != b && a != 1 && b != 1) {
                throw new IllegalArgumentException("Expand cannot broadcast " + Arrays.toString(x.dims()) + " to "
                        + Arrays.toString(shape));
            }
            dims[i] = a == 1 ? b : a;
        }
        long[] os = strides(dims);
        double[] out = new double[elements(dims)];
        for (int o = 0; o < out.length; o++) {
            out[o] = x.data()[broadcastIndex(o, dims, os, x.dims())];
        }
        return new Const(dims, out, x.integral());
    }

    private static long dimFromEnd(long[] dims, int back) {
        int i = dims.length - 1 - back;
        return i < 0 ? 1 : dims[i];
    }

    private static int broadcastIndex(int o, long[] dims, long[] os, long[] src) {
        int r = dims.length;
        int off = r - src.length;
        long[] ss = strides(src);
        long idx = 0;
        long rem = o;
        for (int a = 0; a < r; a++) {
            long i = rem / os[a];
            rem %= os[a];
            if (a >= off && src[a - off] != 1) {
                idx += i * ss[a - off];
            }
        }
        return (int) idx;
    }

    private static Const map(Const x, java.util.function.DoubleUnaryOperator f) {
        double[] d = x.data().clone();
        for (int i = 0; i < d.length; i++) {
            d[i] = f.applyAsDouble(d[i]);
        }
        return new Const(x.dims(), d, x.integral());
    }

    private static Const constantOfShape(long[] dims, Attributes at) {
        Const v = at.has("value") ? Tensors.read(at.raw("value").getT()) : new Const(new long[] {1}, new double[1], false);
        double[] d = new double[elements(dims)];
        Arrays.fill(d, v.data()[0]);
        return new Const(dims, d, v.integral());
    }

    private static Const transpose(Const x, long[] perm) {
        int r = x.rank();
        long[] p = perm;
        if (p == null) {
            p = new long[r];
            for (int i = 0; i < r; i++) {
                p[i] = r - 1 - i;
            }
        }
        long[] dims = new long[r];
        for (int i = 0; i < r; i++) {
            dims[i] = x.dims()[(int) p[i]];
        }
        long[] is = strides(x.dims());
        long[] os = strides(dims);
        double[] out = new double[x.data().length];
        for (int o = 0; o < out.length; o++) {
            long rem = o;
            long src = 0;
            for (int a = 0; a < r; a++) {
                long i = rem / os[a];
                rem %= os[a];
                src += i * is[(int) p[a]];
            }
            out[o] = x.data()[(int) src];
        }
        return new Const(dims, out, x.integral());
    }

    private static Const range(Const start, Const limit, Const delta) {
        double s = start.scalar();
        double d = delta.scalar();
        double count = Math.max(0, Math.ceil((limit.scalar() - s) / d));
        if (!(count <= io.cnv2.Limits.MAX_TENSOR_ELEMENTS)) {
            throw new IllegalArgumentException("Range would make " + count + " values, more than one tensor may hold");
        }
        int n = (int) count;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = s + i * d;
        }
        return new Const(new long[] {n}, out, start.integral());
    }

    /**
     * Elements of a folded constant of these dimensions, refused past the limit of one tensor
     * before anything is allocated (a damaged or hostile file may ask for any size).
     */
    private static int elements(long[] dims) {
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("a folded constant would have a negative dimension");
            }
            if (d != 0 && n > io.cnv2.Limits.MAX_TENSOR_ELEMENTS / d) {
                throw new IllegalArgumentException("a folded constant of dimensions " + Arrays.toString(dims)
                        + " would exceed the " + io.cnv2.Limits.MAX_TENSOR_ELEMENTS + " elements of one tensor");
            }
            n *= d;
        }
        return (int) n;
    }
}
