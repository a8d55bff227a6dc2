package io.cnv2.torchscript;

import io.cnv2.BadInputException;
import io.cnv2.torchscript.Ast.Expr;
import io.cnv2.torchscript.Ast.Loc;
import io.cnv2.torchscript.Ast.Stmt;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses one serialized TorchScript code file ({@code code/__torch__/...py}) into {@link Ast}. The
 * grammar is the part of Python that TorchScript's printer emits: indentation blocks, class and
 * def headers with type annotations, assignments, calls with keyword arguments and trailing
 * commas, subscripts, literals, and the usual operator precedence. Anything else is an error that
 * names the file and line, never a silent skip.
 */
public final class CodeParser {
    private static final int MAX_DEPTH = 200;
    private final String file;
    private final List<CodeLexer.Token> toks;
    private int pos;
    private int depth;

    private CodeParser(String file, String source) {
        this.file = file;
        this.toks = new CodeLexer(file, source).tokens();
    }

    /** The classes and functions of a code file whose qualified name is {@code file}. */
    public static Ast.CodeFile parse(String file, String source) {
        return new CodeParser(file, source).codeFile();
    }

    private Ast.CodeFile codeFile() {
        Map<String, Ast.ClassDef> classes = new LinkedHashMap<>();
        Map<String, Ast.FunctionDef> functions = new LinkedHashMap<>();
        while (!at(CodeLexer.Kind.END)) {
            if (accept(CodeLexer.Kind.NEWLINE)) {
                continue;
            }
            if (atWord("class")) {
                Ast.ClassDef c = classDef();
                classes.put(c.name(), c);
            } else if (atWord("def")) {
                Ast.FunctionDef f = functionDef();
                functions.put(f.name(), f);
            } else if (atWord("import") || atWord("from")) {
                skipLine();
            } else {
                // module-level statements such as `op_version_set = 1` carry nothing the translation needs
                skipLine();
            }
        }
        return new Ast.CodeFile(file, classes, functions);
    }

    private Ast.ClassDef classDef() {
        Loc loc = loc();
        expectWord("class");
        String name = expect(CodeLexer.Kind.NAME).text();
        String base = "";
        if (accept("(")) {
            StringBuilder b = new StringBuilder();
            while (!at(")")) {
                if (at(CodeLexer.Kind.END) || at(CodeLexer.Kind.NEWLINE)) {
                    throw error("class " + name + ": its base class list is not closed");
                }
                b.append(next().text());
            }
            expect(")");
            base = b.toString();
        }
        expect(":");
        expect(CodeLexer.Kind.NEWLINE);
        expect(CodeLexer.Kind.INDENT);
        Map<String, Expr> constants = new LinkedHashMap<>();
        Map<String, Ast.FunctionDef> methods = new LinkedHashMap<>();
        List<String> fields = new ArrayList<>();
        while (!accept(CodeLexer.Kind.DEDENT)) {
            if (at(CodeLexer.Kind.END)) {
                throw error("the file ends inside class " + name);
            }
            if (accept(CodeLexer.Kind.NEWLINE)) {
                continue;
            }
            if (atWord("def")) {
                Ast.FunctionDef f = functionDef();
                methods.put(f.name(), f);
            } else if (at(CodeLexer.Kind.NAME) && peek(1).text().equals(":")) {
                // attr : Type [= value]
                String attr = next().text();
                expect(":");
                expression(); // the type
                if (accept("=")) {
                    constants.put(attr, expression());
                } else {
                    fields.add(attr);
                }
                expect(CodeLexer.Kind.NEWLINE);
            } else {
                // __parameters__ = [...], __annotations__["0"] = Type, __constants__ = [...]
                skipLine();
            }
        }
        return new Ast.ClassDef(name, base, constants, methods, List.copyOf(fields), loc);
    }

    private Ast.FunctionDef functionDef() {
        Loc loc = loc();
        expectWord("def");
        String name = expect(CodeLexer.Kind.NAME).text();
        expect("(");
        List<String> params = new ArrayList<>();
        while (!accept(")")) {
            params.add(expect(CodeLexer.Kind.NAME).text());
            if (accept(":")) {
                expression();
            }
            if (accept("=")) {
                expression(); // defaults are never used by printed calls, which pass every argument
            }
            if (!at(")")) {
                expect(",");
            }
        }
        if (accept("->")) {
            expression();
        }
        expect(":");
        return new Ast.FunctionDef(name, params, block(), loc);
    }

