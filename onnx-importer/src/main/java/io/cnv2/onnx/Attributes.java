package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The attributes of one ONNX node, with ONNX's defaults supplied by the caller. */
final class Attributes {
    private final Map<String, AttributeProto> byName = new HashMap<>();

    Attributes(NodeProto node) {
        for (AttributeProto a : node.getAttributeList()) {
            byName.put(a.getName(), a);
        }
    }

    boolean has(String name) {
        return byName.containsKey(name);
    }

    long integer(String name, long dflt) {
        AttributeProto a = byName.get(name);
        return a == null ? dflt : a.getI();
    }

    float real(String name, float dflt) {
        AttributeProto a = byName.get(name);
        return a == null ? dflt : a.getF();
    }

    String string(String name, String dflt) {
        AttributeProto a = byName.get(name);
        return a == null ? dflt : a.getS().toStringUtf8();
    }

    long[] ints(String name, long[] dflt) {
        AttributeProto a = byName.get(name);
        if (a == null) {
            return dflt;
        }
        List<Long> l = a.getIntsList();
        return l.stream().mapToLong(Long::longValue).toArray();
    }

    AttributeProto raw(String name) {
        return byName.get(name);
    }
}
