package io.cnv2.exec;

import io.cnv2.fixed.Calibration;
import io.cnv2.fixed.Fixed;
import io.cnv2.fixed.Formats;
import io.cnv2.fixed.HostOps;
import io.cnv2.fixed.QTensor;
import io.cnv2.hw.Accelerator;
import io.cnv2.hw.LayerRun;
import io.cnv2.hw.LayerStats;
import io.cnv2.hw.OutputsOnly;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.QuantisedLayers;
import io.cnv2.hw.Threshold;
import io.cnv2.ir.Activation;
import io.cnv2.ir.AvgPool;
import io.cnv2.ir.BatchNorm;
import io.cnv2.ir.Concat;
import io.cnv2.ir.Eltwise;
import io.cnv2.ir.GlobalAvgPool;
import io.cnv2.ir.HostGraph;
import io.cnv2.ir.Input;
import io.cnv2.ir.MatMul;
import io.cnv2.ir.MaxPool;
import io.cnv2.ir.ReduceMean;
import io.cnv2.ir.Relayout;
import io.cnv2.ir.Resize;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.ir.Reshape;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a network in the accelerator's 16-bit fixed point: conv and fully connected layers on an
 * {@link Accelerator} model, the rest on the host with the rules of {@link HostOps}, softmax in
 * float. One instance holds the quantised weights and may run many samples on many threads.
 */
public final class FixedExecutor {
    private final Network network;
    private final Formats formats;
    private final QuantisedLayers layers;
    private final Accelerator accelerator;
    /** The accelerator's outputs by rule 7 without its statistics, or null where it must run in full. */
    private final OutputsOnly outputsOnly;
    private final Map<String, QTensor> constants = new HashMap<>();
    private final int accumulatorBits;

    public FixedExecutor(Network network, Calibration calibration, Accelerator accelerator, int accumulatorBits) {
        this.network = network;
        this.accumulatorBits = accumulatorBits;
        this.formats = Formats.of(network, calibration);
        this.layers = QuantisedLayers.of(network, formats, accumulatorBits);
        this.accelerator = accelerator;
        this.outputsOnly = outputsOnly(accelerator, accumulatorBits, layers);
        // constants that are operands of host ops are quantised like weights: their own range (rule 1)
        network.constants().forEach((name, t) -> {
            double min = 0;
            double max = 0;
            for (float v : t.data()) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            constants.put(name, QTensor.quantize(t, Fixed.fracFor(min, max), null));
        });
    }

    /** {@code base}'s quantised network (formats, weights, constants) on another accelerator model. */
    private FixedExecutor(FixedExecutor base, Accelerator accelerator) {
        this.network = base.network;
        this.accumulatorBits = base.accumulatorBits;
        this.formats = base.formats;
        this.layers = base.layers;
        this.accelerator = accelerator;
        this.outputsOnly = outputsOnly(accelerator, accumulatorBits, layers);
        this.constants.putAll(base.constants);
    }

    /**
     * The accelerator's outputs-only form with the layers' thresholds resolved once, or null where
     * it must run in full ({@link OutputsOnly#of}).
     */
    private static OutputsOnly outputsOnly(Accelerator accelerator, int accumulatorBits, QuantisedLayers layers) {
        return OutputsOnly.of(accelerator, accumulatorBits).map(o -> o.resolving(layers.all().values())).orElse(null);
    }

    /**
     * This executor's quantised network run on {@code other}: nothing is quantised again, and the
     * layers are the same objects, so the kernels' per-layer caches (packed weights, output-stage
     * constants) serve both (a second design over the same images, issue 23).
     */
    public FixedExecutor on(Accelerator other) {
        return new FixedExecutor(this, other);
    }

    public Network network() {
        return network;
    }

    public Formats formats() {
        return formats;
    }

    public QuantisedLayers layers() {
        return layers;
    }

    public Accelerator accelerator() {
        return accelerator;
    }

    /**
     * The result of one sample: the network outputs in float (dequantised, or float from a
     * host-float layer), every fixed-point tensor when asked, and per-node statistics.
     */
    public record Result(Map<String, Tensor> outputs, Map<String, QTensor> tensors, List<NodeStats> nodes,
                         Map<String, Tensor> hostFloats, Map<String, QTensor> layerInputs) {
        /**
         * Tensor {@code name} as the emulation holds it, as ONNX holds it: a network output as handed
         * over; in a quantised model a host output as the host made it (ONNX Runtime's float or integers,
         * which the next integer layer reads exactly); else the 16-bit tensor, a quantised model's
         * integers as the model's own (with their zero point). Null when not kept.
         */
        public Tensor onnxValue(String name, boolean quantisedModel) {
            if (outputs.containsKey(name)) {
                return outputs.get(name);
            }
            if (quantisedModel && hostFloats.containsKey(name)) {
                return hostFloats.get(name);
            }
            return tensors.containsKey(name) ? tensors.get(name).onnxValue() : null;
        }
    }

