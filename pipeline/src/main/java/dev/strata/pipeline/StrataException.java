package dev.strata.pipeline;

/**
 * An error meant for a person: the message is one line that names the file, key or option at fault and
 * what was expected. The command line prints the message alone (the stack trace only with --verbose).
 */
public class StrataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StrataException(String message) {
        super(message);
    }

    public StrataException(String message, Throwable cause) {
        super(message, cause);
    }
}
