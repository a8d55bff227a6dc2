package io.cnv2.torchscript;

/**
 * A name a pickle imports ({@code GLOBAL 'torch FloatStorage'}): a class or function that the
 * unpickler either knows ({@code PickleGlobals}) or refuses. As a value it appears only where the
 * pickle passes the class itself, e.g. the storage type in a persistent id.
 */
public record PyGlobal(String module, String name) {
    /** {@code module.name}, e.g. {@code torch._utils._rebuild_tensor_v2}. */
    public String qualifiedName() {
        return module + "." + name;
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}
