package io.cnv2.torchscript;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Writes pickles opcode by opcode, for tests that need one opcode or one mistake at a time. */
final class PickleBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A pickle that starts with PROTO 2, as TorchScript's do. */
    static PickleBytes proto2() {
        return new PickleBytes().op(PickleOp.PROTO).u8(2);
    }

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    PickleBytes op(PickleOp op) {
        out.write(op.code);
        return this;
    }

    PickleBytes u8(int v) {
        out.write(v);
        return this;
    }

    PickleBytes le(long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    PickleBytes raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    PickleBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return op(PickleOp.BINUNICODE).le(b.length, 4).raw(b);
    }

    PickleBytes int1(int v) {
        return op(PickleOp.BININT1).u8(v);
    }

    PickleBytes global(String module, String name) {
        return op(PickleOp.GLOBAL).raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A tuple of small ints (sizes, strides). */
    PickleBytes ints(long... values) {
        op(PickleOp.MARK);
        for (long v : values) {
            op(PickleOp.BININT).le(v, 4);
        }
        return op(PickleOp.TUPLE);
    }

    /** {@code _rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, grad, OrderedDict())}. */
    PickleBytes tensor(String storageType, String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").op(PickleOp.MARK);
        op(PickleOp.MARK).str("storage").global("torch", storageType).str(key).str("cpu").op(PickleOp.BININT).le(numel, 4)
                .op(PickleOp.TUPLE).op(PickleOp.BINPERSID);
        op(PickleOp.BININT).le(offset, 4).ints(size).ints(stride).op(PickleOp.NEWFALSE);
        global("collections", "OrderedDict").op(PickleOp.EMPTY_TUPLE).op(PickleOp.REDUCE);
        return op(PickleOp.TUPLE).op(PickleOp.REDUCE);
    }

    /** Ends with STOP. */
    byte[] stop() {
        return op(PickleOp.STOP).bytes();
    }

    /** Without STOP (for truncated pickles). */
    byte[] bytes() {
        return out.toByteArray();
    }
}
