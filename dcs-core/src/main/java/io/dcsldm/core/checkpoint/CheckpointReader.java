package io.dcsldm.core.checkpoint;

import static java.nio.file.StandardOpenOption.READ;

import io.dcsldm.core.checkpoint.CheckpointFormat.Header;
import io.dcsldm.core.checkpoint.CheckpointFormat.TensorEntry;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32C;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads one checkpoint file, trusting nothing in it until it has been checked: magic, version, size and
 * checksum are verified before the header is parsed, and the header is validated before a single
 * tensor is allocated. Every problem becomes a one-line {@link CheckpointException}.
 *
 * <p>The file is read twice (checksum pass, then tensors) through one open channel, so a rename over the
 * path in between cannot mix two files.
 */
final class CheckpointReader implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private final int chunkBytes;
    private Header header;
    private long dataStart;

    private CheckpointReader(Path file, FileChannel channel, int chunkBytes) {
        this.file = file;
        this.channel = channel;
        this.chunkBytes = chunkBytes;
    }

    static CheckpointReader open(Path file, int chunkBytes) {
        try {
            return new CheckpointReader(file, FileChannel.open(file, READ), chunkBytes);
        } catch (NoSuchFileException e) {
            throw CheckpointException.about(file, "does not exist", e);
        } catch (IOException e) {
            throw CheckpointException.about(file, "cannot be opened: " + CheckpointException.describe(e), e);
        }
    }

    /** Checks the whole file without building tensors; cheap to call again. */
    void verify() {
        if (header != null) {
            return;
        }
        try {
            ByteBuffer preamble = checkPreamble(channel.size());
            long size = preamble.getLong(16);
            int headerBytes = preamble.getInt(12);
            checkChecksum(size);
            header = parseHeader(headerBytes, size);
            dataStart = CheckpointFormat.PREAMBLE_BYTES + (long) headerBytes;
            checkTensorEntries(size - dataStart - CheckpointFormat.TRAILER_BYTES);
        } catch (IOException e) {
            throw CheckpointException.about(file, "cannot be read: " + CheckpointException.describe(e), e);
        }
    }

    /**
     * The model kind in the header, read from the preamble and header only (no checksum pass over the
     * tensors): for choosing which loader to use, which then verifies the whole file.
     */
    String peekModelKind() {
        try {
            ByteBuffer preamble = checkPreamble(channel.size());
            return parseHeader(preamble.getInt(12), preamble.getLong(16)).modelKind();
        } catch (IOException e) {
            throw CheckpointException.about(file, "cannot be read: " + CheckpointException.describe(e), e);
        }
    }

    Checkpoint read() {
        verify();
        Checkpoint.Builder builder = Checkpoint.builder()
                .formatVersion(CheckpointFormat.VERSION)
                .step(header.step())
                .modelKind(header.modelKind())
                .configFingerprint(header.configFingerprint())
                .metadata(header.metadata())
                .rngState(header.rngState())
                .configYaml(header.configYaml());
        try {
            for (TensorEntry entry : header.tensors()) {
                builder.ownedTensor(entry.name(), readTensor(entry));
            }
        } catch (IOException e) {
            throw CheckpointException.about(file, "cannot be read: " + CheckpointException.describe(e), e);
        }
        return builder.build();
    }

    /**
     * Checks magic, version and that the file has exactly the size it declares, in that order (a future
     * version may lay out everything after the version field differently); returns the preamble.
     */
    private ByteBuffer checkPreamble(long size) throws IOException {
        if (size == 0) {
            throw CheckpointException.about(file, "is empty (0 bytes)");
        }
        ByteBuffer start = ByteBuffer.allocate((int) Math.min(size, CheckpointFormat.PREAMBLE_BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        readFully(start, 0);
        int magicBytes = Math.min(start.limit(), CheckpointFormat.MAGIC.length);
        byte[] magic = Arrays.copyOf(start.array(), magicBytes);
        if (!Arrays.equals(magic, Arrays.copyOf(CheckpointFormat.MAGIC, magicBytes))) {
            throw CheckpointException.about(file, "is not a DCS checkpoint (bad magic)");
        }
        if (size < CheckpointFormat.VERSION_OFFSET + 4) {
            throw truncatedBelowMinimum(size);
        }
        int version = start.getInt(CheckpointFormat.VERSION_OFFSET);
        if (version != CheckpointFormat.VERSION) {
            throw CheckpointException.about(file, "has format version " + Integer.toUnsignedString(version)
                    + ", this build reads version " + CheckpointFormat.VERSION);
        }
        if (size < CheckpointFormat.MIN_FILE_BYTES) {
            throw truncatedBelowMinimum(size);
        }
        long declaredSize = start.getLong(16);
        if (declaredSize > size || declaredSize < 0) {
            throw CheckpointException.about(file, "is truncated: expected "
                    + Long.toUnsignedString(declaredSize) + " bytes, found " + size);
        }
        if (declaredSize < size) {
            throw CheckpointException.about(file, "has " + (size - declaredSize)
                    + " unexpected bytes after its end: expected " + declaredSize + " bytes, found " + size);
        }
        return start;
    }

    private CheckpointException truncatedBelowMinimum(long size) {
        return CheckpointException.about(file, "is truncated: expected at least "
                + CheckpointFormat.MIN_FILE_BYTES + " bytes, found " + size);
    }

    private void checkChecksum(long size) throws IOException {
        long covered = size - CheckpointFormat.TRAILER_BYTES;
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) Math.min(chunkBytes, Math.max(covered, 1)));
        for (long position = 0; position < covered; ) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), covered - position));
            readFully(buffer, position);
            position += buffer.flip().remaining();
            crc.update(buffer);
        }
        ByteBuffer trailer = ByteBuffer.allocate(CheckpointFormat.TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(trailer, covered);
        if (trailer.getInt(0) != (int) crc.getValue()) {
            throw CheckpointException.about(file, "failed its checksum (file altered or corrupt)");
        }
    }

    /*
     * From here on the checksum has passed, so a bad header means a writer bug or a foreign producer,
     * not disk corruption; the checks still matter because the header decides how much memory we allocate.
     */
    private Header parseHeader(int headerBytes, long size) throws IOException {
        long room = size - CheckpointFormat.MIN_FILE_BYTES;
        if (headerBytes < 0 || headerBytes > room) {
            throw invalidHeader("header length " + Integer.toUnsignedString(headerBytes)
                    + " exceeds the file's " + room + " bytes of content");
        }
        ByteBuffer json = ByteBuffer.allocate(headerBytes);
        readFully(json, CheckpointFormat.PREAMBLE_BYTES);
        Header parsed;
        try {
            parsed = CheckpointFormat.HEADER_JSON.readValue(json.array(), Header.class);
        } catch (IOException e) {
            throw invalidHeader("unreadable JSON: " + CheckpointException.describe(e).lines().findFirst().orElse(""));
        }
        if (parsed == null || parsed.modelKind() == null || parsed.configFingerprint() == null
                || parsed.metadata() == null || parsed.tensors() == null || parsed.rngState() == null
                || parsed.configYaml() == null) {
            throw invalidHeader("a required field is missing");
        }
        if (parsed.modelKind().isBlank() || parsed.configFingerprint().isBlank()) {
            throw invalidHeader("modelKind and configFingerprint must not be blank");
        }
        if (parsed.metadata().containsValue(null)) {
            throw invalidHeader("a metadata value is null");
        }
        if (parsed.step() < 0) {
            throw invalidHeader("negative step " + parsed.step());
        }
        return parsed;
    }

    private void checkTensorEntries(long dataBytes) {
        Set<String> names = new HashSet<>();
        long expectedOffset = 0;
        for (TensorEntry entry : header.tensors()) {
            if (entry == null || entry.name() == null || entry.name().isEmpty() || entry.dtype() == null
                    || entry.shape() == null) {
                throw invalidHeader("a tensor entry lacks a name, dtype or shape");
            }
            String name = entry.name();
            if (!names.add(name)) {
                throw invalidHeader("tensor '" + name + "' appears twice");
            }
            DataType type = TensorBytes.dataType(entry.dtype());
            if (type == null) {
                throw invalidHeader("tensor '" + name + "' has unknown dtype '" + entry.dtype() + "'");
            }
            if (Arrays.stream(entry.shape()).anyMatch(dim -> dim < 0)) {
                throw invalidHeader("tensor '" + name + "' has negative shape " + Arrays.toString(entry.shape()));
            }
            long bytes;
            try {
                bytes = TensorBytes.byteLength(type, entry.shape());
            } catch (ArithmeticException e) {
                throw invalidHeader("tensor '" + name + "' has impossibly large shape " + Arrays.toString(entry.shape()));
            }
            if (entry.bytes() != bytes || entry.offset() != expectedOffset) {
                throw invalidHeader("tensor '" + name + "' is laid out at offset " + entry.offset() + " with "
                        + entry.bytes() + " bytes; expected offset " + expectedOffset + " and " + bytes + " bytes");
            }
            expectedOffset += bytes;
        }
        if (expectedOffset != dataBytes) {
            throw invalidHeader("tensors take " + expectedOffset + " bytes but the data section holds " + dataBytes);
        }
    }

    private CheckpointException invalidHeader(String problem) {
        return CheckpointException.about(file, "has an invalid header: " + problem);
    }

    private INDArray readTensor(TensorEntry entry) throws IOException {
        INDArray array = TensorBytes.allocate(TensorBytes.dataType(entry.dtype()), entry.shape());
        long start = dataStart + entry.offset();
        for (long done = 0; done < entry.bytes(); done += chunkBytes) {
            int length = (int) Math.min(chunkBytes, entry.bytes() - done);
            readFully(TensorBytes.nativeBytes(array, done, length), start + done);
        }
        Reference.reachabilityFence(array); // the native views above do not keep it alive
        return array;
    }

    /** Fills {@code buffer} from {@code position}; a file that shrinks under us reads as truncated. */
    private void readFully(ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw CheckpointException.about(file, "is truncated: it ended at byte " + at
                        + " while being read (changed on disk?)");
            }
            at += n;
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // Nothing was written through this channel, so a failing close loses nothing.
        }
    }
}
