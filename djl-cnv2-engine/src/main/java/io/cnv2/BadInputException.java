package io.cnv2;

/**
 * A user error: a file, option, layer or input that is wrong. The message names the thing
 * and what was wrong, in one line; the CLI prints it without a stack trace and exits with 2.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
