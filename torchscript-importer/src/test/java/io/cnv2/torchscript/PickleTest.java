package io.cnv2.torchscript;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.BadInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** One test per rule of {@link Pickle}: each opcode family, the globals, tensors, and each refusal. */
class PickleTest {
    private static final String NAME = "test.pkl in test.pt";

    private static Object load(byte[] pickle) {
        return Pickle.load(pickle, NAME, StorageResolver.NONE);
    }

    private static Object load(byte[] pickle, Map<String, byte[]> storages) {
        return Pickle.load(pickle, NAME, (key, dtype, numel) -> {
            if (!storages.containsKey(key)) {
                throw new BadInputException("no storage " + key);
            }
            return TorchStorage.of("storage " + key, storages.get(key));
        });
    }

    private static BadInputException refused(byte[] pickle, String... fragments) {
        BadInputException e = assertThrows(BadInputException.class, () -> load(pickle));
        assertTrue(e.getMessage().startsWith(NAME + ": "), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        }
        return e;
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    private static byte[] shorts(int... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int s : v) {
            b.putShort((short) s);
        }
        return b.array();
    }

    @Test
    void noneAndBooleans() {
        Object v = load(PickleBytes.proto2().op(PickleOp.NONE).op(PickleOp.NEWTRUE).op(PickleOp.NEWFALSE).op(PickleOp.TUPLE3).stop());
        assertEquals(Arrays.asList(null, true, false), ((PyTuple) v).items());
    }

    @Test
    void integersOfEveryWidthAreLongs() {
        byte[] p = PickleBytes.proto2().op(PickleOp.MARK)
                .int1(255)
                .op(PickleOp.BININT2).le(65535, 2)
                .op(PickleOp.BININT).le(-2, 4)
                .op(PickleOp.LONG1).u8(5).le(3_000_000_000L, 5)
                .op(PickleOp.LONG1).u8(8).le(-(1L << 62), 8)
                .op(PickleOp.LONG1).u8(0)
                .op(PickleOp.LONG4).le(2, 4).le(-129, 2)
                .op(PickleOp.TUPLE).stop();
        assertEquals(List.of(255L, 65535L, -2L, 3_000_000_000L, -(1L << 62), 0L, -129L), ((PyTuple) load(p)).items());
    }

    @Test
    void binfloatIsBigEndianDouble() {
        byte[] p = PickleBytes.proto2().op(PickleOp.BINFLOAT).raw(ByteBuffer.allocate(8).putDouble(-0.1).array()).stop();
        assertEquals(-0.1, load(p));
    }

