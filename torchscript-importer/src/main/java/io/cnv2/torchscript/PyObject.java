package io.cnv2.torchscript;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * An object of a TorchScript class ({@code __torch__.train.FashionCnn}, {@code
 * __torch__.torch.nn.modules.conv.Conv2d}, ...): the pickle creates it empty ({@code NEWOBJ}) and then
 * sets its state ({@code BUILD}), a dict of attribute name to value for modules, so the object exists
 * (and may be referenced from the memo) before its attributes do. Identity, not value, is equality,
 * as in Python.
 */
public final class PyObject {
    private final String className;
    private final Map<String, Object> attributes = new LinkedHashMap<>();
    private Object state;
    private boolean built;

    public PyObject(String className) {
        this.className = Objects.requireNonNull(className);
    }

    /** The qualified class name, e.g. {@code __torch__.torch.nn.modules.conv.___torch_mangle_0.Conv2d}. */
    public String className() {
        return className;
    }

    /** The attributes in file order (submodules, parameters, buffers and plain attributes alike); read-only. */
    public Map<String, Object> attributes() {
        return Collections.unmodifiableMap(attributes);
    }

    /** True if the object has attribute {@code name} (its value may be None, i.e. null). */
    public boolean has(String name) {
        return attributes.containsKey(name);
    }

    /** The value of attribute {@code name} ({@code null} for None); an error naming the class if it has none. */
    public Object attr(String name) {
        if (!attributes.containsKey(name)) {
            throw new NoSuchElementException(className + " has no attribute '" + name + "' (it has " + attributes.keySet() + ")");
        }
        return attributes.get(name);
    }

    /**
     * The state exactly as the pickle gave it: the attribute dict for modules, or whatever a class with
     * {@code __getstate__} returned (then {@link #attributes()} is empty). Null before {@code BUILD}.
     */
    public Object state() {
        return state;
    }

    /** BUILD: a dict of string keys becomes the attributes; any other state is kept as it is. */
    void build(Object newState) {
        if (built) {
            throw new IllegalStateException(className + " is built twice");
        }
        built = true;
        state = newState;
        if (newState instanceof Map<?, ?> map && map.keySet().stream().allMatch(k -> k instanceof String)) {
            map.forEach((k, v) -> attributes.put((String) k, v));
        }
    }

    @Override
    public String toString() {
        return className + attributes.keySet();
    }
}
