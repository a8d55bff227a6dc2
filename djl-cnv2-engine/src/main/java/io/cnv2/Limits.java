package io.cnv2;

/**
 * The resource limits every entry point enforces (issue 10; docs/LIMITS.md lists each with the
 * error a user sees past it). A model, file or run beyond one is refused with a
 * {@link BadInputException} naming it, before anything large is allocated.
 */
public final class Limits {
    private Limits() {
    }

    /** Nodes in a network. */
    public static final int MAX_NODES = 100_000;
    /** Rank of any tensor. */
    public static final int MAX_RANK = 8;
    /** Elements of any one tensor (2^28: 1 GiB as float32). */
    public static final long MAX_TENSOR_ELEMENTS = 1L << 28;
    /** A model file is parsed in memory; it may use at most this share of the heap, times its size. */
    public static final int PARSE_BYTES_PER_FILE_BYTE = 3;
    /** The share of the heap a run may plan to use (the rest is for the JVM, the data set and results). */
    public static final double HEAP_SHARE = 0.8;

    /** The heap this JVM may grow to, in bytes. */
    public static long heap() {
        return Runtime.getRuntime().maxMemory();
    }

    /** "1,234 MB". */
    public static String megabytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%,d MB", (bytes + (1 << 20) - 1) >> 20);
    }
}