    public Result run(Map<String, Tensor> inputs, boolean keepTensors) {
        return run(inputs, keepTensors, true);
    }

    /**
     * The network's outputs of one sample and nothing else ({@link Result#outputs}; no tensors, no
     * node statistics), for runs that report only outputs (accuracy): the accelerator layers give
     * their outputs by rule 7 ({@link OutputsOnly}) without timing, where the model allows it. The
     * outputs are {@link #run}'s bit for bit ({@code OutputsOnlyRuleTest}).
     */
    public Map<String, Tensor> outputs(Map<String, Tensor> inputs) {
        return run(inputs, false, false).outputs();
    }

    /** Whether {@link #outputs} skips the accelerator's statistics (a fast model), or runs it in full. */
    public boolean outputsOnly() {
        return outputsOnly != null;
    }

    private Result run(Map<String, Tensor> inputs, boolean keepTensors, boolean statistics) {
        Map<String, QTensor> values = new HashMap<>(constants);
        // tensors the host holds in float: graph inputs, and what host-float nodes computed; a host
        // graph reads these as they are and dequantises only what the accelerator or the fixed-point
        // host made (the placement rule of docs/ARCHITECTURE.md)
        Map<String, Tensor> floats = new HashMap<>();
        for (Input in : network.inputs()) {
            Tensor t = inputs.get(in.name());
            FloatExecutor.checkInput(in, t);
            values.put(in.name(), QTensor.quantize(t, formats.frac(in.name()), null));
            floats.put(in.name(), t);
        }
        List<NodeStats> stats = statistics ? new ArrayList<>(network.nodes().size()) : List.of();
        Map<String, QTensor> fed = new HashMap<>(); // a quantised model's layer inputs as fed (centred)
        List<Node> nodes = network.nodes();
        for (int index = 0; index < nodes.size(); index++) {
            Node n = nodes.get(index);
            if (!keepTensors && index > 0) {
                // a tensor no later node reads is dropped: a sample holds the live tensors only, not the
                // network's every activation (a 1024 x 1024 network would not fit the heap)
                for (String dead : network.lastReadBy(index - 1)) {
                    values.remove(dead);
                    floats.remove(dead);
                }
            }
            if (n.op() instanceof HostGraph g) {
                NodeStats s = hostGraph(n, g, values, floats, statistics);
                if (statistics) {
                    stats.add(s);
                }
                continue;
            }
            QTensor x = values.get(n.inputs().get(0));
            long[] sat = new long[1];
            Accelerated hw = null;
            QTensor out;
            Shape outShape = network.shape(n.output());
            int fo = formats.frac(n.output());
            io.cnv2.hw.QLayer sampleLayer = layers.layer(n.name());
            if (n.op() instanceof io.cnv2.ir.QuantisedLayer ql) {
                List<Tensor> args = new ArrayList<>();
                for (String i : n.inputs()) {
                    args.add(hostValue(i, values, floats));
                }
                io.cnv2.fixed.IntegerOutput io = ql.forSample(args);
                sampleLayer = sampleLayer.with(io);
                x = centred(n.inputs().get(0), io.input(), values, floats);
                if (keepTensors) {
                    fed.put(n.name(), x); // what its neuron memory held: the centred integers, not the host's tensor
                }
            }
            if (n.isAcceleratorLayer()) {
                hw = accelerate(n, sampleLayer, x, outShape, statistics);
                out = hw.output();
                sat[0] = hw.saturations();
                if (hw.accumulators() != null) {
                    // ConvInteger, MatMulInteger: the int32 sums go to the host as the Cast after them makes them
                    float[] f = new float[hw.accumulators().length];
                    for (int i = 0; i < f.length; i++) {
                        f[i] = hw.accumulators()[i];
                    }
                    Tensor sums = new Tensor(outShape, f);
                    floats.put(n.output(), sums);
                    out = QTensor.quantize(sums, fo, sat);
                }
            } else if (Placement.of(n) == Placement.HOST_FLOAT) {
                Tensor f = n.op().apply(List.of(x.dequantize()));
                floats.put(n.output(), f);
                out = QTensor.quantize(f, fo, sat);
            } else {
                out = host(n, x, values, outShape, fo, sat);
            }
            values.put(n.output(), out);
            if (statistics) {
                stats.add(new NodeStats(n.name(), hw == null ? null : hw.stats(), sat[0], zeros(x), x.data().length));
            }
        }
        Map<String, Tensor> outs = new LinkedHashMap<>();
        for (String o : network.outputs()) {
            outs.put(o, floats.containsKey(o) ? floats.get(o) : values.get(o).onnxValue());
        }
        Map<String, QTensor> kept = new LinkedHashMap<>();
        if (keepTensors) {
            values.forEach((k, v) -> {
                if (!constants.containsKey(k)) {
                    kept.put(k, v);
                }
            });
        }
        return new Result(outs, kept, stats, keepTensors ? floats : Map.of(), fed);
    }

