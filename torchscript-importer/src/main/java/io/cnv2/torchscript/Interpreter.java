package io.cnv2.torchscript;

import io.cnv2.BadInputException;
import io.cnv2.torchscript.Ast.Expr;
import io.cnv2.torchscript.Ast.Loc;
import io.cnv2.torchscript.Ast.Stmt;
import io.cnv2.torchscript.Values.Module;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs a module's TorchScript code on symbolic tensors. Python values (ints, lists, the module
 * tree, attributes, sizes) are computed as TorchScript would compute them; every tensor
 * operation goes to its translator ({@link Ops}), which emits ONNX nodes. Control flow is followed
 * where its condition is known while translating (a module attribute such as {@code training},
 * a size, a loop over a range) and refused by name where it depends on the data: a traced module
 * has none, a scripted one may.
 */
final class Interpreter {
    /** Bounds the work a hostile or runaway file can ask for (statements executed, call depth). */
    private static final long MAX_STEPS = 1_000_000;
    private static final int MAX_CALL_DEPTH = 400;

    private final Function<String, Ast.CodeFile> code;
    private final List<Object> constants;
    private final OnnxBuilder graph;
    private final Ops ops;
    private final Deque<Module> scope = new ArrayDeque<>();
    private final Function<Module, String> segmentOf;
    private final List<String> unmapped = new ArrayList<>();
    private final InPlaceOps inPlace = new InPlaceOps();
    private final java.util.Set<String> integerValues = new java.util.HashSet<>();
    private long steps;
    private int callDepth;
    /** Element operations spent computing known tensors, lists and strings while translating. */
    private long work;
    /** A bound on that work (about a second): a file cannot make the translation run for ever. */
    static final long MAX_WORK = 1L << 28;

    Interpreter(Function<String, Ast.CodeFile> code, List<Object> constants, OnnxBuilder graph, Ops ops,
                Function<Module, String> segmentOf) {
        this.segmentOf = segmentOf;
        this.code = code;
        this.constants = constants;
        this.graph = graph;
        this.ops = ops;
    }

    OnnxBuilder graph() {
        return graph;
    }

    /** The current module scope as PyTorch's exporter writes it in node names ({@code /layer1/layer1.0/conv1}). */
    String scope() {
        StringBuilder b = new StringBuilder();
        scope.descendingIterator().forEachRemaining(m -> b.append('/').append(segmentOf.apply(m)));
        return b.toString();
    }

    /** Charges {@code elements} of computation to the translation's budget, refusing the file past it. */
    void charge(long elements) {
        work += Math.max(1, elements);
        if (work > MAX_WORK) {
            throw new TranslationException("the translation computed more than " + MAX_WORK + " values while reading the "
                    + "code (loops over large constants?)");
        }
    }

    /** Notes that a graph input is used as integer indices (an embedding lookup): it is declared int64. */
    void markInteger(TVal t) {
        integerValues.add(t.name());
    }

    boolean isInteger(String value) {
        return integerValues.contains(value);
    }

    /** Every operation that could not be translated, with where it was called, in order. */
    /** The writes into tensors the code made, and the views and values taken from them. */
    InPlaceOps inPlace() {
        return inPlace;
    }

    List<String> unmapped() {
        return unmapped;
    }

    /** The class definition of a module object. */
    Ast.ClassDef classOf(Module m) {
        String cls = m.className();
        int dot = cls.lastIndexOf('.');
        Ast.CodeFile f = dot < 0 ? null : code.apply(cls.substring(0, dot));
        Ast.ClassDef def = f == null ? null : f.classes().get(cls.substring(dot + 1));
        if (def == null) {
            throw new TranslationException("the archive holds no code for class " + cls);
        }
        return def;
    }

    /** Calls {@code module.method(args)}; entering another module adds its path to the scope. */
    Object callMethod(Module m, String method, List<Object> args, Loc loc) {
        Ast.FunctionDef def = classOf(m).methods().get(method);
        if (def == null) {
            throw new TranslationException("class " + m.className() + " has no method " + method);
        }
        return call(def, m, args, Map.of(), loc);
    }

