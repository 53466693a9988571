package io.dcsldm.video;

/** A clip that cannot be read: the message names the file and says what is wrong, in one line. */
public class VideoException extends RuntimeException {
    public VideoException(String message) {
        super(message);
    }

    public VideoException(String message, Throwable cause) {
        super(message, cause);
    }
}