    /**
     * An accelerator layer on its input. The accelerator takes one input at a time (a window
     * sweep over one [1, C, H, W] map, CNV2-MODEL.md section 3), so a conv whose input carries a
     * batch of N > 1 (a model declaring batch N) runs its N samples one after the other: the
     * outputs are stacked along the batch, the statistics summed.
     */
    private Accelerated accelerate(Node n, QLayer q, QTensor x, Shape outShape, boolean statistics) {
        io.cnv2.ir.Op op = n.op() instanceof io.cnv2.ir.QuantisedLayer ql ? ql.layer() : n.op();
        int batch = x.shape().rank() == 4 && !(op instanceof io.cnv2.ir.Dense) ? x.shape().dim(0) : 1;
        if (batch == 1) {
            Accelerated r = once(q, AcceleratorInput.of(n.op(), x), statistics);
            return new Accelerated(AcceleratorInput.output(n.op(), r.output(), outShape), r.stats(), r.saturations(),
                    AcceleratorInput.output(n.op(), r.accumulators(), outShape));
        }
        int per = x.shape().size() / batch;
        Shape one = Shape.of(1, x.shape().dim(1), x.shape().dim(2), x.shape().dim(3));
        short[] out = new short[outShape.size()];
        int[] wide = q.integer() != null && q.integer().isRaw() ? new int[outShape.size()] : null;
        int outPer = outShape.size() / batch;
        LayerStats sum = null;
        long saturations = 0;
        for (int b = 0; b < batch; b++) {
            short[] d = java.util.Arrays.copyOfRange(x.data(), b * per, (b + 1) * per);
            Accelerated r = once(q, AcceleratorInput.of(n.op(), x.withData(one, d)), statistics);
            System.arraycopy(r.output().data(), 0, out, b * outPer, outPer);
            if (wide != null) {
                System.arraycopy(r.accumulators(), 0, wide, b * outPer, outPer);
            }
            sum = sum == null ? r.stats() : r.stats() == null ? sum : sum.plus(r.stats());
            saturations += r.saturations();
        }
        return new Accelerated(q.integer() != null && !q.integer().isRaw() ? QTensor.centred(outShape, out,
                q.integer().output()) : new QTensor(outShape, out, formats.frac(n.output())), sum, saturations, wide);
    }

    /** An accelerator layer's outputs, saturations and int32 sums; its statistics when they were asked for. */
    private record Accelerated(QTensor output, LayerStats stats, long saturations, int[] accumulators) {
    }

    /** One input of a layer through the accelerator: in full, or by rule 7 alone when no statistics are asked for. */
    private Accelerated once(QLayer q, QTensor in, boolean statistics) {
        if (!statistics && outputsOnly != null) {
            OutputsOnly.Outputs o = outputsOnly.run(q, in);
            return new Accelerated(o.output(), null, o.saturations(), o.accumulators());
        }
        LayerRun r = accelerator.run(q, in);
        return new Accelerated(r.output(), r.stats(), r.stats().outputSaturations(), r.accumulators());
    }

    /**
     * The input of a quantised model's layer as its neuron memory holds it: the model's integers
     * (uint8 or int8, exact in float where the host made them) less the layer's input zero point
     * (docs/FIXED-POINT.md, "Quantised models": the zero point is subtracted as the activation is
     * written, so the real zero is the integer 0, the one the lanes skip).
     */
    private static QTensor centred(String tensor, io.cnv2.fixed.Affine a, Map<String, QTensor> values,
                                   Map<String, Tensor> floats) {
        QTensor q = values.get(tensor);
        if (q.affine() != null && q.affine().equals(a)) {
            return q; // straight from another integer layer with the same quantisation
        }
        Tensor t = floats.containsKey(tensor) ? floats.get(tensor) : q.onnxValue();
        short[] c = new short[t.data().length];
        for (int i = 0; i < c.length; i++) {
            float v = t.data()[i];
            if (v != Math.rint(v) || v < a.type().min() || v > a.type().max()) {
                throw new io.cnv2.BadInputException("tensor '" + tensor + "' holds " + v + ", not a " + a.type().onnxName()
                        + " value, where a quantised layer reads it");
            }
            c[i] = (short) (v - a.zeroPoint());
        }
        return QTensor.centred(t.shape(), c, a);
    }

