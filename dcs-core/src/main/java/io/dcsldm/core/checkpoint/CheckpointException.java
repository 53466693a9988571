package io.dcsldm.core.checkpoint;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A checkpoint could not be written, read, or used.
 *
 * <p>The message is always one line and names the checkpoint file (when there is one) and the problem,
 * e.g. {@code checkpoint runs/x/step-000100.dcs is truncated: expected 1234567 bytes, found 1000}. Low-level
 * causes (I/O errors, JSON errors) are attached as the cause for debugging but never leak into the message.
 */
public class CheckpointException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "checkpoint {file} {problem}", the one message shape used for every problem with a file. */
    static CheckpointException about(Path file, String problem) {
        return new CheckpointException("checkpoint " + file + " " + problem);
    }

    static CheckpointException about(Path file, String problem, Throwable cause) {
        return new CheckpointException("checkpoint " + file + " " + problem, cause);
    }

    /** A one-line description of an I/O failure, without the Java class names a user can't act on. */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory: " + ((NoSuchFileException) e).getFile();
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + ((AccessDeniedException) e).getFile();
        }
        String reason = e instanceof FileSystemException ? ((FileSystemException) e).getReason() : e.getMessage();
        if (reason == null || reason.isBlank()) {
            reason = e.getClass().getSimpleName();
        }
        return reason.replaceAll("\\s*\\R\\s*", " ");
    }
}
