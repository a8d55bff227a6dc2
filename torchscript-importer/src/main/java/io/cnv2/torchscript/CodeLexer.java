package io.cnv2.torchscript;

import io.cnv2.BadInputException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Tokens of serialized TorchScript code, with Python's layout rules: INDENT and DEDENT from
 * leading spaces, NEWLINE only outside brackets, comments dropped.
 */
final class CodeLexer {
    enum Kind { NAME, INT, FLOAT, STRING, OP, NEWLINE, INDENT, DEDENT, END }

    record Token(Kind kind, String text, Object value, int line) {
    }

    /** Longest operators first, so {@code **} is not read as two {@code *}. */
    private static final String[] OPS = {"**=", "//=", ">>=", "<<=", "->", "**", "//", "==", "!=", "<=", ">=", "<<", ">>",
        "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "+", "-", "*", "/", "%", "@", "<", ">", "=", "(", ")", "[", "]",
        "{", "}", ",", ":", ".", ";", "&", "|", "^", "~"};
    private static final int MAX_TOKENS = 20_000_000;

    private final String file;
    private final String src;
    private int i;
    private int line = 1;
    private int brackets;
    private final List<Token> out = new ArrayList<>();
    private final Deque<Integer> indents = new ArrayDeque<>();

    CodeLexer(String file, String src) {
        this.file = file;
        this.src = src;
        indents.push(0);
    }

