package io.dcsldm.core.checkpoint;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Writes and reads checkpoint files (layout in the {@linkplain io.dcsldm.core.checkpoint package
 * documentation}) and checks that a checkpoint belongs to the model about to use it.
 *
 * <p>Every failure is a {@link CheckpointException} with a one-line message naming the file and the
 * problem; nothing else escapes (no {@code EOFException}, no ND4J stack trace).
 */
public final class CheckpointIO {

    /** The format version this build writes, and the only one it reads. */
    public static final int FORMAT_VERSION = CheckpointFormat.VERSION;

    /** Native memory is streamed to and from the file in pieces of this size. */
    private static final int CHUNK_BYTES = 1 << 20;

    private CheckpointIO() {
    }

    /**
     * Writes {@code checkpoint} to {@code file} atomically: to a temporary file in the same directory
     * (named {@code .tmp-<file name>.<random>}), fsynced, renamed over {@code file}, then the directory is
     * fsynced where the platform allows. Readers see the old file or the complete new one, never a mix;
     * a crash leaves at most a stale temporary file. Missing parent directories are created.
     *
     * @throws CheckpointException if the file cannot be written; the temporary file is removed
     */
    public static void write(Path file, Checkpoint checkpoint) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(checkpoint, "checkpoint");
        new CheckpointWriter(CHUNK_BYTES).write(file, checkpoint);
    }

    /**
     * Reads a checkpoint, after verifying magic, format version, size and checksum (see {@link #verify}),
     * with every tensor restored bit-exactly in its original dtype, shape and order. Tensors are detached
     * (outside any workspace).
     *
     * @throws CheckpointException if the file is missing, unreadable, not a checkpoint, of another format
     *     version, truncated, or fails its checksum
     */
    public static Checkpoint read(Path file) {
        Objects.requireNonNull(file, "file");
        try (CheckpointReader reader = CheckpointReader.open(file, CHUNK_BYTES)) {
            return reader.read();
        }
    }

    /**
     * The model kind recorded in the header of {@code file}, reading only the preamble and header (not
     * the tensors, and without the checksum pass): cheap enough to pick a loader, which then reads and
     * verifies the whole file with {@link #read}.
     *
     * @throws CheckpointException if the file is missing, not a checkpoint, of another format version,
     *     or its header is unreadable
     */
    public static String readModelKind(Path file) {
        Objects.requireNonNull(file, "file");
        try (CheckpointReader reader = CheckpointReader.open(file, CHUNK_BYTES)) {
            return reader.peekModelKind();
        }
    }

    /**
     * Checks that {@code file} is a complete, uncorrupted checkpoint this build can read, without
     * allocating its tensors. Reads the whole file once (to compute the checksum).
     *
     * @throws CheckpointException naming the file and the first problem found
     */
    public static void verify(Path file) {
        Objects.requireNonNull(file, "file");
        try (CheckpointReader reader = CheckpointReader.open(file, CHUNK_BYTES)) {
            reader.verify();
        }
    }

    /**
     * Refuses a checkpoint made for another kind of model or another model config.
     *
     * @param expectedModelKind the kind of model about to load it, e.g. {@code dcs-tok}
     * @param expectedFingerprint the fingerprint of the current model config, computed the same way as the
     *     one stored (typically {@code ConfigLoader.fingerprint(config, "model")})
     * @throws CheckpointException whose message names both kinds or both fingerprints
     */
    public static void verifyCompatible(Checkpoint checkpoint, String expectedModelKind, String expectedFingerprint) {
        Objects.requireNonNull(checkpoint, "checkpoint");
        if (!checkpoint.modelKind().equals(expectedModelKind)) {
            throw new CheckpointException("checkpoint at step " + checkpoint.step() + " holds a '"
                    + checkpoint.modelKind() + "' model, but a '" + expectedModelKind + "' model is loading it");
        }
        if (!checkpoint.configFingerprint().equals(expectedFingerprint)) {
            throw new CheckpointException("checkpoint at step " + checkpoint.step() + " was made with model config "
                    + checkpoint.configFingerprint() + ", but the current model config is " + expectedFingerprint
                    + " (the checkpoint's own config is in its configYaml)");
        }
    }
}
