package io.cnv2.ir;

import java.util.List;

/**
 * A piece of the imported graph that neither the accelerator nor the host's fixed-point rules
 * run: consecutive nodes of ops cnv2 does not model (Erf, Pad, Split, If, ...), executed in float
 * by the host runtime the importer names ({@link #runtime}) on dequantised inputs; its outputs are
 * quantised to their calibrated formats where they enter the accelerator or the fixed-point host
 * again (docs/ARCHITECTURE.md, placement). Shapes are static: the importer learned them from the
 * runtime for the per-sample input shapes, and a call that returns others is an error; only an
 * output marked {@code dataDependent} (NonZero, NonMaxSuppression, Unique...: its shape is
 * a function of the values) may come back in another shape, and the importer lets such a tensor
 * reach only the host and the network's outputs, never the accelerator.
 *
 * @param opTypes    the ops inside, in order (for tables: "Erf", "Pad", ...)
 * @param outputShapes one shape per output tensor
 * @param macs       multiply-accumulates per sample of the convolutions and matrix products inside
 * @param runtime    who runs it ("ONNX Runtime")
 * @param dataDependent per output: true where its shape depends on the input values
 */
public record HostGraph(List<String> opTypes, int inputCount, List<Shape> outputShapes, long macs, String runtime,
                        HostFunction function, List<Boolean> dataDependent) implements Op {
    public HostGraph {
        opTypes = List.copyOf(opTypes);
        outputShapes = List.copyOf(outputShapes);
        dataDependent = List.copyOf(dataDependent);
        if (dataDependent.size() != outputShapes.size()) {
            throw new IllegalArgumentException("one data-dependence flag per output");
        }
        if (outputShapes.isEmpty()) {
            throw new IllegalArgumentException("a host graph has at least one output");
        }
    }

    @Override
    public String kind() {
        return opTypes.size() == 1 ? opTypes.get(0) : "HostGraph(" + opTypes.size() + " ops)";
    }

    @Override
    public int arity() {
        return inputCount;
    }

    @Override
    public int outputCount() {
        return outputShapes.size();
    }

    @Override
    public Shape inferShape(String node, List<Shape> inputs) {
        return outputShapes.get(0);
    }

    @Override
    public List<Shape> inferShapes(String node, List<Shape> inputs) {
        return outputShapes;
    }

    @Override
    public Tensor apply(List<Tensor> inputs) {
        return applyAll(inputs).get(0);
    }

    @Override
    public List<Tensor> applyAll(List<Tensor> inputs) {
        List<Tensor> out = function.apply(inputs);
        if (out.size() != outputShapes.size()) {
            throw new IllegalStateException(runtime + " returned " + out.size() + " tensors for a host graph of "
                    + outputShapes.size() + " outputs");
        }
        for (int i = 0; i < out.size(); i++) {
            if (!dataDependent.get(i) && !out.get(i).shape().equals(outputShapes.get(i))) {
                throw new IllegalStateException(runtime + " returned output " + i + " of shape " + out.get(i).shape()
                        + " where the import found " + outputShapes.get(i) + " (a shape that depends on the data)");
            }
        }
        return out;
    }

    @Override
    public long macs(List<Shape> inputs, Shape output) {
        return macs;
    }

    @Override
    public String toString() {
        return "HostGraph" + opTypes;
    }
}
