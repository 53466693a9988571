package io.dcsldm.train.loop;

/**
 * Training cannot go on: too many consecutive non-finite steps, a failed batch load, a checkpoint that
 * belongs to another model, an unwritable run directory. The message is one line a user can act on.
 */
public class TrainingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrainingException(String message) {
        super(message);
    }

    public TrainingException(String message, Throwable cause) {
        super(message, cause);
    }
}