    private List<Stmt> block() {
        if (!accept(CodeLexer.Kind.NEWLINE)) {
            List<Stmt> one = new ArrayList<>();
            one.add(simpleStatement());
            return one;
        }
        expect(CodeLexer.Kind.INDENT);
        List<Stmt> body = new ArrayList<>();
        while (!accept(CodeLexer.Kind.DEDENT)) {
            if (at(CodeLexer.Kind.END)) {
                throw error("the file ends inside a block");
            }
            if (accept(CodeLexer.Kind.NEWLINE)) {
                continue;
            }
            body.add(statement());
        }
        return body;
    }

    private Stmt statement() {
        Loc loc = loc();
        if (atWord("if")) {
            next();
            return ifRest(loc);
        }
        if (atWord("for")) {
            next();
            Expr target = targetList();
            expectWord("in");
            Expr iter = expression();
            expect(":");
            return new Ast.For(target, iter, block(), loc);
        }
        if (atWord("while")) {
            next();
            Expr test = expression();
            expect(":");
            return new Ast.While(test, block(), loc);
        }
        if (atWord("with") || atWord("try")) {
            String what = next().text();
            skipLine();
            if (at(CodeLexer.Kind.INDENT)) {
                skipBlock();
            }
            return new Ast.Unsupported("'" + what + "' block", loc);
        }
        return simpleStatement();
    }

    private Stmt ifRest(Loc loc) {
        Expr test = expression();
        expect(":");
        List<Stmt> then = block();
        List<Stmt> otherwise = List.of();
        if (atWord("elif")) {
            Loc l = loc();
            next();
            otherwise = List.of(ifRest(l));
        } else if (atWord("else")) {
            next();
            expect(":");
            otherwise = block();
        }
        return new Ast.If(test, then, otherwise, loc);
    }

    private Stmt simpleStatement() {
        Loc loc = loc();
        Stmt s;
        if (atWord("pass")) {
            next();
            s = new Ast.Pass(loc);
        } else if (atWord("return")) {
            next();
            s = new Ast.Return(at(CodeLexer.Kind.NEWLINE) ? new Ast.Const(Values.NONE, loc) : exprList(), loc);
        } else if (atWord("break") || atWord("continue") || atWord("raise") || atWord("del") || atWord("global")
                || atWord("assert")) {
            String what = next().text();
            skipRestOfLine();
            return new Ast.Unsupported("'" + what + "' statement", loc);
        } else {
            Expr first = exprList();
            if (accept(":")) {
                // an annotated assignment, "x : Optional[bool] = v" (PyTorch's printer writes one where a
                // branch's value has a narrower type than the variable's): the annotation checks nothing
                // here, since the interpreter carries each value's own type; a bare annotation binds nothing
                expression();
                s = accept("=") ? new Ast.Assign(first, exprList(), loc) : new Ast.Pass(loc);
            } else if (accept("=")) {
                s = new Ast.Assign(first, exprList(), loc);
            } else if (at(CodeLexer.Kind.OP) && peek(0).text().length() >= 2 && peek(0).text().endsWith("=")
                    && !List.of("==", "!=", "<=", ">=").contains(peek(0).text())) {
                String op = next().text();
                Expr value = exprList();
                s = new Ast.Assign(first, new Ast.Binary(op.substring(0, op.length() - 1), first, value, loc), loc);
            } else {
                s = new Ast.ExprStmt(first, loc);
            }
        }
        if (!at(CodeLexer.Kind.DEDENT) && !at(CodeLexer.Kind.END)) {
            expect(CodeLexer.Kind.NEWLINE);
        }
        return s;
    }

    /** {@code a}, {@code a, b}, {@code a, b,}: a tuple when there is a comma. */
    private Expr exprList() {
        Loc loc = loc();
        Expr first = expression();
        if (!at(",")) {
            return first;
        }
        List<Expr> items = new ArrayList<>();
        items.add(first);
        while (accept(",")) {
            if (at("=") || at(CodeLexer.Kind.NEWLINE) || at(")")) {
                break;
            }
            items.add(expression());
        }
        return new Ast.TupleExpr(items, loc);
    }

    private Expr targetList() {
        Loc loc = loc();
        List<Expr> items = new ArrayList<>();
        items.add(postfix());
        boolean tuple = false;
        while (accept(",")) {
            tuple = true;
            if (atWord("in")) {
                break;
            }
            items.add(postfix());
        }
        return tuple ? new Ast.TupleExpr(items, loc) : items.get(0);
    }

    private Expr expression() {
        if (++depth > MAX_DEPTH) {
            throw error("expression nested more than " + MAX_DEPTH + " deep");
        }
        try {
            Expr e = or();
            if (atWord("if")) {
                Loc loc = loc();
                next();
                Expr test = or();
                expectWord("else");
                Expr otherwise = expression();
                return new Ast.Cond(e, test, otherwise, loc);
            }
            return e;
        } finally {
            depth--;
        }
    }

