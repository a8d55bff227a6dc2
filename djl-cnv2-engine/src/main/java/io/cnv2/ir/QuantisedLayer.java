package io.cnv2.ir;

import io.cnv2.fixed.IntegerOutput;
import java.util.List;

/**
 * An integer layer of a quantised model (ONNX QLinearConv, QLinearMatMul, a fused QDQ Conv, Gemm
 * or MatMul): the accelerator runs {@code layer}, a {@link Conv} or {@link Dense} whose weights are
 * the model's integer weights less their zero points (exact in float), and finishes each sum with
 * {@link IntegerOutput}'s rule. Its input and output tensors hold the model's integers (uint8 or
 * int8 values, exact in float), as ONNX's tensors do.
 *
 * <p>A layer after a DynamicQuantizeLinear (ConvInteger, MatMulInteger in ONNX Runtime's dynamic
 * quantisation) reads its input's zero point and scale as computed tensors, per sample: with
 * {@code dynamicInput} the node has three inputs (x, x_zero_point, x_scale), and the layer's
 * {@link IntegerOutput#input} only names the type. Such layers end at the int32 sum
 * ({@link IntegerOutput#isRaw}), which this op outputs converted to float32, as the Cast that
 * follows it in the model does (ONNX Cast: round to nearest even).
 *
 * <p>{@link #apply} is the literal definition: exact integer sums in 64 bits over the centred
 * input, then the output rule. It is what the float executor runs, so cnv2's import of the layer
 * is proved against ONNX Runtime's integer kernels by the same comparison as every other op.
 */
public record QuantisedLayer(Op layer, IntegerOutput integer, boolean dynamicInput, String onnxOp) implements Op {
    public QuantisedLayer(Op layer, IntegerOutput integer) {
        this(layer, integer, false, null);
    }

    public QuantisedLayer(Op layer, IntegerOutput integer, boolean dynamicInput) {
        this(layer, integer, dynamicInput, null);
    }

    public QuantisedLayer {
        if (!(layer instanceof Conv || layer instanceof Dense)) {
            throw new IrException("a quantised layer is a Conv or a Dense, not " + layer.kind());
        }
        int filters = layer instanceof Conv c ? c.filters() : ((Dense) layer).outputs();
        if (integer.bias().length != filters) {
            throw new IrException("quantised layer: " + integer.bias().length + " biases for " + filters + " filters");
        }
    }

    @Override
    public String kind() {
        if (onnxOp != null) {
            return onnxOp;
        }
        if (integer.isRaw()) {
            return layer instanceof Conv ? "ConvInteger" : "MatMulInteger";
        }
        return layer instanceof Conv ? "QLinearConv" : "QLinearMatMul";
    }

    @Override
    public int arity() {
        return dynamicInput ? 3 : 1;
    }

    /** The weights as the accelerator's SB holds them: the model's integers less their zero points, 16-bit. */
    public short[] centredWeights() {
        Tensor w = layer instanceof Conv c ? c.weight() : ((Dense) layer).weight();
        short[] q = new short[w.data().length];
        for (int i = 0; i < q.length; i++) {
            q[i] = (short) w.data()[i];
        }
        return q;
    }

    /** The input's zero point for this sample: the layer's, or the computed scalar of a dynamic input. */
    public int inputZeroPoint(List<Tensor> inputs) {
        return dynamicInput ? (int) inputs.get(1).data()[0] : integer.input().zeroPoint();
    }

    /** The integer layer for this sample: the input quantisation a DynamicQuantizeLinear computed, if any. */
    public IntegerOutput forSample(List<Tensor> inputs) {
        if (!dynamicInput) {
            return integer;
        }
        float scale = inputs.get(2).data()[0];
        return integer.withInput(new io.cnv2.fixed.Affine(scale > 0 ? scale : 1f, inputZeroPoint(inputs),
                integer.input().type()));
    }

    /** A finished output: the output's integer, or the raw sum as float32 (the Cast after it). */
    private static float value(IntegerOutput io, long acc, int k) {
        return io.isRaw() ? (float) io.sum(acc, k) : io.finish(acc, k) + io.output().zeroPoint();
    }

    @Override
    public Shape inferShape(String node, List<Shape> inputs) {
        return layer.inferShape(node, inputs.subList(0, 1));
    }

    @Override
    public long macs(List<Shape> inputs, Shape output) {
        return layer.macs(inputs.subList(0, 1), output);
    }

    @Override
    public Tensor apply(List<Tensor> inputs) {
        Tensor x = inputs.get(0);
        int zx = inputZeroPoint(inputs);
        IntegerOutput integer = forSample(inputs);
        if (layer instanceof Dense d) {
            int c = d.inputs();
            int rows = x.shape().size() / c;
            int k = d.outputs();
            float[] w = d.weight().data();
            float[] out = new float[rows * k];
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < k; o++) {
                    long acc = 0;
                    for (int i = 0; i < c; i++) {
                        acc += (long) w[o * c + i] * (long) (x.data()[r * c + i] - zx);
                    }
                    out[r * k + o] = value(integer, acc, o);
                }
            }
            return new Tensor(inferShape("", List.of(x.shape())), out);
        }
        Conv conv = (Conv) layer;
        ConvGeometry g = conv.geometry("", x.shape());
        int n = x.shape().dim(0);
        int cg = g.channelsPerGroup();
        int kg = g.filtersPerGroup();
        float[] w = conv.weight().data();
        float[] out = new float[n * g.filters() * g.outY() * g.outX()];
        int i = 0;
        for (int b = 0; b < n; b++) {
            for (int k = 0; k < g.filters(); k++) {
                int group = k / kg;
                for (int oy = 0; oy < g.outY(); oy++) {
                    for (int ox = 0; ox < g.outX(); ox++) {
                        long acc = 0;
                        for (int c = 0; c < cg; c++) {
                            int plane = (b * g.channels() + group * cg + c) * g.height();
                            for (int fy = 0; fy < g.kernelY(); fy++) {
                                int iy = oy * g.strideY() + fy * g.dilationY() - g.padTop();
                                for (int fx = 0; fx < g.kernelX(); fx++) {
                                    int ix = ox * g.strideX() + fx * g.dilationX() - g.padLeft();
                                    // padding holds the real zero: the zero point, so (x - zx) = 0 (ONNX QLinearConv)
                                    if (iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width()) {
                                        long xv = (long) x.data()[(plane + iy) * g.width() + ix] - zx;
                                        acc += xv * (long) w[((k * cg + c) * g.kernelY() + fy) * g.kernelX() + fx];
                                    }
                                }
                            }
                        }
                        out[i++] = value(integer, acc, k);
                    }
                }
            }
        }
        return new Tensor(Shape.of(n, g.filters(), g.outY(), g.outX()), out);
    }
}
