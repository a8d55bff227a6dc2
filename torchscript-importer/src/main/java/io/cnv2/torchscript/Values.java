package io.cnv2.torchscript;

import java.util.List;
import java.util.Map;

/** Python values the interpreter needs beyond Java's boxed numbers, strings, lists and maps. */
public final class Values {
    private Values() {
    }

    /** Python's {@code None}. */
    public static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    /** A tuple (immutable, unlike a Python list, which is a {@code java.util.List}). */
    public record Tuple(List<Object> items) {
    }

    /** A module object of the archive: its TorchScript class, attributes, and path from the top module. */
    public record Module(String className, Map<String, Object> attributes, String path) {
    }

    /** A dotted name being resolved: {@code torch}, {@code ops.aten}, {@code __torch__.torch.nn.functional}. */
    record Namespace(String path) {
    }

    /** A function defined in a code file. */
    record Function(Ast.FunctionDef def) {
    }

    /** A method bound to its module. */
    record Method(Module self, Ast.FunctionDef def) {
    }

    /** A Python builtin ({@code int}, {@code len}, {@code annotate}, ...). */
    record Builtin(String name) {
    }

    /** {@code a:b} in a subscript. */
    record Slice(Object lo, Object hi) {
    }

    /** A type used as a value ({@code annotate(List[int], [])}, {@code isinstance(x, Tensor)}). */
    record TypeName(String text) {
    }

    /**
     * The result of an operation that could not be translated: it flows on so that every such
     * operation of the model can be listed in one error, and nothing is emitted for what uses it.
     */
    record Poison(String op) {
    }

    static boolean isNone(Object v) {
        return v == NONE;
    }
}