    private Object call(Ast.FunctionDef def, Module self, List<Object> args, Map<String, Object> kwargs, Loc loc) {
        if (++callDepth > MAX_CALL_DEPTH) {
            throw new TranslationException("calls nested more than " + MAX_CALL_DEPTH + " deep");
        }
        boolean entered = false;
        if (self != null && !self.path().isEmpty() && (scope.isEmpty() || scope.peek() != self)) {
            scope.push(self); // a call into another module opens its scope, as in PyTorch's tracer
            entered = true;
        }
        try {
            Map<String, Object> frame = new HashMap<>();
            List<String> params = def.params();
            int p = 0;
            if (self != null) {
                frame.put(params.get(0), self);
                p = 1;
            }
            if (args.size() > params.size() - p) {
                throw new TranslationException(def.name() + " takes " + (params.size() - p) + " argument(s), got " + args.size());
            }
            for (Object a : args) {
                frame.put(params.get(p++), a);
            }
            frame.putAll(kwargs);
            for (int i = p; i < params.size(); i++) {
                if (!frame.containsKey(params.get(i))) {
                    throw new TranslationException(def.name() + ": argument '" + params.get(i) + "' not given");
                }
            }
            Object r = exec(def.body(), frame);
            return r instanceof Returned ret ? ret.value() : Values.NONE;
        } finally {
            if (entered) {
                scope.pop();
            }
            callDepth--;
        }
    }

    private record Returned(Object value) {
    }

    private Object exec(List<Stmt> body, Map<String, Object> frame) {
        for (Stmt s : body) {
            if (++steps > MAX_STEPS) {
                throw located(s.loc(), new TranslationException("more than " + MAX_STEPS + " statements executed"));
            }
            Object r;
            try {
                r = exec(s, frame);
            } catch (TranslationException e) {
                throw located(s.loc(), e);
            }
            if (r instanceof Returned) {
                return r;
            }
        }
        return null;
    }

    private Object exec(Stmt s, Map<String, Object> frame) {
        if (s instanceof Ast.Assign a) {
            assign(a.target(), eval(a.value(), frame), frame);
        } else if (s instanceof Ast.ExprStmt e) {
            eval(e.expr(), frame);
        } else if (s instanceof Ast.Return r) {
            return new Returned(eval(r.value(), frame));
        } else if (s instanceof Ast.If i) {
            return exec(truth(eval(i.test(), frame), "if " + Source.of(i.test())) ? i.then() : i.otherwise(), frame);
        } else if (s instanceof Ast.For f) {
            for (Object v : iterate(eval(f.iter(), frame))) {
                assign(f.target(), v, frame);
                Object r = exec(f.body(), frame);
                if (r instanceof Returned) {
                    return r;
                }
            }
        } else if (s instanceof Ast.While w) {
            while (truth(eval(w.test(), frame), "while " + Source.of(w.test()))) {
                if (++steps > MAX_STEPS) {
                    throw new TranslationException("a while loop ran more than " + MAX_STEPS + " steps");
                }
                Object r = exec(w.body(), frame);
                if (r instanceof Returned) {
                    return r;
                }
            }
        } else if (s instanceof Ast.Unsupported u) {
            throw new TranslationException(u.what() + " is not supported");
        }
        return null;
    }

    private void assign(Expr target, Object value, Map<String, Object> frame) {
        if (target instanceof Ast.Name n) {
            frame.put(n.id(), value);
        } else if (target instanceof Ast.TupleExpr t) {
            List<Object> items = iterate(value);
            if (items.size() != t.items().size()) {
                throw new TranslationException("cannot unpack " + items.size() + " values into " + t.items().size());
            }
            for (int i = 0; i < items.size(); i++) {
                assign(t.items().get(i), items.get(i), frame);
            }
        } else if (target instanceof Ast.Index ix) {
            Object container = eval(ix.target(), frame);
            Object key = eval(ix.index(), frame);
            if (container instanceof List<?> l) {
                @SuppressWarnings("unchecked")
                List<Object> list = (List<Object>) l;
                list.set(index(key, list.size()), value);
            } else if (container instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<Object, Object> map = (Map<Object, Object>) m;
                map.put(key, value);
            } else {
                throw new TranslationException("assignment into " + describe(container) + " is not supported");
            }
        } else {
            throw new TranslationException("cannot assign to " + Source.of(target));
        }
    }

