package io.cnv2.torchscript;

import io.cnv2.BadInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the pickles of TorchScript archives ({@code data.pkl}, {@code constants.pkl}) without Python.
 * Values map to Java as: None to {@code null}, bool to {@link Boolean}, int to {@link Long}, float to
 * {@link Double}, str to {@link String}, bytes to {@code byte[]}, list to a mutable {@link List}, tuple to
 * {@link PyTuple}, dict to a {@link LinkedHashMap} (file order), objects of TorchScript classes to
 * {@link PyObject}, tensors to {@link TorchTensor}.
 *
 * <p>The opcodes are those of protocol 2, which {@code torch.jit.save} and libtorch write, plus what
 * Python adds at protocols 3 to 5 (FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE, the BINBYTES family).
 * The file comes from a user, so: only the globals of {@link PickleGlobals} are imported, every stated
 * length is checked against the bytes left, memo references must name stored values, and the result must
 * be a tree at most {@value #MAX_DEPTH} deep, so callers may walk it recursively. Every problem is a
 * {@link BadInputException} naming the pickle, the opcode and its byte offset.
 */
public final class Pickle {
    /** Deepest nesting of lists, tuples, dicts and objects (a module tree is a handful of levels). */
    public static final int MAX_DEPTH = 200;
    /** The newest protocol Python writes. */
    private static final int MAX_PROTOCOL = 5;

    private final PickleInput in;
    private final String name;
    private final StorageResolver storages;
    private final List<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    // a map, not a list: LONG_BINPUT may name any index up to 2^32 and must not make us allocate up to it
    private final Map<Long, Object> memo = new HashMap<>();

    private Pickle(byte[] bytes, String name, StorageResolver storages) {
        this.in = new PickleInput(bytes);
        this.name = name;
        this.storages = storages;
    }

    /**
     * The value pickled in {@code bytes}. {@code name} names the pickle in errors (e.g. {@code data.pkl in
     * model.pt}); {@code storages} loads the tensor storages its persistent ids name.
     */
    public static Object load(byte[] bytes, String name, StorageResolver storages) {
        Pickle p = new Pickle(bytes, name, storages);
        Object value = p.run();
        try {
            PickleDepth.check(value, MAX_DEPTH);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(name + ": " + e.getMessage());
        }
        return value;
    }

    private Object run() {
        while (true) {
            int at = in.position();
            if (in.remaining() == 0) {
                throw new BadInputException(name + ": truncated: ends at byte " + at + " without STOP");
            }
            int code = in.u8();
            PickleOp op = PickleOp.of(code);
            if (op == null) {
                throw new BadInputException(String.format("%s: unknown opcode 0x%02x at byte %d (not a pickle, or corrupt)", name, code, at));
            }
            try {
                if (op == PickleOp.STOP) {
                    return stop();
                }
                execute(op);
            } catch (PickleInput.Truncated e) {
                throw new BadInputException(name + ": truncated: " + op.name() + " at byte " + at + " " + e.getMessage(), e);
            } catch (IllegalArgumentException | IllegalStateException | ArithmeticException | BadInputException e) {
                throw new BadInputException(name + ": " + op.name() + " at byte " + at + ": " + e.getMessage(), e);
            }
        }
    }

    private void execute(PickleOp op) {
        switch (op) {
            case PROTO -> protocol(in.u8());
            case FRAME -> frame(in.i64());
            case MARK -> marks.push(stack.size());
            case POP -> pop();
            case POP_MARK -> popMark();
            case DUP -> push(peek());
            case NONE -> push(null);
            case NEWTRUE -> push(Boolean.TRUE);
            case NEWFALSE -> push(Boolean.FALSE);
            case BININT -> push((long) in.i32());
            case BININT1 -> push((long) in.u8());
            case BININT2 -> push((long) in.u16());
            case LONG1 -> push(longOf(in.u8()));
            case LONG4 -> push(longOf(in.i32()));
            case BINFLOAT -> push(in.f64());
            case SHORT_BINUNICODE -> push(in.utf8(in.u8()));
            case BINUNICODE -> push(in.utf8(in.u32()));
            case BINUNICODE8 -> push(in.utf8(in.i64()));
            // Python 2 str: bytes that Python 3 decodes as latin-1 when asked, the one lossless choice
            case SHORT_BINSTRING -> push(new String(in.bytes(in.u8()), StandardCharsets.ISO_8859_1));
            case BINSTRING -> push(new String(in.bytes(in.i32()), StandardCharsets.ISO_8859_1));
            case SHORT_BINBYTES -> push(in.bytes(in.u8()));
            case BINBYTES -> push(in.bytes(in.u32()));
            case BINBYTES8, BYTEARRAY8 -> push(in.bytes(in.i64()));
            case EMPTY_TUPLE -> push(PyTuple.of());
            case TUPLE -> push(new PyTuple(popMark()));
            case TUPLE1 -> push(new PyTuple(popItems(1)));
            case TUPLE2 -> push(new PyTuple(popItems(2)));
            case TUPLE3 -> push(new PyTuple(popItems(3)));
            case EMPTY_LIST -> push(new ArrayList<>());
            case LIST -> push(new ArrayList<>(popMark()));
            case APPEND -> append(popItems(1));
            case APPENDS -> append(popMark());
            case EMPTY_DICT -> push(new LinkedHashMap<>());
            case DICT -> {
                List<Object> items = popMark();
                push(new LinkedHashMap<>());
                setItems(items);
            }
            case SETITEM -> setItems(popItems(2));
            case SETITEMS -> setItems(popMark());
            case GLOBAL -> push(global(in.line(), in.line()));
            case STACK_GLOBAL -> {
                String qualname = string(pop(), "STACK_GLOBAL name");
                push(global(string(pop(), "STACK_GLOBAL module"), qualname));
            }
            case REDUCE -> {
                PyTuple args = tuple(pop(), "REDUCE arguments");
                push(PickleGlobals.call(callable(pop()), args));
            }
            case NEWOBJ -> {
                PyTuple args = tuple(pop(), "NEWOBJ arguments");
                push(PickleGlobals.newObject(callable(pop()), args));
            }
            case NEWOBJ_EX -> newObjectEx();
            case BUILD -> build(pop());
            case BINPERSID -> push(persistent(pop()));
            case BINPUT -> memo.put((long) in.u8(), peek());
            case LONG_BINPUT -> memo.put(in.u32(), peek());
            case MEMOIZE -> memo.put((long) memo.size(), peek());
            case BINGET -> push(memoGet(in.u8()));
            case LONG_BINGET -> push(memoGet(in.u32()));
            default -> throw new IllegalArgumentException("opcode " + op.describe() + " is not supported (TorchScript pickles do not use it)");
        }
    }

    private Object stop() {
        if (stack.size() != 1 || !marks.isEmpty()) {
            throw new IllegalStateException("STOP with " + stack.size() + " values and " + marks.size()
                    + " open MARKs on the stack (a finished pickle leaves one value)");
        }
        return stack.get(0);
    }

    private void protocol(int version) {
        if (version > MAX_PROTOCOL) {
            throw new IllegalArgumentException("pickle protocol " + version + " is newer than " + MAX_PROTOCOL);
        }
    }

    /** FRAME only groups opcodes for buffered reading; its length must fit in what is left. */
    private void frame(long length) {
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("a frame of " + length + " bytes, but " + in.remaining() + " remain");
        }
    }

    /** LONG1/LONG4: a little-endian two's complement integer of {@code n} bytes; TorchScript ints are 64-bit. */
    private long longOf(int n) {
        if (n < 0 || n > 8) {
            throw new IllegalArgumentException("an integer of " + Integer.toUnsignedString(n) + " bytes does not fit 64 bits");
        }
        byte[] b = in.bytes(n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = v << 8 | (b[i] & 0xff);
        }
        int unused = 64 - 8 * n;
        return n == 0 ? 0 : v << unused >> unused;
    }

    private PyGlobal global(String module, String qualname) {
        PyGlobal g = new PyGlobal(module, qualname);
        String refusal = PickleGlobals.refusal(g);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
        return g;
    }

    private void newObjectEx() {
        Map<?, ?> kwargs = dict(pop(), "NEWOBJ_EX keyword arguments");
        PyTuple args = tuple(pop(), "NEWOBJ_EX arguments");
        PyGlobal cls = callable(pop());
        if (!kwargs.isEmpty()) {
            throw new IllegalArgumentException("NEWOBJ_EX of " + cls + " with keyword arguments " + kwargs.keySet());
        }
        push(PickleGlobals.newObject(cls, args));
    }

    private void build(Object state) {
        Object target = peek();
        if (!(target instanceof PyObject object)) {
            throw new IllegalArgumentException("BUILD sets the state of TorchScript objects, not of a " + PickleGlobals.describe(target));
        }
        if (object.state() != null) {
            throw new IllegalArgumentException(object.className() + " is built twice");
        }
        object.build(state);
    }

    /** BINPERSID: {@code ('storage', torch.FloatStorage, key, location, numel)}, the one kind TorchScript writes. */
    private TypedStorage persistent(Object pid) {
        if (!(pid instanceof PyTuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw new IllegalArgumentException("persistent id " + pid + " is not ('storage', type, key, location, numel)");
        }
        TorchDtype dtype = t.get(1) instanceof PyGlobal g ? PickleGlobals.storageType(g).orElse(null) : null;
        if (dtype == null) {
            throw new IllegalArgumentException("persistent id " + pid + " does not name a storage type");
        }
        String key = string(t.get(2), "storage key");
        string(t.get(3), "storage location"); // 'cpu', 'cuda:0': where it was; we read everything to the host
        if (!key.matches("[A-Za-z0-9_]{1,64}")) {
            throw new IllegalArgumentException("storage key '" + key + "' is not a plain name");
        }
        if (!(t.get(4) instanceof Long numel) || numel < 0) {
            throw new IllegalArgumentException("persistent id " + pid + " has no element count");
        }
        return new TypedStorage(storages.storage(key, dtype, numel), dtype);
    }

    /** What dicts may be keyed by: TorchScript's key types, all hashed without recursion. */
    static Object checkKey(Object key) {
        if (key instanceof String || key instanceof Long || key instanceof Double || key instanceof Boolean
                || key instanceof TorchTensor) {
            return key;
        }
        throw new IllegalArgumentException("dict keys must be str, int, float, bool or tensors, not " + PickleGlobals.describe(key));
    }

    private void append(List<Object> items) {
        Object target = peek();
        if (!(target instanceof List<?>)) {
            throw new IllegalArgumentException("APPEND to a " + PickleGlobals.describe(target) + ", not a list");
        }
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) target;
        list.addAll(items);
    }

    private void setItems(List<Object> items) {
        if (items.size() % 2 != 0) {
            throw new IllegalArgumentException("an odd number of items (" + items.size() + ") for keys and values");
        }
        @SuppressWarnings("unchecked")
        Map<Object, Object> map = (Map<Object, Object>) dict(peek(), "SETITEM target");
        for (int i = 0; i < items.size(); i += 2) {
            map.put(checkKey(items.get(i)), items.get(i + 1));
        }
    }

    private Object memoGet(long index) {
        if (!memo.containsKey(index)) {
            throw new IllegalArgumentException("memo entry " + index + " was never stored");
        }
        return memo.get(index);
    }

    private void push(Object value) {
        stack.add(value);
    }

    private Object peek() {
        int floor = marks.isEmpty() ? 0 : marks.peek();
        if (stack.size() <= floor) {
            throw new IllegalStateException("the stack is empty" + (floor > 0 ? " above the last MARK" : ""));
        }
        return stack.get(stack.size() - 1);
    }

    private Object pop() {
        peek();
        return stack.remove(stack.size() - 1);
    }

    /** The top {@code n} values, oldest first. */
    private List<Object> popItems(int n) {
        int floor = marks.isEmpty() ? 0 : marks.peek();
        if (stack.size() - floor < n) {
            throw new IllegalStateException("needs " + n + " values, the stack has " + (stack.size() - floor));
        }
        return take(stack.size() - n);
    }

    /** The values above the last MARK, oldest first, and the MARK. */
    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw new IllegalStateException("no MARK to pop to");
        }
        return take(marks.pop());
    }

    private List<Object> take(int from) {
        List<Object> top = stack.subList(from, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private static PyGlobal callable(Object value) {
        if (value instanceof PyGlobal g) {
            return g;
        }
        throw new IllegalArgumentException("calls a " + PickleGlobals.describe(value) + ", not an imported global");
    }

    private static PyTuple tuple(Object value, String what) {
        if (value instanceof PyTuple t) {
            return t;
        }
        throw new IllegalArgumentException(what + " must be a tuple, not a " + PickleGlobals.describe(value));
    }

    private static Map<?, ?> dict(Object value, String what) {
        if (value instanceof Map<?, ?> m) {
            return m;
        }
        throw new IllegalArgumentException(what + " must be a dict, not a " + PickleGlobals.describe(value));
    }

    private static String string(Object value, String what) {
        if (value instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(what + " must be a str, not a " + PickleGlobals.describe(value));
    }
}
