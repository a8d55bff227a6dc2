package io.cnv2.torchscript;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A Python tuple, kept apart from a list ({@link java.util.ArrayList}) because TorchScript types
 * them differently ({@code Tuple[int, str]} against {@code List[int]}). Immutable; items may be
 * {@code null} (Python's None).
 */
public record PyTuple(List<Object> items) {
    public PyTuple {
        items = Collections.unmodifiableList(new ArrayList<>(items));
    }

    public static PyTuple of(Object... items) {
        return new PyTuple(Arrays.asList(items));
    }

    public int size() {
        return items.size();
    }

    public Object get(int index) {
        return items.get(index);
    }

    @Override
    public String toString() {
        return "(" + String.join(", ", items.stream().map(String::valueOf).toList()) + (items.size() == 1 ? ",)" : ")");
    }
}
