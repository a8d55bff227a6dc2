package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.ArrayList;
import java.util.List;

/**
 * LSTM and GRU, unrolled over the sequence ({@link Recurrent}): gate matrices on the accelerator.
 */
final class RecurrentOps {
    private RecurrentOps() {
    }

    static void register(Translators.Registry r) {
        r.add((t, name, n, at) -> recurrent(t, name, n, at, t.first(n)), "LSTM", "GRU");
    }

    /** LSTM or GRU unrolled over the sequence ({@link Recurrent}); only the outputs the graph reads are made. */
    static void recurrent(Translation t, String name, NodeProto n, Attributes at, String x) {
        boolean lstm = n.getOpType().equals("LSTM");
        List<String> outs = new ArrayList<>();
        boolean[] read = new boolean[3];
        for (int i = 0; i < 3; i++) {
            String o = i < n.getOutputCount() ? n.getOutput(i) : "";
            outs.add(o);
            read[i] = !o.isEmpty() && t.isRead(o);
        }
        var node = new Recurrent.Cell(name, at, x, t.dynamicShape(n, 0), t.batchAxis(x), t.required(n, 1, "W"),
                t.required(n, 2, "R"), t.constant(n, 3, "B"), t.constant(n, 4, "sequence_lens"),
                t.constant(n, 5, "initial_h"), lstm ? t.constant(n, 6, "initial_c") : null,
                lstm ? t.constant(n, 7, "P") : null, outs, read);
        Recurrent.Unrolled u = lstm ? Recurrent.lstm(node) : Recurrent.gru(node);
        t.putConstants(u.constants());
        for (Recurrent.Step s : u.steps()) {
            t.add(s.name(), n, s.op(), s.inputs(), s.output());
        }
        t.setBatchAxes(u.batchAxes());
    }
}