    @Test
    void stringsAreUtf8AndPython2StringsLatin1() {
        byte[] e = "é€".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] p = PickleBytes.proto2().op(PickleOp.MARK)
                .op(PickleOp.BINUNICODE).le(e.length, 4).raw(e)
                .op(PickleOp.SHORT_BINUNICODE).u8(e.length).raw(e)
                .op(PickleOp.BINUNICODE8).le(e.length, 8).raw(e)
                .op(PickleOp.SHORT_BINSTRING).u8(1).u8(0xe9)
                .op(PickleOp.BINSTRING).le(1, 4).u8(0xe9)
                .op(PickleOp.TUPLE).stop();
        assertEquals(List.of("é€", "é€", "é€", "é", "é"), ((PyTuple) load(p)).items());
    }

    @Test
    void bytesAreByteArrays() {
        byte[] p = PickleBytes.proto2().op(PickleOp.MARK)
                .op(PickleOp.SHORT_BINBYTES).u8(2).u8(0).u8(0xff)
                .op(PickleOp.BINBYTES).le(1, 4).u8(7)
                .op(PickleOp.BINBYTES8).le(0, 8)
                .op(PickleOp.TUPLE).stop();
        PyTuple t = (PyTuple) load(p);
        assertArrayEquals(new byte[] {0, (byte) 0xff}, (byte[]) t.get(0));
        assertArrayEquals(new byte[] {7}, (byte[]) t.get(1));
        assertArrayEquals(new byte[0], (byte[]) t.get(2));
    }

    @Test
    void tuplesAreImmutableAndNotLists() {
        byte[] p = PickleBytes.proto2().op(PickleOp.MARK)
                .op(PickleOp.EMPTY_TUPLE)
                .int1(1).op(PickleOp.TUPLE1)
                .int1(1).int1(2).op(PickleOp.TUPLE2)
                .op(PickleOp.MARK).int1(1).int1(2).int1(3).int1(4).op(PickleOp.TUPLE)
                .op(PickleOp.EMPTY_LIST)
                .op(PickleOp.TUPLE).stop();
        PyTuple t = (PyTuple) load(p);
        assertEquals(PyTuple.of(), t.get(0));
        assertEquals(PyTuple.of(1L), t.get(1));
        assertEquals(PyTuple.of(1L, 2L), t.get(2));
        assertEquals(PyTuple.of(1L, 2L, 3L, 4L), t.get(3));
        assertInstanceOf(List.class, t.get(4));
        assertFalse(t.get(3) instanceof List<?>);
        assertThrows(UnsupportedOperationException.class, () -> t.items().add(1L));
    }

    @Test
    void listsByAppendAppendsAndList() {
        byte[] p = PickleBytes.proto2().op(PickleOp.MARK)
                .op(PickleOp.EMPTY_LIST).int1(1).op(PickleOp.APPEND).op(PickleOp.MARK).int1(2).int1(3).op(PickleOp.APPENDS)
                .op(PickleOp.MARK).int1(4).op(PickleOp.NONE).op(PickleOp.LIST)
                .op(PickleOp.TUPLE).stop();
        PyTuple t = (PyTuple) load(p);
        assertEquals(List.of(1L, 2L, 3L), t.get(0));
        assertEquals(Arrays.asList(4L, null), t.get(1));
    }

    @Test
    void dictsKeepFileOrder() {
        byte[] p = PickleBytes.proto2().op(PickleOp.MARK)
                .op(PickleOp.EMPTY_DICT).str("z").int1(1).op(PickleOp.SETITEM)
                .op(PickleOp.MARK).str("a").int1(2).str("m").int1(3).op(PickleOp.SETITEMS)
                .op(PickleOp.MARK).int1(9).str("nine").op(PickleOp.DICT)
                .op(PickleOp.TUPLE).stop();
        PyTuple t = (PyTuple) load(p);
        assertInstanceOf(LinkedHashMap.class, t.get(0));
        assertEquals(List.of("z", "a", "m"), new ArrayList<>(((Map<?, ?>) t.get(0)).keySet()));
        assertEquals(Map.of(9L, "nine"), t.get(1));
    }

    @Test
    void memoSharesTheSameObject() {
        byte[] p = PickleBytes.proto2().op(PickleOp.MARK)
                .op(PickleOp.EMPTY_LIST).op(PickleOp.BINPUT).u8(7)
                .op(PickleOp.EMPTY_DICT).op(PickleOp.LONG_BINPUT).le(70000, 4)
                .op(PickleOp.BINGET).u8(7).op(PickleOp.LONG_BINGET).le(70000, 4)
                .op(PickleOp.TUPLE).stop();
        PyTuple t = (PyTuple) load(p);
        assertSame(t.get(0), t.get(2));
        assertSame(t.get(1), t.get(3));
    }

    @Test
    void memoizeNumbersEntriesInOrder() {
        byte[] p = PickleBytes.proto2().op(PickleOp.MARK)
                .str("a").op(PickleOp.MEMOIZE).str("b").op(PickleOp.MEMOIZE)
                .op(PickleOp.BINGET).u8(1).op(PickleOp.BINGET).u8(0)
                .op(PickleOp.TUPLE).stop();
        assertEquals(PyTuple.of("a", "b", "b", "a"), load(p));
    }

    @Test
    void popDupAndPopMark() {
        byte[] p = PickleBytes.proto2().op(PickleOp.MARK)
                .int1(1).op(PickleOp.DUP).int1(2).op(PickleOp.POP)
                .op(PickleOp.MARK).int1(8).int1(9).op(PickleOp.POP_MARK)
                .op(PickleOp.TUPLE).stop();
        assertEquals(PyTuple.of(1L, 1L), load(p));
    }

    @Test
    void protocol2PickleWrittenByPython() {
        // pickle.dumps({'a': [1, 2.5, 'é', (True, None)], 'n': -3000000000, 't': ('x', 'x')}, protocol=2)
        Object v = load(PickleBytes.hex("80027d71002858010000006171015d7102284b014740040000000000005802000000c3a97103884e86"
                + "71046558010000006e71058a0500a22f4dff580100000074710658010000007871076807867108752e"));
        assertEquals(expectedPythonValue(), v);
    }

    @Test
    void protocol4FramesMemoizeAndShortStringsWrittenByPython() {
        // the same value at protocol=4: FRAME, MEMOIZE, SHORT_BINUNICODE
        Object v = load(PickleBytes.hex("80049538000000000000007d94288c0161945d94284b014740040000000000008c02c3a994884e8694"
                + "658c016e948a0500a22f4dff8c0174948c01789468078694752e"));
        assertEquals(expectedPythonValue(), v);
    }

    private static Map<Object, Object> expectedPythonValue() {
        Map<Object, Object> m = new LinkedHashMap<>();
        m.put("a", Arrays.asList(1L, 2.5, "é", PyTuple.of(true, null)));
        m.put("n", -3_000_000_000L);
        m.put("t", PyTuple.of("x", "x"));
        return m;
    }

    @Test
    void stackGlobalOrderedDictWrittenByPython() {
        // pickle.dumps(collections.OrderedDict([('k', 1), ('j', 2)]), protocol=4)
        Object v = load(PickleBytes.hex("80049530000000000000008c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952"
                + "94288c016b944b018c016a944b02752e"));
        assertInstanceOf(LinkedHashMap.class, v);
        assertEquals(List.of("k", "j"), new ArrayList<>(((Map<?, ?>) v).keySet()));
    }

    @Test
    void torchScriptObjectIsNewobjThenBuild() {
        byte[] p = PickleBytes.proto2()
                .global("__torch__.torch.nn.modules.conv", "Conv2d").op(PickleOp.EMPTY_TUPLE).op(PickleOp.NEWOBJ)
                .op(PickleOp.EMPTY_DICT).op(PickleOp.MARK).str("training").op(PickleOp.NEWFALSE).str("bias").op(PickleOp.NONE)
                .op(PickleOp.SETITEMS).op(PickleOp.BUILD).stop();
        PyObject o = (PyObject) load(p);
        assertEquals("__torch__.torch.nn.modules.conv.Conv2d", o.className());
        assertEquals(List.of("training", "bias"), new ArrayList<>(o.attributes().keySet()));
        assertEquals(false, o.attr("training"));
        assertTrue(o.has("bias"));
        assertNull(o.attr("bias"));
        assertThrows(java.util.NoSuchElementException.class, () -> o.attr("weight"));
    }

    @Test
    void objectWithNonDictStateKeepsItAsState() {
        byte[] p = PickleBytes.proto2().global("__torch__", "Packed").op(PickleOp.EMPTY_TUPLE).op(PickleOp.NEWOBJ)
                .int1(1).str("x").op(PickleOp.TUPLE2).op(PickleOp.BUILD).stop();
        PyObject o = (PyObject) load(p);
        assertEquals(PyTuple.of(1L, "x"), o.state());
        assertTrue(o.attributes().isEmpty());
    }

    @Test
    void typeTagHelpersReturnTheirValue() {
        byte[] p = PickleBytes.proto2().op(PickleOp.MARK)
                .global("torch.jit._pickle", "build_intlist").op(PickleOp.EMPTY_LIST).int1(3).op(PickleOp.APPEND)
                .op(PickleOp.TUPLE1).op(PickleOp.REDUCE)
                .global("torch.jit._pickle", "restore_type_tag").op(PickleOp.EMPTY_DICT).str("Dict[str, int]")
                .op(PickleOp.TUPLE2).op(PickleOp.REDUCE)
                .op(PickleOp.TUPLE).stop();
        assertEquals(PyTuple.of(List.of(3L), Map.of()), load(p));
    }

    @Test
    void deviceIsAnObjectWithTypeAndIndex() {
        byte[] p = PickleBytes.proto2().global("torch", "device").str("cuda").int1(1).op(PickleOp.TUPLE2).op(PickleOp.REDUCE).stop();
        PyObject d = (PyObject) load(p);
        assertEquals("torch.device", d.className());
        assertEquals("cuda", d.attr("type"));
        assertEquals(1L, d.attr("index"));
    }

    @Test
    void persistentIdAsksTheResolverForKeyTypeAndCount() {
        List<String> asked = new ArrayList<>();
        byte[] p = PickleBytes.proto2().tensor("LongStorage", "k7", 3, 0, new long[] {3}, new long[] {1}).stop();
        byte[] data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).putLong(1L << 40).putLong(5).array();
        TorchTensor t = (TorchTensor) Pickle.load(p, NAME, (key, dtype, numel) -> {
            asked.add(key + " " + dtype + " " + numel);
            return TorchStorage.of(key, data);
        });
        assertEquals(List.of("k7 INT64 3"), asked);
        assertArrayEquals(new long[] {-1, 1L << 40, 5}, t.toLongArray());
    }

    @Test
    void tensorHonoursOffsetAndNonContiguousStrides() {
        // storage 0..11 as a 3x4 matrix; the tensor is its transpose's last two rows: offset 2, strides (1, 4)
        float[] values = new float[12];
        for (int i = 0; i < 12; i++) {
            values[i] = i;
        }
        byte[] p = PickleBytes.proto2().tensor("FloatStorage", "0", 12, 2, new long[] {2, 3}, new long[] {1, 4}).stop();
        TorchTensor t = (TorchTensor) load(p, Map.of("0", floats(values)));
        assertEquals(TorchDtype.FLOAT32, t.dtype());
        assertArrayEquals(new long[] {2, 3}, t.shape());
        assertEquals(2, t.storageOffset());
        assertFalse(t.isContiguous());
        assertArrayEquals(new float[] {2, 6, 10, 3, 7, 11}, t.toFloatArray());
    }

    @Test
    void halfAndBfloat16WidenExactly() {
        // float16: 1, -2.5, 65504 (largest), 2^-14 (smallest normal), 2^-24 (smallest subnormal), inf, -0, NaN
        byte[] half = shorts(0x3c00, 0xc100, 0x7bff, 0x0400, 0x0001, 0x7c00, 0x8000, 0x7e00);
        // bfloat16: the top half of a float's bits
        byte[] bf = shorts(0x3f80, 0xc049, 0x7149, 0x0008, 0xff80);
        byte[] p = PickleBytes.proto2().op(PickleOp.MARK)
                .tensor("HalfStorage", "h", 8, 0, new long[] {8}, new long[] {1})
                .tensor("BFloat16Storage", "b", 5, 0, new long[] {5}, new long[] {1})
                .op(PickleOp.TUPLE).stop();
        PyTuple t = (PyTuple) load(p, Map.of("h", half, "b", bf));
        float[] h = ((TorchTensor) t.get(0)).toFloatArray();
        assertArrayEquals(new float[] {1f, -2.5f, 65504f, 0x1p-14f, 0x1p-24f, Float.POSITIVE_INFINITY, -0f}, Arrays.copyOf(h, 7));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(h[6]));
        assertTrue(Float.isNaN(h[7]));
        assertArrayEquals(new float[] {1f, -3.140625f, Float.intBitsToFloat(0x71490000), 0x1p-130f, Float.NEGATIVE_INFINITY},
                ((TorchTensor) t.get(1)).toFloatArray());
    }

    @Test
    void everyHalfWidensToTheFloatOfTheSameValue() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = TorchTensor.halfToFloat((short) bits);
            int exponent = (bits >> 10) & 0x1f;
            int mantissa = bits & 0x3ff;
            double want = exponent == 0 ? mantissa * 0x1p-24 : (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
            want = (bits & 0x8000) != 0 ? -want : want;
            if (exponent == 0x1f) {
                assertTrue(mantissa == 0 ? Float.isInfinite(f) : Float.isNaN(f), Integer.toHexString(bits));
            } else {
                assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(f), Integer.toHexString(bits));
            }
        }
    }

    @Test
    void integerTypesReadAsLongs() {
        byte[] p = PickleBytes.proto2().op(PickleOp.MARK)
                .tensor("IntStorage", "i", 1, 0, new long[] {1}, new long[] {1})
                .tensor("ShortStorage", "s", 1, 0, new long[] {1}, new long[] {1})
                .tensor("CharStorage", "c", 2, 0, new long[] {2}, new long[] {1})
                .tensor("ByteStorage", "c", 2, 0, new long[] {2}, new long[] {1})
                .tensor("BoolStorage", "c", 2, 0, new long[] {2}, new long[] {1})
                .tensor("DoubleStorage", "d", 1, 0, new long[] {}, new long[] {})
                .op(PickleOp.TUPLE).stop();
        Map<String, byte[]> s = new HashMap<>();
        s.put("i", ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(-100000).array());
        s.put("s", shorts(-300));
        s.put("c", new byte[] {-128, 2});
        s.put("d", ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1).array());
        PyTuple t = (PyTuple) load(p, s);
        assertArrayEquals(new long[] {-100000}, ((TorchTensor) t.get(0)).toLongArray());
        assertArrayEquals(new long[] {-300}, ((TorchTensor) t.get(1)).toLongArray());
        assertArrayEquals(new long[] {-128, 2}, ((TorchTensor) t.get(2)).toLongArray());
        assertArrayEquals(new long[] {128, 2}, ((TorchTensor) t.get(3)).toLongArray());
        assertArrayEquals(new long[] {1, 1}, ((TorchTensor) t.get(4)).toLongArray());
        TorchTensor scalar = (TorchTensor) t.get(5);
        assertEquals(1, scalar.numel());
        assertArrayEquals(new double[] {0.1}, scalar.toDoubleArray());
        assertThrows(IllegalStateException.class, scalar::toLongArray);
        assertThrows(IllegalStateException.class, ((TorchTensor) t.get(0))::toFloatArray);
    }

    @Test
    void rebuildParameterKeepsRequiresGrad() {
        byte[] p = PickleBytes.proto2().global("torch._utils", "_rebuild_parameter")
                .tensor("FloatStorage", "0", 1, 0, new long[] {1}, new long[] {1})
                .op(PickleOp.NEWTRUE).global("collections", "OrderedDict").op(PickleOp.EMPTY_TUPLE).op(PickleOp.REDUCE)
                .op(PickleOp.TUPLE3).op(PickleOp.REDUCE).stop();
        TorchTensor t = (TorchTensor) load(p, Map.of("0", floats(4f)));
        assertTrue(t.requiresGrad());
        assertArrayEquals(new float[] {4f}, t.toFloatArray());
    }

    @Test
    void tensorReachingPastItsStorageIsRefused() {
        byte[] p = PickleBytes.proto2().tensor("FloatStorage", "0", 4, 1, new long[] {2, 2}, new long[] {2, 1}).stop();
        BadInputException e = assertThrows(BadInputException.class, () -> load(p, Map.of("0", floats(0, 1, 2, 3))));
        assertTrue(e.getMessage().contains("reaches element 4 of storage storage 0, which holds 4"), e.getMessage());
    }

    @Test
    void truncatedInputIsRefusedAtEveryLength() {
        byte[] whole = PickleBytes.proto2().global("__torch__", "M").op(PickleOp.EMPTY_TUPLE).op(PickleOp.NEWOBJ)
                .op(PickleOp.EMPTY_DICT).str("x").op(PickleOp.BINFLOAT).raw(new byte[8]).op(PickleOp.SETITEM).op(PickleOp.BUILD).stop();
        for (int n = 0; n < whole.length; n++) {
            byte[] cut = Arrays.copyOf(whole, n);
            BadInputException e = assertThrows(BadInputException.class, () -> load(cut), "cut at " + n);
            assertTrue(e.getMessage().startsWith(NAME + ": truncated"), e.getMessage());
        }
        refused(Arrays.copyOf(whole, 30), "truncated: BINFLOAT at byte 24 needs 8 bytes at byte 25 but 5 remain");
    }

    @Test
    void unknownOpcodeIsNamedWithItsByte() {
        refused(PickleBytes.proto2().u8(0xff).stop(), "unknown opcode 0xff at byte 2");
    }

    @Test
    void opcodeTorchScriptDoesNotUseIsRefusedByName() {
        refused(PickleBytes.proto2().op(PickleOp.EMPTY_SET).stop(), "EMPTY_SET", "not supported");
        refused(new PickleBytes().raw("(i__main__\nX\n".getBytes()).stop(), "INST");
    }

    @Test
    void unknownGlobalIsRefusedBeforeAnythingIsCalled() {
        refused(PickleBytes.proto2().global("os", "system").str("rm -rf /").op(PickleOp.TUPLE1).op(PickleOp.REDUCE).stop(),
                "GLOBAL at byte 2", "global os.system is not supported");
        refused(PickleBytes.proto2().global("torch", "QInt8Storage").stop(), "storage type torch.QInt8Storage is not supported");
    }

    @Test
    void oversizedLengthsAreRefusedWithoutAllocating() {
        refused(PickleBytes.proto2().op(PickleOp.BINUNICODE).le(0xfffffff0L, 4).stop(), "truncated", "needs 4294967280 bytes");
        refused(PickleBytes.proto2().op(PickleOp.BINBYTES8).le(Long.MAX_VALUE, 8).stop(), "needs 9223372036854775807 bytes");
        refused(PickleBytes.proto2().op(PickleOp.BINSTRING).le(-5, 4).stop(), "negative length -5");
        refused(PickleBytes.proto2().op(PickleOp.FRAME).le(1 << 30, 8).stop(), "a frame of 1073741824 bytes");
        refused(PickleBytes.proto2().op(PickleOp.LONG4).le(9, 4).raw(new byte[9]).stop(), "integer of 9 bytes");
    }

    @Test
    void missingMemoEntryIsRefused() {
        refused(PickleBytes.proto2().op(PickleOp.LONG_BINGET).le(0xffffffffL, 4).stop(), "memo entry 4294967295 was never stored");
    }

    @Test
    void cyclesAndDeepNestingAreRefused() {
        // l = []; l.append(l)
        refused(PickleBytes.proto2().op(PickleOp.EMPTY_LIST).op(PickleOp.BINPUT).u8(0).op(PickleOp.BINGET).u8(0)
                .op(PickleOp.APPEND).stop(), "contains itself");
        PickleBytes deep = PickleBytes.proto2();
        for (int i = 0; i < Pickle.MAX_DEPTH + 1; i++) {
            deep.op(PickleOp.EMPTY_LIST);
        }
        for (int i = 0; i < Pickle.MAX_DEPTH; i++) {
            deep.op(PickleOp.APPEND);
        }
        refused(deep.stop(), "nested 201 deep");
    }

    @Test
    void malformedStructureIsRefused() {
        refused(PickleBytes.proto2().int1(1).int1(2).stop(), "STOP with 2 values");
        refused(PickleBytes.proto2().op(PickleOp.TUPLE).stop(), "no MARK");
        refused(PickleBytes.proto2().op(PickleOp.REDUCE).stop(), "the stack is empty");
        refused(PickleBytes.proto2().op(PickleOp.EMPTY_DICT).op(PickleOp.EMPTY_LIST).int1(1).op(PickleOp.SETITEM).stop(),
                "dict keys must be str, int, float, bool or tensors, not ArrayList");
        refused(PickleBytes.proto2().op(PickleOp.EMPTY_LIST).op(PickleOp.EMPTY_DICT).op(PickleOp.BUILD).stop(),
                "BUILD sets the state of TorchScript objects");
        refused(PickleBytes.proto2().global("torch", "FloatStorage").op(PickleOp.EMPTY_TUPLE).op(PickleOp.REDUCE).stop(),
                "torch.FloatStorage cannot be called");
        refused(new PickleBytes().op(PickleOp.PROTO).u8(6).stop(), "protocol 6");
        refused(PickleBytes.proto2().str("x").op(PickleOp.BINPERSID).stop(), "persistent id x is not ('storage'");
        refused(PickleBytes.proto2().tensor("FloatStorage", "0", 1, 0, new long[] {1}, new long[] {1}).stop(),
                "refers to storage '0' but has no storages");
    }

    @Test
    void anyCorruptionOfARealPickleIsABadInputException() throws Exception {
        byte[] real = PickleBytes.proto2().global("__torch__", "M").op(PickleOp.EMPTY_TUPLE).op(PickleOp.NEWOBJ)
                .op(PickleOp.EMPTY_DICT).op(PickleOp.MARK).str("w")
                .tensor("FloatStorage", "0", 4, 0, new long[] {2, 2}, new long[] {2, 1})
                .str("l").global("torch.jit._pickle", "build_intlist").op(PickleOp.EMPTY_LIST).op(PickleOp.BINPUT).u8(1)
                .op(PickleOp.MARK).int1(1).int1(2).op(PickleOp.APPENDS).op(PickleOp.TUPLE1).op(PickleOp.REDUCE)
                .str("m").op(PickleOp.BINGET).u8(1)
                .op(PickleOp.SETITEMS).op(PickleOp.BUILD).stop();
        Map<String, byte[]> storages = Map.of("0", floats(1, 2, 3, 4));
        assertInstanceOf(PyObject.class, load(real, storages));
        Random random = new Random(42);
        for (int i = 0; i < 5_000; i++) {
            byte[] bad = real.clone();
            for (int k = 1 + random.nextInt(3); k > 0; k--) {
                bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
            }
            try {
                load(bad, storages);
            } catch (BadInputException expected) {
                assertTrue(expected.getMessage().startsWith(NAME), expected.getMessage());
            }
        }
    }
}
