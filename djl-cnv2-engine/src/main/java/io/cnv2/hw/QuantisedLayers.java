package io.cnv2.hw;

import io.cnv2.fixed.Fixed;
import io.cnv2.fixed.Formats;
import io.cnv2.ir.Conv;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.ConvTranspose;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Dense;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.ir.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The accelerator layers of a network as they are run: weights and biases quantised to 16 bits
 * with per-tensor formats (rule 1: the largest fraction length that holds the tensor's range),
 * input and output formats from the run's {@link Formats}. Built once per run.
 */
public final class QuantisedLayers {
    private final Map<String, QLayer> layers;
    private final List<String> warnings;
    private final long weightSaturations;

    private QuantisedLayers(Map<String, QLayer> layers, List<String> warnings, long weightSaturations) {
        this.layers = Collections.unmodifiableMap(layers);
        this.warnings = List.copyOf(warnings);
        this.weightSaturations = weightSaturations;
    }

    public static QuantisedLayers of(Network net, Formats formats, int accumulatorBits) {
        Map<String, QLayer> layers = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        long[] sat = new long[1];
        for (Node n : net.acceleratorLayers()) {
            ConvGeometry g;
            Tensor w;
            Tensor b;
            if (net.constants().containsKey(n.inputs().get(0))) {
                // an accelerator layer multiplies activations by its weights; a constant input has no
                // activation format (fuzz finding: a Gemm whose data operand is an initializer)
                throw new io.cnv2.BadInputException("layer " + n.name() + ": its input '" + n.inputs().get(0)
                        + "' is a constant, not an activation; the accelerator runs layers on activations");
            }
            Shape in = net.shape(n.inputs().get(0));
            if (n.op() instanceof io.cnv2.ir.QuantisedLayer ql) {
                // a quantised model's layer keeps the model's integers: nothing to choose (IntegerOutput)
                ConvGeometry qg = ql.layer() instanceof Conv c ? c.geometry(n.name(), in) : ((Dense) ql.layer()).geometry(in);
                layers.put(n.name(), QLayer.integer(n.name(), qg, ql.centredWeights(), ql.integer()));
                continue;
            }
            if (n.op() instanceof Conv c) {
                g = c.geometry(n.name(), in);
                w = c.weight();
                b = c.bias();
            } else if (n.op() instanceof ConvTranspose t) {
                // run as the equivalent conv over the zero-inserted input (ConvTranspose's comment)
                Conv c = t.equivalentConv();
                g = c.geometry(n.name(), t.zeroInsertedShape(in));
                w = c.weight();
                b = c.bias();
            } else {
                Dense d = (Dense) n.op();
                g = d.geometry(in);
                w = d.weight();
                b = d.bias();
            }
            int fw = fracOf(w);
            short[] qw = quantize(w, fw, sat);
            int fb = b == null ? 0 : fracOf(b);
            short[] qb = b == null ? null : quantize(b, fb, sat);
            QLayer q = new QLayer(n.name(), g, qw, fw, qb, fb, formats.frac(n.inputs().get(0)), formats.frac(n.output()));
            // rule 3: say at load time if the fan-in could overflow the accumulator
            if (Math.log(q.fanIn()) / Math.log(2) + 30 >= accumulatorBits - 1) {
                warnings.add("layer " + n.name() + ": fan-in " + q.fanIn() + " x 2^30 may overflow the "
                        + accumulatorBits + "-bit accumulator");
            }
            String wraps = wraps(q, accumulatorBits);
            if (wraps != null) {
                warnings.add(wraps);
            }
            String limit = atFracLimit(q);
            if (limit != null) {
                warnings.add(limit);
            }
            layers.put(n.name(), q);
        }
        return new QuantisedLayers(layers, warnings, sat[0]);
    }

    /**
     * Rules 3 and 4 said at load time, as rule 3 says the fan-in: a layer whose accumulator, at fa + fw
     * fraction bits, cannot hold its own aligned bias or the largest output its format fo can hold
     * (2^(15 - fo)) wraps those sums, and its outputs are then wrong with no saturation counted. It
     * happens where rule 1 gives an input format many fraction bits (activations near 1e-8, as deep in
     * a network of random weights): 48 bits at 59 fraction bits reach only 2^-12. Null when neither can
     * happen.
     */
    static String wraps(QLayer q, int accumulatorBits) {
        if (q.integer() != null) {
            return null;
        }
        int faw = q.accumulatorFrac();
        // the accumulator holds |a| < 2^(accumulatorBits - 1), a real value below 2^(accumulatorBits - 1 - faw)
        int room = accumulatorBits - 1 - faw;
        boolean bias = false;
        if (q.bias() != null) {
            for (short b : q.bias()) {
                // past a shift of 46 a non-zero 16-bit bias leaves a long: it fits no accumulator of 48 bits or more
                bias |= b != 0 && (faw - q.biasFrac() > 46
                        || Math.abs(io.cnv2.fixed.Fixed.alignBias(b, q.biasFrac(), faw)) >= 1L << (accumulatorBits - 1));
            }
        }
        boolean outputs = 15 - q.outputFrac() > room;
        if (!bias && !outputs) {
            return null;
        }
        return "layer " + q.name() + ": its " + (bias ? "bias" : "output format's range (2^" + (15 - q.outputFrac()) + ")")
                + " does not fit the " + accumulatorBits + "-bit accumulator at fa + fw = " + faw
                + " fraction bits (it holds up to 2^" + room + "), so its sums wrap (rules 3 and 4): the input format "
                + "fa = " + q.inputFrac() + " comes from tiny activations; pin a smaller one in a calibration file";
    }

    /**
     * Rule 1 at its bound: a format of {@link io.cnv2.fixed.Fixed#MAX_FRAC} fraction bits is what a
     * tensor gets whose largest |x| is below 2^-25 (an all-zero one gets 15), and values below half
     * its step, 2^-41, round to zero: an output of such a layer can come out all zeros. Null when
     * neither the layer's input nor its output format is at the bound.
     */
    static String atFracLimit(QLayer q) {
        if (q.integer() != null) {
            return null;
        }
        int max = io.cnv2.fixed.Fixed.MAX_FRAC;
        boolean in = q.inputFrac() >= max;
        boolean out = q.outputFrac() >= max;
        if (!in && !out) {
            return null;
        }
        return "layer " + q.name() + ": its " + (in && out ? "input and output formats are" : in ? "input format is"
                : "output format is") + " at the " + max + "-fraction-bit limit (activations below 2^-25 in magnitude): "
                + "values below 2^-" + (max + 1) + " round to zero";
    }

    static int fracOf(Tensor t) {
        double min = 0;
        double max = 0;
        for (float v : t.data()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return Fixed.fracFor(min, max);
    }

    static short[] quantize(Tensor t, int frac, long[] sat) {
        short[] q = new short[t.data().length];
        for (int i = 0; i < q.length; i++) {
            if (Fixed.saturates(t.data()[i], frac)) {
                sat[0]++;
            }
            q[i] = (short) Fixed.quantize(t.data()[i], frac);
        }
        return q;
    }

    public QLayer layer(String node) {
        return layers.get(node);
    }

    public Map<String, QLayer> all() {
        return layers;
    }

    public List<String> warnings() {
        return warnings;
    }

    public long weightSaturations() {
        return weightSaturations;
    }
}
