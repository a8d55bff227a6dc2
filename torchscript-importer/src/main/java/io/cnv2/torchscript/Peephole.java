package io.cnv2.torchscript;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What PyTorch's exporter does to an inference graph before writing it
 * (torch/csrc/jit/passes/onnx/eval_peephole.cpp): a BatchNormalization whose input is a Conv's
 * only use, with constant parameters, is folded into that Conv's weight and bias, in float32 and
 * in the exporter's order of operations, so a TorchScript file and its ONNX export reach the
 * accelerator with the same weights, bit for bit.
 */
final class Peephole {
    private Peephole() {
    }

    static void fuseConvBatchNorm(OnnxBuilder g) {
        List<NodeProto> nodes = g.nodes();
        Map<String, Integer> uses = new HashMap<>();
        for (NodeProto n : nodes) {
            n.getInputList().forEach(i -> uses.merge(i, 1, Integer::sum));
        }
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String o : nodes.get(i).getOutputList()) {
                producer.put(o, i);
            }
        }
        List<NodeProto> out = new ArrayList<>(nodes);
        boolean[] drop = new boolean[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto bn = nodes.get(i);
            if (!bn.getOpType().equals("BatchNormalization")) {
                continue;
            }
            Integer p = producer.get(bn.getInput(0));
            if (p == null || !nodes.get(p).getOpType().equals("Conv") || uses.getOrDefault(bn.getInput(0), 0) != 1) {
                continue;
            }
            NodeProto conv = out.get(p);
            TensorProto w = g.initializer(conv.getInput(1));
            TensorProto b = conv.getInputCount() > 2 && !conv.getInput(2).isEmpty() ? g.initializer(conv.getInput(2)) : null;
            TensorProto gamma = g.initializer(bn.getInput(1));
            TensorProto beta = g.initializer(bn.getInput(2));
            TensorProto mean = g.initializer(bn.getInput(3));
            TensorProto var = g.initializer(bn.getInput(4));
            if (w == null || gamma == null || beta == null || mean == null || var == null
                    || conv.getInputCount() > 2 && !conv.getInput(2).isEmpty() && b == null) {
                continue;
            }
            float eps = bn.getAttributeList().stream().filter(a -> a.getName().equals("epsilon")).findFirst()
                    .map(a -> a.getF()).orElse(1e-5f);
            float[] wf = OnnxBuilder.floats(w);
            float[] gf = OnnxBuilder.floats(gamma);
            float[] bf = OnnxBuilder.floats(beta);
            float[] mf = OnnxBuilder.floats(mean);
            float[] vf = OnnxBuilder.floats(var);
            int ch = gf.length;
            float[] cb = b == null ? new float[ch] : OnnxBuilder.floats(b);
            // fused only when every per-channel parameter has one value per output channel of the
            // conv (libtorch's pass assumes it); otherwise the BatchNormalization stays as it is and
            // the importer's shape checks name what does not fit (a fuzzed file read past an array)
            if (ch == 0 || bf.length != ch || mf.length != ch || vf.length != ch || cb.length != ch
                    || w.getDimsCount() == 0 || w.getDims(0) != ch || wf.length % ch != 0) {
                continue;
            }
            float[] nw = new float[wf.length];
            float[] nb = new float[ch];
            int per = wf.length / ch;
            for (int k = 0; k < ch; k++) {
                // eval_peephole.cpp fuseConvBatchNorm: bn_scale = gamma / sqrt(var + eps), all float32;
                // w' = w * bn_scale (per output channel); b' = (b - mean) * bn_scale + beta
                float scale = gf[k] / (float) Math.sqrt(vf[k] + eps);
                for (int j = 0; j < per; j++) {
                    nw[k * per + j] = wf[k * per + j] * scale;
                }
                nb[k] = (cb[k] - mf[k]) * scale + bf[k];
            }
            String wName = g.fresh(conv.getName() + "_fused_weight");
            String bName = g.fresh(conv.getName() + "_fused_bias");
            g.replaceInitializer(wName, raw(wName, w.getDimsList(), nw));
            g.replaceInitializer(bName, raw(bName, List.of((long) ch), nb));
            NodeProto.Builder fused = conv.toBuilder().clearInput().addInput(conv.getInput(0)).addInput(wName).addInput(bName)
                    .clearOutput().addOutput(bn.getOutput(0));
            out.set(p, fused.build());
            drop[i] = true;
        }
        List<NodeProto> kept = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            if (!drop[i]) {
                kept.add(out.get(i));
            }
        }
        g.setNodes(kept);
    }

    private static TensorProto raw(String name, List<Long> dims, float[] v) {
        ByteBuffer buf = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(v);
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE).addAllDims(dims)
                .setRawData(ByteString.copyFrom(buf.array())).build();
    }
}