    Object eval(Expr e, Map<String, Object> frame) {
        if (e instanceof Ast.Const c) {
            return c.value();
        }
        if (e instanceof Ast.Name n) {
            return name(n, frame);
        }
        if (e instanceof Ast.Attr a) {
            return attribute(eval(a.target(), frame), a.name());
        }
        if (e instanceof Ast.Call c) {
            return call(c, frame);
        }
        if (e instanceof Ast.Index ix) {
            return subscript(eval(ix.target(), frame), eval(ix.index(), frame));
        }
        if (e instanceof Ast.ListExpr l) {
            List<Object> out = new ArrayList<>();
            l.items().forEach(x -> out.add(eval(x, frame)));
            return out;
        }
        if (e instanceof Ast.TupleExpr t) {
            List<Object> out = new ArrayList<>();
            t.items().forEach(x -> out.add(eval(x, frame)));
            return new Values.Tuple(out);
        }
        if (e instanceof Ast.DictExpr d) {
            Map<Object, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < d.keys().size(); i++) {
                m.put(eval(d.keys().get(i), frame), eval(d.values().get(i), frame));
            }
            return m;
        }
        if (e instanceof Ast.Unary u) {
            return unary(u.op(), eval(u.operand(), frame));
        }
        if (e instanceof Ast.Binary b) {
            return binary(b, frame);
        }
        Ast.Cond c = (Ast.Cond) e;
        return truth(eval(c.test(), frame), Source.of(c.test())) ? eval(c.then(), frame) : eval(c.otherwise(), frame);
    }

    private Object name(Ast.Name n, Map<String, Object> frame) {
        if (frame.containsKey(n.id())) {
            return frame.get(n.id());
        }
        return switch (n.id()) {
            case "torch", "ops", "__torch__", "CONSTANTS", "math", "builtins" -> new Values.Namespace(n.id());
            case "int", "float", "bool", "str", "len", "range", "annotate", "unchecked_cast", "uninitialized", "isinstance",
                    "getattr", "hasattr", "print", "slice", "min", "max", "abs", "round", "list", "tuple", "enumerate",
                    "zip", "sum", "all", "any" -> new Values.Builtin(n.id());
            case "Tensor", "List", "Optional", "Tuple", "Dict", "NoneType", "Final", "Any", "Device" -> new Values.TypeName(n.id());
            default -> throw new TranslationException("name '" + n.id() + "' is not defined");
        };
    }

    private Object attribute(Object target, String name) {
        if (target instanceof Values.Namespace ns) {
            if (ns.path().equals("CONSTANTS")) {
                if (!name.startsWith("c")) {
                    throw new TranslationException("unknown constant CONSTANTS." + name);
                }
                int k = Integer.parseInt(name.substring(1));
                if (k < 0 || k >= constants.size()) {
                    throw new TranslationException("CONSTANTS." + name + " is not in the archive's constants.pkl");
                }
                return constants.get(k);
            }
            return new Values.Namespace(ns.path() + "." + name);
        }
        if (target instanceof Module m) {
            if (m.attributes().containsKey(name)) {
                return m.attributes().get(name);
            }
            Ast.ClassDef cls = classOf(m);
            if (cls.constants().containsKey(name)) {
                return eval(cls.constants().get(name), Map.of());
            }
            if (cls.methods().containsKey(name)) {
                return new Values.Method(m, cls.methods().get(name));
            }
            throw new TranslationException("module " + describe(m) + " has no attribute '" + name + "'");
        }
        if (target instanceof Values.TypeName t) {
            return new Values.TypeName(t.text() + "." + name);
        }
        if (target instanceof TVal t) {
            return switch (name) {
                case "shape" -> sizes(t);
                case "dtype" -> (long) (t.type() == TVal.Type.FLOAT ? 6 : t.type() == TVal.Type.INT64 ? 4 : 11);
                case "device" -> "cpu";
                case "is_cuda" -> false;
                default -> throw new TranslationException("tensor attribute '" + name + "' is not supported");
            };
        }
        if (target instanceof Values.Poison p) {
            return p;
        }
        throw new TranslationException(describe(target) + " has no attribute '" + name + "'");
    }

    /** {@code getattr(obj, "name")}. */
    Object subscriptAttribute(Object target, String name) {
        return attribute(target, name);
    }

    static List<Object> sizes(TVal t) {
        List<Object> s = new ArrayList<>();
        for (int d : t.shape()) {
            s.add((long) d);
        }
        return s;
    }

    private Object call(Ast.Call c, Map<String, Object> frame) {
        Object fn = eval(c.fn(), frame);
        List<Object> args = new ArrayList<>();
        c.args().forEach(a -> args.add(eval(a, frame)));
        Map<String, Object> kwargs = new LinkedHashMap<>();
        c.kwargs().forEach((k, v) -> kwargs.put(k, eval(v, frame)));
        if (fn instanceof Values.Method m) {
            return call(m.def(), m.self(), args, kwargs, c.loc());
        }
        if (fn instanceof Values.Function f) {
            return call(f.def(), null, args, kwargs, c.loc());
        }
        if (fn instanceof Values.Builtin b) {
            return Builtins.call(this, b.name(), args, kwargs);
        }
        if (fn instanceof Values.Namespace ns) {
            return namespaceCall(ns.path(), args, kwargs, c.loc());
        }
        if (fn instanceof Values.Poison p) {
            return p;
        }
        throw new TranslationException(describe(fn) + " is not callable");
    }

    /**
     * A NamedTuple's constructor ({@code GoogLeNetOutputs(x, aux2, aux1)}, scripted GoogLeNet's
     * result): a tuple of its fields in declaration order, by position or by name; a field given
     * neither way is refused, as Python refuses it.
     */
    private static Values.Tuple namedTuple(Ast.ClassDef cls, List<Object> args, Map<String, Object> kwargs) {
        List<String> fields = cls.fields();
        if (args.size() > fields.size()) {
            throw new TranslationException(cls.name() + " takes " + fields.size() + " fields, given " + args.size());
        }
        List<Object> items = new ArrayList<>(args);
        for (int i = args.size(); i < fields.size(); i++) {
            if (!kwargs.containsKey(fields.get(i))) {
                throw new TranslationException(cls.name() + ": field '" + fields.get(i) + "' missing");
            }
            items.add(kwargs.get(fields.get(i)));
        }
        for (String k : kwargs.keySet()) {
            if (!fields.contains(k)) {
                throw new TranslationException(cls.name() + " has no field '" + k + "'");
            }
        }
        return new Values.Tuple(items);
    }

    private Object namespaceCall(String path, List<Object> args, Map<String, Object> kwargs, Loc loc) {
        String op;
        if (path.startsWith("torch.")) {
            op = path.substring("torch.".length());
        } else if (path.startsWith("ops.aten.")) {
            op = path.substring("ops.aten.".length());
        } else if (path.startsWith("ops.prim.")) {
            op = "prim::" + path.substring("ops.prim.".length());
        } else if (path.startsWith("math.")) {
            op = "math::" + path.substring("math.".length());
        } else if (path.startsWith("__torch__.")) {
            int dot = path.lastIndexOf('.');
            Ast.CodeFile f = code.apply(path.substring(0, dot));
            String name = path.substring(dot + 1);
            if (f != null && f.functions().containsKey(name)) {
                return call(f.functions().get(name), null, args, kwargs, loc);
            }
            if (f != null && f.classes().containsKey(name) && f.classes().get(name).namedTuple()) {
                return namedTuple(f.classes().get(name), args, kwargs);
            }
            throw new TranslationException("the archive holds no code for function " + path);
        } else {
            throw new TranslationException("unknown function " + path);
        }
        Ops.Op translator = ops.find(op);
        if (translator == null) {
            // listed, and the run goes on with a placeholder, so one error can name every such operation
            unmapped.add(path + " at " + loc);
            return new Values.Poison(path);
        }
        for (Object a : args) {
            if (a instanceof Values.Poison p) {
                return p;
            }
        }
        for (Object a : kwargs.values()) {
            if (a instanceof Values.Poison p) {
                return p;
            }
        }
        try {
            inPlace.checkReads(op, args, kwargs.values());
            Object result = translator.apply(new OpCall(op, args, kwargs, this));
            inPlace.noteResult(args, result);
            return result;
        } catch (ArithmeticException | IndexOutOfBoundsException | NegativeArraySizeException | ClassCastException
                 | IllegalArgumentException | IllegalStateException | NullPointerException e) {
            // arguments a translator's own checks did not foresee (the fuzzer finds such files): the
            // file is refused naming the operation and, through exec, the line, never with a stack
            // trace (issue 10); TorchScriptFuzzTest's strict mode still reports each as a finding
            throw new TranslationException(path + ": arguments its translation does not take (" + UNFORESEEN + e + ")");
        }
    }

    /** Marks a refusal that no translator check foresaw ({@link #namespaceCall}). */
    static final String UNFORESEEN = "unforeseen: ";

    Object subscript(Object target, Object key) {
        if (target instanceof Values.Poison p) {
            return p;
        }
        if (target instanceof Values.Tuple t) {
            return subscript(t.items(), key);
        }
        if (target instanceof List<?> l) {
            if (key instanceof Values.Slice s) {
                int lo = Values.isNone(s.lo()) ? 0 : clampIndex(s.lo(), l.size());
                int hi = Values.isNone(s.hi()) ? l.size() : clampIndex(s.hi(), l.size());
                return new ArrayList<Object>(l.subList(lo, Math.max(lo, hi)));
            }
            return l.get(index(key, l.size()));
        }
        if (target instanceof Map<?, ?> m) {
            if (!m.containsKey(key)) {
                throw new TranslationException("key " + key + " not in dict");
            }
            return m.get(key);
        }
        if (target instanceof String s) {
            return String.valueOf(s.charAt(index(key, s.length())));
        }
        if (target instanceof Values.TypeName t) {
            return new Values.TypeName(t.text() + "[...]");
        }
        throw new TranslationException("cannot index " + describe(target));
    }

    private static int index(Object key, int size) {
        long k = Builtins.toLong(key);
        long i = k < 0 ? k + size : k;
        if (i < 0 || i >= size) {
            throw new TranslationException("index " + k + " is out of range for a sequence of length " + size);
        }
        return (int) i;
    }

    private static int clampIndex(Object key, int size) {
        long k = Builtins.toLong(key);
        long i = k < 0 ? k + size : k;
        return (int) Math.max(0, Math.min(size, i));
    }

    private Object unary(String op, Object v) {
        if (v instanceof Values.Poison p) {
            return p;
        }
        return switch (op) {
            case "not" -> !truth(v, "not");
            case "-" -> v instanceof TVal t ? ops.find("neg").apply(new OpCall("neg", List.of(t), Map.of(), this))
                    : v instanceof Long l ? (Object) (-l) : (Object) (-Builtins.toDouble(v));
            case "+" -> v;
            case "~" -> v instanceof Boolean b ? !b : ~Builtins.toLong(v);
            default -> throw new TranslationException("unary " + op + " is not supported");
        };
    }

    private Object binary(Ast.Binary b, Map<String, Object> frame) {
        if (b.op().equals("and")) {
            Object l = eval(b.left(), frame);
            return truth(l, "and") ? eval(b.right(), frame) : l;
        }
        if (b.op().equals("or")) {
            Object l = eval(b.left(), frame);
            return truth(l, "or") ? l : eval(b.right(), frame);
        }
        Object l = eval(b.left(), frame);
        Object r = eval(b.right(), frame);
        if (l instanceof Values.Poison p) {
            return p;
        }
        if (r instanceof Values.Poison p) {
            return p;
        }
        String aten = switch (b.op()) {
            case "+" -> "add";
            case "-" -> "sub";
            case "*" -> "mul";
            case "/" -> "div";
            case "//" -> "floordiv";
            case "%" -> "remainder";
            case "**" -> "pow";
            case "==" -> "eq";
            case "!=" -> "ne";
            case "<" -> "lt";
            case ">" -> "gt";
            case "<=" -> "le";
            case ">=" -> "ge";
            case "is" -> "__is__";
            case "is not" -> "__isnot__";
            case "in" -> "__contains__reversed";
            case "not in" -> "__notcontains__reversed";
            case "@" -> "matmul";
            default -> throw new TranslationException("operator " + b.op() + " is not supported");
        };
        Ops.Op op = ops.find(aten);
        if (op == null) {
            throw new TranslationException("operator " + b.op() + " is not supported");
        }
        return op.apply(new OpCall(aten, List.of(l, r), Map.of(), this));
    }

    /** Python truthiness of a value known while translating; a computed tensor here is data-dependent control flow. */
    boolean truth(Object v, String where) {
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Long l) {
            return l != 0;
        }
        if (v instanceof Double d) {
            return d != 0;
        }
        if (Values.isNone(v)) {
            return false;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof List<?> l) {
            return !l.isEmpty();
        }
        if (v instanceof Values.Tuple t) {
            return !t.items().isEmpty();
        }
        if (v instanceof TVal t && t.isKnown() && t.size() == 1) {
            return t.scalarValue() != 0;
        }
        if (v instanceof TVal || v instanceof Values.Poison) {
            throw new TranslationException("data-dependent control flow (" + where + "): the condition depends on the "
                    + "input's values, which a translation to a fixed graph cannot follow; trace the module "
                    + "(torch.jit.trace) or export it to ONNX");
        }
        return true;
    }

    List<Object> iterate(Object v) {
        if (v instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        if (v instanceof Values.Tuple t) {
            return t.items();
        }
        if (v instanceof Map<?, ?> m) {
            return new ArrayList<>(m.keySet());
        }
        if (v instanceof TVal t && t.rank() > 0) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < t.shape()[0]; i++) {
                out.add(ops.find("select").apply(new OpCall("select", List.of(t, 0L, (long) i), Map.of(), this)));
            }
            return out;
        }
        throw new TranslationException("cannot iterate over " + describe(v));
    }

    static String describe(Object v) {
        if (v instanceof Module m) {
            return m.path().isEmpty() ? "the top module (" + m.className() + ")" : "'" + m.path() + "' (" + m.className() + ")";
        }
        if (v instanceof TVal t) {
            return "a tensor of shape " + t.shapeString();
        }
        if (Values.isNone(v)) {
            return "None";
        }
        return v == null ? "null" : v.getClass().getSimpleName() + " " + v;
    }


    /** A translation error with the innermost source location where it happened. */
    static final class Located extends TranslationException {
        private static final long serialVersionUID = 1L;
        final transient Loc loc;

        Located(Loc loc, String message) {
            super(message);
            this.loc = loc;
        }
    }

    /** Re-thrown located errors keep their innermost location. */
    private static RuntimeException located(Loc loc, TranslationException e) {
        return e instanceof Located ? e : new Located(loc, e.getMessage());
    }

    static BadInputException userError(String file, RuntimeException e) {
        if (e instanceof Located l) {
            return new BadInputException(file + ": " + l.loc + ": " + l.getMessage());
        }
        return new BadInputException(file + ": " + e.getMessage());
    }
}
