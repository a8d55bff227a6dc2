package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import io.cnv2.BadInputException;
import io.cnv2.ir.Node;
import io.cnv2.ir.Op;
import io.cnv2.ir.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What an {@link OpTranslator} sees of the graph being translated ({@link GraphTranslator}): the
 * tensors known at import, the shapes and batch axes of computed ones, and the IR nodes made so far.
 * A translator that cannot express its node throws {@link IllegalArgumentException} (or
 * {@link BadInputException}) with the reason; the node then runs on the host in float.
 */
interface Translation {
    /** The default-domain opset of the model (translators follow each op's definition at this version). */
    int opset();

    /** The tensor cnv2 holds for an ONNX name (through Identity, Dropout and float casts). */
    String resolve(String tensor);

    /** True for an absent optional input or a tensor known at import. */
    boolean known(String tensor);

    /** Input {@code i} as a constant, null when absent; throws when it is computed. */
    Const constant(NodeProto n, int i, String what);

    /** Input {@code i} as a constant that must be there. */
    Const required(NodeProto n, int i, String what);

    /** A tensor's ONNX element type: a constant's as stored, a computed tensor's as made. */
    int typeOf(String tensor);

    /** Records the element type of a computed tensor an IR node makes (float unless said). */
    void setElemType(String tensor, int type);

    /** The ONNX node that makes {@code tensor} (as the file has it), null for inputs and initializers. */
    NodeProto onnxProducer(String tensor);

    /** The ONNX nodes that read {@code tensor}, in the file's order. */
    List<NodeProto> onnxReaders(String tensor);

    /**
     * Marks {@code tensor} as a float value a quantised model computes from integers (a ConvInteger's
     * sum): the float ops after it run on ONNX Runtime until the next quantisation (docs/FIXED-POINT.md).
     */
    void markDequantised(String tensor);

    /** The shape of input {@code i} (known or computed). */
    Shape dynamicShape(NodeProto n, int i);

    /** Input {@code i} as integers (axes...), null when absent. */
    long[] optionalInts(NodeProto n, int i);

    /** The node's first input as cnv2 holds it ("" when it has none). */
    default String first(NodeProto n) {
        return n.getInputCount() > 0 ? resolve(n.getInput(0)) : "";
    }

    /** The node's inputs as cnv2 holds them. */
    List<String> operands(NodeProto n);

    /** Adds an IR node producing the ONNX node's first output. */
    void add(String name, NodeProto n, Op op, List<String> inputs);

    /** Adds an IR node producing {@code output}. */
    void add(String name, NodeProto n, Op op, List<String> inputs, String output);

    /** {@code tensor} is {@code source} under another name. */
    void alias(String tensor, String source);

    /** Where the batch axis of a computed tensor is (0 unless a Transpose or Squeeze moved it). */
    int batchAxis(String tensor);

    void setBatchAxis(String tensor, int axis);

    void setBatchAxes(Map<String, Integer> axes);

    /** An axis of {@code tensor}, refused if it is the batch axis (the IR runs one sample at a time). */
    int sampleAxis(long axis, String tensor, int rank);

    /** A tensor's value when known at import, else null. */
    Const constantValue(String tensor);

    void putConstant(String tensor, Const value);

    void putConstants(Map<String, Const> values);

    /** A computed tensor's shape, null when unknown. */
    Shape shape(String tensor);

    /** The IR node that made {@code tensor}, null if none did (yet). */
    Node producer(String tensor);

    /** Takes back the IR node that made {@code tensor} (to re-make it fused with the next). */
    void removeNode(String tensor);

    /** How many nodes (and graph outputs) read {@code tensor}. */
    int readerCount(String tensor);

    boolean isRead(String tensor);

    boolean isGraphOutput(String tensor);

    /** An error naming the file, the node and its op. */
    BadInputException error(String name, NodeProto n, String what);

    static long[] dims(Shape s) {
        return Arrays.stream(s.dims()).asLongStream().toArray();
    }

    static Shape reshaped(long[] dims) {
        int[] d = new int[dims.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.toIntExact(dims[i]);
        }
        return new Shape(d);
    }
}
