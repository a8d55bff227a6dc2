package io.cnv2.fixed;

import io.cnv2.BadInputException;
import io.cnv2.ir.Activation;
import io.cnv2.ir.AvgPool;
import io.cnv2.ir.GlobalAvgPool;
import io.cnv2.ir.MaxPool;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.ir.Op;
import io.cnv2.ir.ReduceMean;
import io.cnv2.ir.Relayout;
import io.cnv2.ir.Reshape;
import io.cnv2.ir.Resize;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fraction length of every activation tensor of a network in one run. Tensors made by ops
 * that cannot leave their input's range (ReLU, Clip, max/average pooling, reshape, transpose, slice,
 * resize, mean) keep their
 * input's format, which makes those ops exact [chosen]; every other tensor takes its format
 * from the calibration.
 */
public final class Formats {
    private final Map<String, Integer> fracs;

    private Formats(Map<String, Integer> fracs) {
        this.fracs = Collections.unmodifiableMap(fracs);
    }

    /** True if the op's output keeps the format of its (first) input. */
    public static boolean inheritsFormat(Op op) {
        return op instanceof MaxPool || op instanceof AvgPool || op instanceof GlobalAvgPool
                || op instanceof Reshape || op instanceof Relayout || op instanceof Resize || op instanceof ReduceMean
                || op instanceof Activation a && (a.function() == Activation.Function.RELU
                        || a.function() == Activation.Function.CLIP);
    }

    /** Tensors whose format the calibration must give: inputs and outputs of non-inheriting ops. */
    public static Iterable<String> calibratedTensors(Network net) {
        var names = new java.util.ArrayList<String>();
        net.inputs().forEach(i -> names.add(i.name()));
        for (Node n : net.nodes()) {
            if (!inheritsFormat(n.op())) {
                names.addAll(n.outputs());
            }
        }
        return names;
    }

    public static Formats of(Network net, Calibration cal) {
        Map<String, Integer> f = new LinkedHashMap<>();
        for (var in : net.inputs()) {
            f.put(in.name(), require(cal, in.name()));
        }
        for (Node n : net.nodes()) {
            if (inheritsFormat(n.op()) && !net.isConstant(n.inputs().get(0))) {
                f.put(n.output(), f.get(n.inputs().get(0)));
            } else {
                n.outputs().forEach(o -> f.put(o, require(cal, o)));
            }
        }
        return new Formats(f);
    }

    private static int require(Calibration cal, String tensor) {
        Integer v = cal.fraction(tensor);
        if (v == null) {
            throw new BadInputException("calibration '" + cal.source() + "' has no format for tensor '" + tensor + "'");
        }
        if (v < Fixed.MIN_FRAC || v > Fixed.MAX_FRAC) {
            throw new BadInputException("calibration '" + cal.source() + "': fraction length " + v + " of tensor '"
                    + tensor + "' is outside " + Fixed.MIN_FRAC + ".." + Fixed.MAX_FRAC);
        }
        return v;
    }

    public int frac(String tensor) {
        Integer v = fracs.get(tensor);
        if (v == null) {
            throw new IllegalArgumentException("no format for tensor " + tensor);
        }
        return v;
    }

    public Map<String, Integer> all() {
        return fracs;
    }
}
