package io.cnv2.torchscript;

/**
 * A construct the translation cannot map, raised inside an op translator without the source
 * location; the interpreter adds the file, line and operation before it reaches the user.
 */
public class TranslationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TranslationException(String message) {
        super(message);
    }
}