    /**
     * Tensor {@code i} as ONNX holds it, for a reader outside the accelerator's 16-bit datapath: the
     * host's float (or integers) where the host made it, a constant, else the emulation's tensor.
     */
    private Tensor hostValue(String i, Map<String, QTensor> values, Map<String, Tensor> floats) {
        Tensor f = floats.get(i);
        if (f != null) {
            return f;
        }
        return network.isConstant(i) ? network.constants().get(i) : values.get(i).onnxValue();
    }

    /** A host graph in float on the host runtime; its outputs quantised to their formats (rule 1). */
    private NodeStats hostGraph(Node n, HostGraph g, Map<String, QTensor> values, Map<String, Tensor> floats,
                                boolean statistics) {
        List<Tensor> args = new ArrayList<>(n.inputs().size());
        for (String i : n.inputs()) {
            args.add(hostValue(i, values, floats));
        }
        List<Tensor> out = g.applyAll(args);
        long[] sat = new long[1];
        for (int k = 0; k < out.size(); k++) {
            String o = n.outputs().get(k);
            floats.put(o, out.get(k));
            values.put(o, QTensor.quantize(out.get(k), formats.frac(o), sat));
        }
        if (!statistics) {
            return null;
        }
        QTensor x = n.inputs().isEmpty() ? null : values.get(n.inputs().get(0));
        return new NodeStats(n.name(), null, sat[0], x == null ? 0 : zeros(x), x == null ? 0 : x.data().length);
    }

    private QTensor host(Node n, QTensor x, Map<String, QTensor> values, Shape outShape, int fo, long[] sat) {
        if (n.op() instanceof Activation a) {
            return switch (a.function()) {
                case RELU -> HostOps.relu(x);
                case CLIP -> HostOps.clip(x, a.a(), a.b());
                default -> HostOps.smooth(a, x, fo, sat);
            };
        }
        if (n.op() instanceof MaxPool p) {
            return HostOps.maxPool(p.window(), x, outShape);
        }
        if (n.op() instanceof AvgPool p) {
            return HostOps.avgPool(p.window(), p.countIncludePad(), x, outShape);
        }
        if (n.op() instanceof GlobalAvgPool) {
            return HostOps.globalAvgPool(x);
        }
        if (n.op() instanceof Reshape r) {
            return x.reshape(r.target());
        }
        if (n.op() instanceof Eltwise e) {
            return HostOps.eltwise(e.op(), x, values.get(n.inputs().get(1)), outShape, fo, sat);
        }
        if (n.op() instanceof Concat c) {
            return HostOps.concat(c.axis(), n.inputs().stream().map(values::get).toList(), outShape, fo, sat);
        }
        if (n.op() instanceof BatchNorm bn) {
            return HostOps.affine(x, bn.multiplier(), bn.offset(), fo, sat);
        }
        if (n.op() instanceof Relayout r) {
            return HostOps.relayout(r, x, outShape);
        }
        if (n.op() instanceof Resize r) {
            return HostOps.resize(r, x, outShape);
        }
        if (n.op() instanceof ReduceMean r) {
            return HostOps.reduceMean(r, x, outShape);
        }
        if (n.op() instanceof MatMul m) {
            return HostOps.matmul(m, x, values.get(n.inputs().get(1)), outShape, fo, sat);
        }
        throw new IllegalStateException("node " + n.name() + ": no fixed-point rule for " + n.op().kind());
    }

    /**
     * Zeros of a host op's output: the values the zero threshold finds ineffectual (|v| < 1), by
     * {@link Threshold#count}'s branch-free pass, a vector of values per compare with the Vector
     * API. A branch per value mispredicted on ReLU outputs, whose zeros fall at random (2 % of a
     * ResNet-18 image's emulation with statistics, issue 23).
     */
    static long zeros(QTensor x) {
        return x.data().length - ZERO.count(x.data())[1];
    }

    /** The zero threshold: only 0 is ineffectual (its bound is 1 whatever the format). */
    private static final Threshold ZERO = Threshold.zero(0);
}