    private Expr or() {
        Expr e = and();
        while (atWord("or")) {
            Loc loc = loc();
            next();
            e = new Ast.Binary("or", e, and(), loc);
        }
        return e;
    }

    private Expr and() {
        Expr e = not();
        while (atWord("and")) {
            Loc loc = loc();
            next();
            e = new Ast.Binary("and", e, not(), loc);
        }
        return e;
    }

    private Expr not() {
        if (atWord("not")) {
            Loc loc = loc();
            next();
            return new Ast.Unary("not", not(), loc);
        }
        return comparison();
    }

    private Expr comparison() {
        Expr e = bitOr();
        while (true) {
            Loc loc = loc();
            String op;
            if (at("==") || at("!=") || at("<") || at(">") || at("<=") || at(">=")) {
                op = next().text();
            } else if (atWord("is")) {
                next();
                op = acceptWord("not") ? "is not" : "is";
            } else if (atWord("in")) {
                next();
                op = "in";
            } else if (atWord("not") && peek(1).text().equals("in")) {
                next();
                next();
                op = "not in";
            } else {
                return e;
            }
            e = new Ast.Binary(op, e, bitOr(), loc);
        }
    }

    private Expr bitOr() {
        Expr e = arith();
        while (at("|") || at("&") || at("^") || at("<<") || at(">>")) {
            Loc loc = loc();
            String op = next().text();
            e = new Ast.Binary(op, e, arith(), loc);
        }
        return e;
    }

    private Expr arith() {
        Expr e = term();
        while (at("+") || at("-")) {
            Loc loc = loc();
            String op = next().text();
            e = new Ast.Binary(op, e, term(), loc);
        }
        return e;
    }

    private Expr term() {
        Expr e = unary();
        while (at("*") || at("/") || at("//") || at("%") || at("@")) {
            Loc loc = loc();
            String op = next().text();
            e = new Ast.Binary(op, e, unary(), loc);
        }
        return e;
    }

    private Expr unary() {
        if (at("-") || at("+") || at("~")) {
            Loc loc = loc();
            String op = next().text();
            return new Ast.Unary(op, unary(), loc);
        }
        Expr e = postfix();
        if (at("**")) {
            Loc loc = loc();
            next();
            return new Ast.Binary("**", e, unary(), loc);
        }
        return e;
    }

    private Expr postfix() {
        Expr e = atom();
        while (true) {
            Loc loc = loc();
            if (accept(".")) {
                e = new Ast.Attr(e, expect(CodeLexer.Kind.NAME).text(), loc);
            } else if (accept("(")) {
                List<Expr> args = new ArrayList<>();
                Map<String, Expr> kwargs = new LinkedHashMap<>();
                while (!accept(")")) {
                    if (at(CodeLexer.Kind.NAME) && peek(1).text().equals("=")) {
                        String k = next().text();
                        next();
                        kwargs.put(k, expression());
                    } else if (accept("*")) {
                        throw error("star arguments are not TorchScript");
                    } else {
                        args.add(expression());
                    }
                    if (!at(")")) {
                        expect(",");
                    }
                }
                e = new Ast.Call(e, args, kwargs, loc);
            } else if (accept("[")) {
                Expr index = sliceOrExpr();
                expect("]");
                e = new Ast.Index(e, index, loc);
            } else {
                return e;
            }
        }
    }

    /** A subscript: an expression, a tuple of them ({@code Dict[str, Tensor]}) or a slice {@code a:b}. */
    private Expr sliceOrExpr() {
        Loc loc = loc();
        List<Expr> items = new ArrayList<>();
        do {
            if (at("]")) {
                break;
            }
            Expr lo = at(":") ? new Ast.Const(Values.NONE, loc) : expression();
            if (accept(":")) {
                Expr hi = at("]") || at(",") ? new Ast.Const(Values.NONE, loc) : expression();
                lo = new Ast.Call(new Ast.Name("slice", loc), List.of(lo, hi), Map.of(), loc);
            }
            items.add(lo);
        } while (accept(","));
        return items.size() == 1 ? items.get(0) : new Ast.TupleExpr(items, loc);
    }

