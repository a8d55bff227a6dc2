package io.cnv2.exec;

import io.cnv2.fixed.Affine;
import io.cnv2.fixed.IntegerOutput;
import io.cnv2.fixed.QTensor;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.brick.OutputStage;
import io.cnv2.ir.Conv;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.Dense;
import io.cnv2.ir.QuantisedLayer;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.List;

/**
 * A quantised model's integer layer in the float executor at the dense baseline's speed: the
 * same exact sums ({@code WindowSums}, exact in double for any fan-in below 2^23) and the same
 * output rule ({@link IntegerOutput}) as {@link QuantisedLayer#apply}, the literal definition,
 * which the randomised tests hold both to (IntegerLayerRulesTest). A 1024 x 1024 network of
 * ConvIntegers takes minutes in plain loops and seconds here.
 */
final class IntegerLayerKernel {
    private IntegerLayerKernel() {
    }

    static Tensor apply(String node, QuantisedLayer op, List<Tensor> args, Shape outShape) {
        Tensor x = args.get(0);
        IntegerOutput io = op.forSample(args);
        Affine in = io.input();
        int zx = op.inputZeroPoint(args);
        int batch = op.layer() instanceof Conv ? x.shape().dim(0) : 1;
        Shape one = op.layer() instanceof Conv ? Shape.of(1, x.shape().dim(1), x.shape().dim(2), x.shape().dim(3))
                : x.shape();
        ConvGeometry g = op.layer() instanceof Conv c ? c.geometry(node, one) : ((Dense) op.layer()).geometry(one);
        QLayer q = QLayer.integer(node, g, op.centredWeights(), io);
        float[] out = new float[outShape.size()];
        int per = one.size();
        int outPer = out.length / batch;
        for (int b = 0; b < batch; b++) {
            short[] c = new short[per];
            for (int i = 0; i < per; i++) {
                c[i] = (short) (x.data()[b * per + i] - zx);
            }
            QTensor centred = AcceleratorInput.of(op, QTensor.centred(one, c, in));
            OutputStage stage = new OutputStage(q, 64).finishAll(centred.data());
            io.cnv2.hw.LayerRun r = stage.run(stage.tensor(centred.shape()), null);
            int[] d = outShape.dims();
            d[0] = batch == 1 ? d[0] : 1;
            Shape oneOut = new Shape(d);
            if (r.accumulators() != null) {
                int[] sums = AcceleratorInput.output(op, r.accumulators(), oneOut);
                for (int i = 0; i < outPer; i++) {
                    out[b * outPer + i] = sums[i]; // the Cast to float after the layer (round to nearest even)
                }
            } else {
                short[] y = AcceleratorInput.output(op, r.output(), oneOut).data();
                for (int i = 0; i < outPer; i++) {
                    out[b * outPer + i] = y[i] + io.output().zeroPoint();
                }
            }
        }
        return new Tensor(outShape, out);
    }
}
