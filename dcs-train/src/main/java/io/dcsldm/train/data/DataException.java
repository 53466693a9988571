package io.dcsldm.train.data;

/**
 * Unchecked error raised by the data pipeline (IDX and image reading, dataset resolution, resampling
 * arguments). Messages are one line and name the offending file or path, so they can be shown to a
 * user as they are.
 */
public class DataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message one-line description naming the file or path concerned
     */
    public DataException(String message) {
        super(message);
    }

    /**
     * @param message one-line description naming the file or path concerned
     * @param cause the underlying I/O or decoding error
     */
    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