    List<Token> tokens() {
        boolean lineStart = true;
        while (i < src.length()) {
            if (out.size() > MAX_TOKENS) {
                throw error("more than " + MAX_TOKENS + " tokens");
            }
            if (lineStart && brackets == 0) {
                int col = 0;
                int j = i;
                while (j < src.length() && (src.charAt(j) == ' ' || src.charAt(j) == '\t')) {
                    col += src.charAt(j) == '\t' ? 8 - col % 8 : 1;
                    j++;
                }
                if (j >= src.length() || src.charAt(j) == '\n' || src.charAt(j) == '\r' || src.charAt(j) == '#') {
                    i = j; // blank or comment-only line: no layout change, and on to the next line
                    skipToLineEnd();
                    if (i < src.length()) {
                        if (src.charAt(i) == '\r' && i + 1 < src.length() && src.charAt(i + 1) == '\n') {
                            i++;
                        }
                        i++;
                        line++;
                    }
                    continue;
                }
                i = j;
                if (col > indents.peek()) {
                    indents.push(col);
                    out.add(new Token(Kind.INDENT, "", null, line));
                } else {
                    while (col < indents.peek()) {
                        indents.pop();
                        out.add(new Token(Kind.DEDENT, "", null, line));
                    }
                    if (col != indents.peek()) {
                        throw error("inconsistent indentation");
                    }
                }
                lineStart = false;
            }
            char c = src.charAt(i);
            if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < src.length() && src.charAt(i + 1) == '\n') {
                    i++;
                }
                i++;
                if (brackets == 0) {
                    out.add(new Token(Kind.NEWLINE, "", null, line));
                    lineStart = true;
                }
                line++;
            } else if (c == ' ' || c == '\t') {
                i++;
            } else if (c == '\\' && i + 1 < src.length() && (src.charAt(i + 1) == '\n' || src.charAt(i + 1) == '\r')) {
                i += 2;
                line++;
            } else if (c == '#') {
                skipToLineEnd();
            } else if (Character.isLetter(c) || c == '_') {
                int s = i;
                while (i < src.length() && (Character.isLetterOrDigit(src.charAt(i)) || src.charAt(i) == '_')) {
                    i++;
                }
                String w = src.substring(s, i);
                if (i < src.length() && (src.charAt(i) == '"' || src.charAt(i) == '\'') && (w.equals("r") || w.equals("b")
                        || w.equals("u") || w.equals("f"))) {
                    out.add(string(w.equals("r")));
                } else {
                    out.add(new Token(Kind.NAME, w, null, line));
                }
            } else if (Character.isDigit(c) || c == '.' && i + 1 < src.length() && Character.isDigit(src.charAt(i + 1))) {
                out.add(number());
            } else if (c == '"' || c == '\'') {
                out.add(string(false));
            } else {
                String op = null;
                for (String o : OPS) {
                    if (src.startsWith(o, i)) {
                        op = o;
                        break;
                    }
                }
                if (op == null) {
                    throw error("unexpected character '" + c + "'");
                }
                if (op.equals("(") || op.equals("[") || op.equals("{")) {
                    brackets++;
                } else if (op.equals(")") || op.equals("]") || op.equals("}")) {
                    brackets = Math.max(0, brackets - 1);
                }
                i += op.length();
                out.add(new Token(Kind.OP, op, null, line));
            }
        }
        if (!out.isEmpty() && out.get(out.size() - 1).kind() != Kind.NEWLINE) {
            out.add(new Token(Kind.NEWLINE, "", null, line));
        }
        while (indents.peek() > 0) {
            indents.pop();
            out.add(new Token(Kind.DEDENT, "", null, line));
        }
        out.add(new Token(Kind.END, "", null, line));
        return out;
    }

    private void skipToLineEnd() {
        while (i < src.length() && src.charAt(i) != '\n' && src.charAt(i) != '\r') {
            i++;
        }
    }

    private Token number() {
        int s = i;
        boolean isFloat = false;
        while (i < src.length() && Character.isDigit(src.charAt(i))) {
            i++;
        }
        if (i < src.length() && src.charAt(i) == '.') {
            isFloat = true;
            i++;
            while (i < src.length() && Character.isDigit(src.charAt(i))) {
                i++;
            }
        }
        if (i < src.length() && (src.charAt(i) == 'e' || src.charAt(i) == 'E')) {
            isFloat = true;
            i++;
            if (i < src.length() && (src.charAt(i) == '+' || src.charAt(i) == '-')) {
                i++;
            }
            while (i < src.length() && Character.isDigit(src.charAt(i))) {
                i++;
            }
        }
        if (i < src.length() && (src.charAt(i) == 'j' || src.charAt(i) == 'J')) {
            throw error("complex literals are not supported");
        }
        String text = src.substring(s, i);
        try {
            return isFloat ? new Token(Kind.FLOAT, text, Double.parseDouble(text), line)
                    : new Token(Kind.INT, text, new java.math.BigInteger(text).longValue(), line);
        } catch (NumberFormatException e) {
            throw error("bad number '" + text + "'");
        }
    }

    private Token string(boolean raw) {
        char q = src.charAt(i);
        boolean triple = src.startsWith(String.valueOf(q).repeat(3), i);
        i += triple ? 3 : 1;
        StringBuilder b = new StringBuilder();
        int startLine = line;
        while (true) {
            if (i >= src.length()) {
                throw error("unterminated string starting on line " + startLine);
            }
            char c = src.charAt(i);
            if (triple ? src.startsWith(String.valueOf(q).repeat(3), i) : c == q) {
                i += triple ? 3 : 1;
                break;
            }
            if (c == '\n') {
                if (!triple) {
                    throw error("unterminated string");
                }
                line++;
            }
            if (c == '\\' && !raw && i + 1 < src.length()) {
                char e = src.charAt(++i);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case '0' -> b.append('\0');
                    case 'x' -> {
                        b.append(hex(i + 1, 2));
                        i += 2;
                    }
                    case 'u' -> {
                        b.append(hex(i + 1, 4));
                        i += 4;
                    }
                    default -> b.append(e);
                }
                i++;
                continue;
            }
            b.append(c);
            i++;
        }
        return new Token(Kind.STRING, b.toString(), b.toString(), startLine);
    }

    /** The character of an escape's {@code n} hex digits at {@code at}, or an error naming the escape. */
    private char hex(int at, int n) {
        String digits = src.substring(Math.min(at, src.length()), Math.min(at + n, src.length()));
        if (digits.length() != n || !digits.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
            throw error("bad escape \\" + (n == 2 ? "x" : "u") + digits + " in a string");
        }
        return (char) Integer.parseInt(digits, 16);
    }

    private BadInputException error(String message) {
        return new BadInputException("TorchScript code " + file + ":" + line + ": " + message);
    }
}
