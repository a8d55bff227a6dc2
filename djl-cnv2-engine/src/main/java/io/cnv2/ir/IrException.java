package io.cnv2.ir;

/**
 * A network that is not well formed: wrong shapes, unknown tensors, bad attributes. The
 * message always names the node (and, where there is one, the tensor) that was wrong.
 */
public class IrException extends RuntimeException {
    public IrException(String message) {
        super(message);
    }

    public IrException(String message, Throwable cause) {
        super(message, cause);
    }

    public static IrException at(String node, String what) {
        return new IrException("node '" + node + "': " + what);
    }
}
