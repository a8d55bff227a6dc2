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
 * <p>{@link #apply} is the literal definition: exact integer sums in 64 bits over the centred
 * input, then the output rule. It is what the float executor runs, so cnv2's import of the layer
 * is proved against ONNX Runtime's integer kernels by the same comparison as every other op.
 */
public record QuantisedLayer(Op layer, IntegerOutput integer) implements Op {
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
        return layer instanceof Conv ? "QLinearConv" : "QLinearMatMul";
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape inferShape(String node, List<Shape> inputs) {
        return layer.inferShape(node, inputs);
    }

    @Override
    public long macs(List<Shape> inputs, Shape output) {
        return layer.macs(inputs, output);
    }

    @Override
    public Tensor apply(List<Tensor> inputs) {
        Tensor x = inputs.get(0);
        int zx = integer.input().zeroPoint();
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
                    out[r * k + o] = integer.finish(acc, o) + integer.output().zeroPoint();
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
                        out[i++] = integer.finish(acc, k) + integer.output().zeroPoint();
                    }
                }
            }
        }
        return new Tensor(Shape.of(n, g.filters(), g.outY(), g.outX()), out);
    }
}
