package io.cnv2.torchscript;

import io.cnv2.torchscript.Ast.Expr;
import java.util.stream.Collectors;

/** An expression printed back as TorchScript source, for error messages. */
final class Source {
    private Source() {
    }

    static String of(Expr e) {
        if (e instanceof Ast.Const c) {
            return c.value() instanceof String s ? "\"" + s + "\"" : String.valueOf(c.value());
        }
        if (e instanceof Ast.Name n) {
            return n.id();
        }
        if (e instanceof Ast.Attr a) {
            return of(a.target()) + "." + a.name();
        }
        if (e instanceof Ast.Call c) {
            return of(c.fn()) + "(" + c.args().stream().map(Source::of).collect(Collectors.joining(", "))
                    + c.kwargs().entrySet().stream().map(k -> ", " + k.getKey() + "=" + of(k.getValue())).collect(Collectors.joining())
                    + ")";
        }
        if (e instanceof Ast.Index i) {
            return of(i.target()) + "[" + of(i.index()) + "]";
        }
        if (e instanceof Ast.ListExpr l) {
            return "[" + l.items().stream().map(Source::of).collect(Collectors.joining(", ")) + "]";
        }
        if (e instanceof Ast.TupleExpr t) {
            return "(" + t.items().stream().map(Source::of).collect(Collectors.joining(", ")) + ")";
        }
        if (e instanceof Ast.Unary u) {
            return u.op() + (u.op().equals("not") ? " " : "") + of(u.operand());
        }
        if (e instanceof Ast.Binary b) {
            return of(b.left()) + " " + b.op() + " " + of(b.right());
        }
        if (e instanceof Ast.Cond c) {
            return of(c.then()) + " if " + of(c.test()) + " else " + of(c.otherwise());
        }
        return "{...}";
    }
}
