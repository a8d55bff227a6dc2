package io.cnv2.torchscript;

import java.util.Arrays;

/** Shape arithmetic shared by the op families. */
final class Shapes {
    private Shapes() {
    }

    /** NumPy broadcasting, as PyTorch and ONNX both define it. */
    static int[] broadcast(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new TranslationException("shapes " + str(a) + " and " + str(b) + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Elements of a tensor shape; a shape whose size overflows an int is refused by name. */
    static int size(int[] s) {
        long n = 1;
        for (int d : s) {
            if (d < 0) {
                throw new TranslationException("a negative dimension in shape " + str(s));
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new TranslationException("a tensor of shape " + str(s) + " has more than 2^31 elements");
            }
        }
        return (int) n;
    }

    /** The most elements a tensor computed while translating may hold (256 MB of floats). */
    static final int MAX_KNOWN = 1 << 26;

    /** Elements of a tensor the translation computes itself (a constant, a folded value), bounded. */
    static int knownSize(int[] s) {
        int n = size(s);
        if (n > MAX_KNOWN) {
            throw new TranslationException("a constant of shape " + str(s) + " (" + n + " elements) is larger than the "
                    + MAX_KNOWN + " elements a translation computes");
        }
        return n;
    }

    static int[] strides(int[] s) {
        int[] st = new int[s.length];
        int acc = 1;
        for (int i = s.length - 1; i >= 0; i--) {
            st[i] = acc;
            acc *= s[i];
        }
        return st;
    }

    /** The flat index in a tensor of shape {@code from} that broadcasts to element {@code flat} of shape {@code to}. */
    static int source(int flat, int[] to, int[] from) {
        int idx = 0;
        int mul = 1;
        for (int i = to.length - 1, j = from.length - 1; i >= 0; i--, j--) {
            int coord = flat % to[i];
            flat /= to[i];
            if (j >= 0) {
                if (from[j] != 1) {
                    idx += coord * mul;
                }
                mul *= from[j];
            }
        }
        return idx;
    }

    /** A reshape target with one -1 resolved, or an error naming both shapes. */
    static int[] resolve(int[] from, long[] target) {
        int[] out = new int[target.length];
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            if (target[i] < -1 || target[i] > Integer.MAX_VALUE) {
                throw new TranslationException("a shape with dimension " + target[i] + ": " + Arrays.toString(target));
            }
            if (target[i] == -1) {
                if (unknown >= 0) {
                    throw new TranslationException("a shape with two -1 dimensions: " + Arrays.toString(target));
                }
                unknown = i;
            } else {
                out[i] = (int) target[i];
                known *= target[i];
            }
        }
        int total = size(from);
        if (unknown >= 0) {
            if (known == 0 || total % known != 0) {
                throw new TranslationException("cannot view a tensor of shape " + str(from) + " as " + Arrays.toString(target));
            }
            out[unknown] = (int) (total / known);
        } else if (known != total) {
            throw new TranslationException("cannot view a tensor of shape " + str(from) + " as " + Arrays.toString(target));
        }
        return out;
    }

    static String str(int[] s) {
        return Arrays.toString(s).replace('[', '(').replace(']', ')');
    }

    static long[] longs(int[] s) {
        return Arrays.stream(s).asLongStream().toArray();
    }
}
