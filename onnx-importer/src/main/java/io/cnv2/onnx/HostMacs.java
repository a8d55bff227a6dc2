package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.function.Function;

/**
 * Multiply-accumulates per sample of the ONNX nodes that do them (convolutions and matrix
 * products) when the host runs them, so that a run's report can say what share of a network's
 * MACs each place holds. Other ops count none, as cnv2's own host ops do.
 */
final class HostMacs {
    private HostMacs() {
    }

    static long of(NodeProto n, Function<String, TypeProbe.ValueType> types) {
        try {
            return switch (n.getOpType()) {
                case "Conv", "ConvInteger", "QLinearConv" -> {
                    long[] w = dims(types, n.getInput(n.getOpType().equals("QLinearConv") ? 3 : 1));
                    yield w == null ? 0 : product(dims(types, n.getOutput(0)), 0) * product(w, 1);
                }
                case "ConvTranspose" -> {
                    long[] w = dims(types, n.getInput(1));
                    long[] x = dims(types, n.getInput(0));
                    yield w == null || x == null ? 0 : product(x, 0) * product(w, 1);
                }
                case "MatMul", "Gemm", "MatMulInteger", "QLinearMatMul" -> {
                    long[] a = dims(types, n.getInput(0));
                    long[] out = dims(types, n.getOutput(0));
                    if (a == null || out == null || a.length == 0) {
                        yield 0;
                    }
                    boolean transA = n.getOpType().equals("Gemm") && new Attributes(n).integer("transA", 0) != 0;
                    long k = transA ? a[0] : a[a.length - 1];
                    yield product(out, 0) * k;
                }
                default -> 0;
            };
        } catch (RuntimeException e) {
            return 0; // a count for a report, never a reason to refuse a model
        }
    }

    private static long[] dims(Function<String, TypeProbe.ValueType> types, String t) {
        TypeProbe.ValueType v = types.apply(t);
        return v == null || !v.known() ? null : v.dims();
    }

    private static long product(long[] d, int from) {
        if (d == null) {
            return 0;
        }
        long p = 1;
        for (int i = from; i < d.length; i++) {
            p *= d[i];
        }
        return p;
    }
}
