package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Turns one ONNX node of one op family into IR nodes, following the op's ONNX definition at the
 * model's opset ({@link Translation#opset}); registered by op type in {@link Translators}. Adding or
 * fixing an op touches one family's class.
 */
@FunctionalInterface
interface OpTranslator {
    void translate(Translation t, String name, NodeProto n, Attributes at);
}
