package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.cnv2.AtomicFiles;
import io.cnv2.BadInputException;
import io.cnv2.ir.Conv;
import io.cnv2.ir.Dense;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.ir.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Saves a pruned network back as ONNX (CNV2-MODEL.md section 5, item 4): the source file with
 * every Conv, Gemm and MatMul weight zeroed where the pruned IR layer of the same name has a
 * zero. Pruning runs after BatchNorm folding, which scales a filter's weights and so keeps
 * their zeros: the saved file, imported again, gives the pruned weights as run exactly, and
 * pruning it again to the same fraction changes nothing.
 */
public final class PrunedOnnx {
    private PrunedOnnx() {
    }

    /** Writes {@code source} with the zeros of {@code pruned} (imported from it, then pruned) to {@code target}. */
    public static void write(Path source, Network pruned, Path target) {
        ModelProto model;
        try (InputStream in = Files.newInputStream(source)) {
            model = ModelProto.parseFrom(in);
        } catch (IOException e) {
            throw new BadInputException("cannot read ONNX file " + source + ": " + e.getMessage());
        }
        GraphProto.Builder graph = model.getGraph().toBuilder();
        Map<String, Integer> initializers = new HashMap<>();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            initializers.put(graph.getInitializer(i).getName(), i);
        }
        Map<String, Integer> constants = new HashMap<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto n = graph.getNode(i);
            if (n.getOpType().equals("Constant") && n.getOutputCount() == 1) {
                constants.put(n.getOutput(0), i);
            }
        }
        int layers = 0;
        for (NodeProto n : model.getGraph().getNodeList()) {
            String op = n.getOpType();
            if (!(op.equals("Conv") || op.equals("Gemm") || op.equals("MatMul")) || n.getInputCount() < 2) {
                continue;
            }
            Node ir = pruned.nodes().stream().filter(x -> x.name().equals(n.getName())).findFirst().orElse(null);
            if (ir == null) {
                continue; // a MatMul of two activations, run on the host
            }
            Tensor w = ir.op() instanceof Conv c ? c.weight() : ir.op() instanceof Dense d ? d.weight() : null;
            if (w == null) {
                continue;
            }
            // the IR keeps [K, C]; Gemm without transB and MatMul store [C, K]
            boolean transposed = op.equals("MatMul") || op.equals("Gemm") && n.getAttributeList().stream()
                    .noneMatch(a -> a.getName().equals("transB") && a.getI() != 0);
            String name = n.getInput(1);
            if (initializers.containsKey(name)) {
                int i = initializers.get(name);
                graph.setInitializer(i, zeroed(graph.getInitializer(i), w, transposed, source, n.getName()));
            } else if (constants.containsKey(name)) {
                int i = constants.get(name);
                NodeProto.Builder c = graph.getNode(i).toBuilder();
                for (int a = 0; a < c.getAttributeCount(); a++) {
                    AttributeProto attr = c.getAttribute(a);
                    if (attr.getName().equals("value")) {
                        c.setAttribute(a, attr.toBuilder().setT(zeroed(attr.getT(), w, transposed, source, n.getName())));
                    }
                }
                graph.setNode(i, c);
            } else {
                throw new BadInputException(source + ", node '" + n.getName() + "': weight '" + name
                        + "' is computed, not stored; cannot save it pruned");
            }
            layers++;
        }
        if (layers == 0) {
            throw new BadInputException(source + " has no Conv, Gemm or MatMul weights to save pruned");
        }
        AtomicFiles.write(target, model.toBuilder().setGraph(graph).build().toByteArray());
    }

    /** {@code t} with the elements zeroed where {@code w} (layout [K, ...], or [K, C] read transposed) is zero. */
    private static TensorProto zeroed(TensorProto t, Tensor w, boolean transposed, Path source, String node) {
        if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new BadInputException(source + ", node '" + node + "': only float32 weights can be saved pruned");
        }
        float[] v = Tensors.read(t).tensor().data().clone();
        if (v.length != w.data().length) {
            throw new BadInputException(source + ", node '" + node + "': weight sizes differ (" + v.length + " vs "
                    + w.data().length + ")");
        }
        int k = w.shape().dim(0);
        int c = v.length / k;
        for (int i = 0; i < v.length; i++) {
            // element i of the file's tensor is IR element (row, col) = transposed ? (i % k, i / k) : i
            int irIndex = transposed ? (i % k) * c + i / k : i;
            if (w.data()[irIndex] == 0) {
                v[i] = 0;
            }
        }
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return t.toBuilder().clearFloatData().setRawData(ByteString.copyFrom(b.array())).build();
    }
}