    private Expr atom() {
        Loc loc = loc();
        CodeLexer.Token t = peek(0);
        switch (t.kind()) {
            case INT -> {
                next();
                return new Ast.Const(t.value(), loc);
            }
            case FLOAT -> {
                next();
                return new Ast.Const(t.value(), loc);
            }
            case STRING -> {
                next();
                StringBuilder s = new StringBuilder((String) t.value());
                while (at(CodeLexer.Kind.STRING)) {
                    s.append((String) next().value());
                }
                return new Ast.Const(s.toString(), loc);
            }
            case NAME -> {
                next();
                return switch (t.text()) {
                    case "None" -> new Ast.Const(Values.NONE, loc);
                    case "True" -> new Ast.Const(Boolean.TRUE, loc);
                    case "False" -> new Ast.Const(Boolean.FALSE, loc);
                    case "inf" -> new Ast.Const(Double.POSITIVE_INFINITY, loc);
                    case "nan" -> new Ast.Const(Double.NaN, loc);
                    default -> new Ast.Name(t.text(), loc);
                };
            }
            default -> {
            }
        }
        if (accept("(")) {
            if (accept(")")) {
                return new Ast.TupleExpr(List.of(), loc);
            }
            Expr first = expression();
            if (accept(")")) {
                return first;
            }
            List<Expr> items = new ArrayList<>();
            items.add(first);
            while (accept(",")) {
                if (at(")")) {
                    break;
                }
                items.add(expression());
            }
            expect(")");
            return new Ast.TupleExpr(items, loc);
        }
        if (accept("[")) {
            List<Expr> items = new ArrayList<>();
            while (!accept("]")) {
                items.add(expression());
                if (!at("]")) {
                    expect(",");
                }
            }
            return new Ast.ListExpr(items, loc);
        }
        if (accept("{")) {
            List<Expr> keys = new ArrayList<>();
            List<Expr> values = new ArrayList<>();
            while (!accept("}")) {
                keys.add(expression());
                expect(":");
                values.add(expression());
                if (!at("}")) {
                    expect(",");
                }
            }
            return new Ast.DictExpr(keys, values, loc);
        }
        throw error("unexpected " + describe(t));
    }

    // ---- token helpers

    private CodeLexer.Token peek(int k) {
        return toks.get(Math.min(pos + k, toks.size() - 1));
    }

    private CodeLexer.Token next() {
        return toks.get(Math.min(pos++, toks.size() - 1));
    }

    private boolean at(CodeLexer.Kind k) {
        return peek(0).kind() == k;
    }

    private boolean at(String op) {
        CodeLexer.Token t = peek(0);
        return t.kind() == CodeLexer.Kind.OP && t.text().equals(op);
    }

    private boolean atWord(String w) {
        CodeLexer.Token t = peek(0);
        return t.kind() == CodeLexer.Kind.NAME && t.text().equals(w);
    }

    private boolean accept(String op) {
        if (at(op)) {
            pos++;
            return true;
        }
        return false;
    }

    private boolean accept(CodeLexer.Kind k) {
        if (at(k)) {
            pos++;
            return true;
        }
        return false;
    }

    private boolean acceptWord(String w) {
        if (atWord(w)) {
            pos++;
            return true;
        }
        return false;
    }

    private CodeLexer.Token expect(CodeLexer.Kind k) {
        if (!at(k)) {
            throw error("expected " + k.name().toLowerCase(java.util.Locale.ROOT) + ", found " + describe(peek(0)));
        }
        return next();
    }

    private void expect(String op) {
        if (!accept(op)) {
            throw error("expected '" + op + "', found " + describe(peek(0)));
        }
    }

    private void expectWord(String w) {
        if (!acceptWord(w)) {
            throw error("expected '" + w + "', found " + describe(peek(0)));
        }
    }

    private void skipLine() {
        if (at(CodeLexer.Kind.END)) {
            throw error("unexpected end of the file");
        }
        skipRestOfLine();
        if (at(CodeLexer.Kind.INDENT)) {
            skipBlock();
        }
    }

    private void skipRestOfLine() {
        int start = pos;
        while (!at(CodeLexer.Kind.NEWLINE) && !at(CodeLexer.Kind.END) && !at(CodeLexer.Kind.DEDENT)) {
            next();
        }
        if (!accept(CodeLexer.Kind.NEWLINE) && pos == start && !at(CodeLexer.Kind.END)) {
            next(); // a stray DEDENT: every skip moves on, so no loop over the tokens can stall
        }
    }

    private void skipBlock() {
        expect(CodeLexer.Kind.INDENT);
        int level = 1;
        while (level > 0 && !at(CodeLexer.Kind.END)) {
            CodeLexer.Token t = next();
            if (t.kind() == CodeLexer.Kind.INDENT) {
                level++;
            } else if (t.kind() == CodeLexer.Kind.DEDENT) {
                level--;
            }
        }
    }

    private Loc loc() {
        return new Loc(file, peek(0).line());
    }

    private static String describe(CodeLexer.Token t) {
        return switch (t.kind()) {
            case NEWLINE -> "end of line";
            case INDENT -> "an indented block";
            case DEDENT -> "the end of a block";
            case END -> "the end of the file";
            default -> "'" + t.text() + "'";
        };
    }

    private BadInputException error(String message) {
        return new BadInputException("TorchScript code " + file + ":" + peek(0).line() + ": " + message);
    }
}
