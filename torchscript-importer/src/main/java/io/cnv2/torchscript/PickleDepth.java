package io.cnv2.torchscript;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Checks that an unpickled value is a tree (shared parts allowed, cycles not) of bounded depth. The memo
 * lets a pickle put a list inside itself, or nest ten thousand lists in twenty thousand bytes; either would
 * overflow the stack of any recursive walk (the module walk, {@code equals}, {@code toString}). The check
 * itself walks with an explicit stack, and visits each shared container once.
 */
final class PickleDepth {
    private PickleDepth() {
    }

    private static final class Frame {
        final Object node;
        final Iterator<?> children;
        final int depth;
        int height;

        Frame(Object node, int depth) {
            this.node = node;
            this.children = children(node).iterator();
            this.depth = depth;
        }
    }

    /** An {@link IllegalArgumentException} if {@code root} holds a cycle or nests deeper than {@code maxDepth}. */
    static void check(Object root, int maxDepth) {
        if (!isContainer(root)) {
            return;
        }
        Map<Object, Integer> heights = new IdentityHashMap<>(); // containers fully walked: levels below them
        Set<Object> path = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(root, 1));
        path.add(root);
        while (!stack.isEmpty()) {
            Frame f = stack.peek();
            if (!f.children.hasNext()) {
                stack.pop();
                path.remove(f.node);
                heights.put(f.node, f.height);
                if (!stack.isEmpty()) {
                    stack.peek().height = Math.max(stack.peek().height, f.height + 1);
                }
                continue;
            }
            Object child = f.children.next();
            if (!isContainer(child)) {
                continue;
            }
            if (path.contains(child)) {
                throw new IllegalArgumentException("the value contains itself (a " + PickleGlobals.describe(child)
                        + " at depth " + (f.depth + 1) + " is one of its own ancestors)");
            }
            Integer below = heights.get(child);
            int deepest = f.depth + 1 + (below == null ? 0 : below);
            if (deepest > maxDepth) {
                throw new IllegalArgumentException("values are nested " + deepest + " deep, more than " + maxDepth);
            }
            if (below != null) {
                f.height = Math.max(f.height, below + 1);
            } else {
                path.add(child);
                stack.push(new Frame(child, f.depth + 1));
            }
        }
    }

    private static boolean isContainer(Object value) {
        return value instanceof List<?> || value instanceof PyTuple || value instanceof Map<?, ?> || value instanceof PyObject;
    }

    private static Iterable<?> children(Object node) {
        if (node instanceof PyTuple t) {
            return t.items();
        }
        if (node instanceof List<?> l) {
            return l;
        }
        if (node instanceof Map<?, ?> m) {
            return () -> m.entrySet().stream().flatMap(e -> Stream.of(e.getKey(), e.getValue())).iterator();
        }
        PyObject o = (PyObject) node;
        return o.state() == null ? List.of() : List.of(o.state());
    }
}
