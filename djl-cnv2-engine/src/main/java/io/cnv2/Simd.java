package io.cnv2;

/**
 * Whether the fast paths may use the Vector API (module {@code jdk.incubator.vector}, an
 * incubator module in JDK 17 that a JVM resolves only when asked with
 * {@code --add-modules jdk.incubator.vector}). Without it every kernel takes its scalar path,
 * which gives the same bits: the accelerator's sums are exact integers in any order
 * (CNV2-MODEL.md section 2, rule 3), the output stage's scalar rule is the definition, and the
 * float conv's plain loops add the same rounded products in the same order. The classes that
 * name vector types are reached only through {@link #enabled()}, so none is loaded without the
 * module.
 */
public final class Simd {
    /** The JVM option that enables the fast path. */
    public static final String FLAG = "--add-modules jdk.incubator.vector";
    private static final boolean PRESENT = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    private static volatile boolean scalar = Boolean.getBoolean("cnv2.scalar");

    private Simd() {
    }

    /** True when the vector kernels run: the module is there and the scalar path was not asked for. */
    public static boolean enabled() {
        return PRESENT && !scalar;
    }

    /** True when the JVM resolved the Vector API module. */
    public static boolean present() {
        return PRESENT;
    }

    /**
     * The scalar kernels even when the module is there ({@code -Dcnv2.scalar=true} does the same at
     * start): tests use it to hold the two paths equal bit for bit.
     */
    public static void forceScalar(boolean on) {
        scalar = on;
    }

    /** What to tell a user whose JVM runs without the module, once. */
    public static String notice() {
        return "the Java Vector API module is not enabled, so cnv2 runs its scalar kernels: the same bits, "
                + "several times slower; start the JVM with " + FLAG + " for the fast path";
    }
}
