package io.cnv2.torchscript;

import java.util.List;
import java.util.Map;

/**
 * The syntax tree of serialized TorchScript code: the subset of Python that {@code torch.jit.save}
 * prints (torch/csrc/jit/serialization/python_print.cpp): classes with annotated attributes and
 * methods, straight-line assignments and calls, {@code if}/{@code else}, {@code for} over a range,
 * literals, lists and tuples. Every node keeps the line it came from, so errors can name the
 * source location ({@code code/__torch__/torch/nn/modules/conv.py:14}).
 */
public final class Ast {
    private Ast() {
    }

    /** Where a construct is: the code file's qualified name and the line. */
    public record Loc(String file, int line) {
        @Override
        public String toString() {
            return file + ":" + line;
        }
    }

    public sealed interface Expr permits Const, Name, Attr, Call, Index, ListExpr, TupleExpr, DictExpr, Unary, Binary,
            Cond {
        Loc loc();
    }

    /** A literal: Long, Double, String, Boolean or {@link Values#NONE}. */
    public record Const(Object value, Loc loc) implements Expr {
    }

    public record Name(String id, Loc loc) implements Expr {
    }

    public record Attr(Expr target, String name, Loc loc) implements Expr {
    }

    public record Call(Expr fn, List<Expr> args, Map<String, Expr> kwargs, Loc loc) implements Expr {
    }

    public record Index(Expr target, Expr index, Loc loc) implements Expr {
    }

    public record ListExpr(List<Expr> items, Loc loc) implements Expr {
    }

    public record TupleExpr(List<Expr> items, Loc loc) implements Expr {
    }

    public record DictExpr(List<Expr> keys, List<Expr> values, Loc loc) implements Expr {
    }

    /** {@code -x}, {@code not x}, {@code ~x}. */
    public record Unary(String op, Expr operand, Loc loc) implements Expr {
    }

    /** Arithmetic, comparison ({@code ==}, {@code is}, {@code in}, ...) and boolean operators. */
    public record Binary(String op, Expr left, Expr right, Loc loc) implements Expr {
    }

    /** {@code a if c else b}. */
    public record Cond(Expr then, Expr test, Expr otherwise, Loc loc) implements Expr {
    }

    public sealed interface Stmt permits Assign, ExprStmt, Return, If, For, While, Pass, Unsupported {
        Loc loc();
    }

    /** {@code a = e}, {@code a, b, = e}, {@code x[i] = e} (targets are names, tuples or subscripts). */
    public record Assign(Expr target, Expr value, Loc loc) implements Stmt {
    }

    public record ExprStmt(Expr expr, Loc loc) implements Stmt {
    }

    public record Return(Expr value, Loc loc) implements Stmt {
    }

    public record If(Expr test, List<Stmt> then, List<Stmt> otherwise, Loc loc) implements Stmt {
    }

    public record For(Expr target, Expr iter, List<Stmt> body, Loc loc) implements Stmt {
    }

    public record While(Expr test, List<Stmt> body, Loc loc) implements Stmt {
    }

    public record Pass(Loc loc) implements Stmt {
    }

    /** A statement kind the interpreter does not run ({@code with}, {@code break}, ...): named if reached. */
    public record Unsupported(String what, Loc loc) implements Stmt {
    }

    /** {@code def name(self: T, x: Tensor) -> T:} with its body. */
    public record FunctionDef(String name, List<String> params, List<Stmt> body, Loc loc) {
    }

    /**
     * {@code class Name(Base):}: the attributes declared with a value ({@code stride : Final[Tuple[int, int]] = (1, 1)}),
     * the methods, and the attributes declared without one, in order ({@code fields}: a NamedTuple's).
     */
    public record ClassDef(String name, String base, Map<String, Expr> constants, Map<String, FunctionDef> methods,
                           List<String> fields, Loc loc) {
        /** A {@code class Name(NamedTuple):}, whose call builds a tuple of its {@link #fields} in order. */
        public boolean namedTuple() {
            return base.equals("NamedTuple");
        }
    }

    /** One code file: its classes and module-level functions. */
    public record CodeFile(String qualifiedName, Map<String, ClassDef> classes, Map<String, FunctionDef> functions) {
    }
}
