package io.dcsldm.core.checkpoint;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.dcsldm.core.checkpoint.CheckpointFormat.Header;
import io.dcsldm.core.checkpoint.CheckpointFormat.TensorEntry;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one checkpoint file atomically: readers see either the old file or the complete new one, and
 * after {@link #write} returns the new file survives a power cut.
 */
final class CheckpointWriter {

    /**
     * Prefix of the temporary file a checkpoint is first written to. The leading dot keeps it out of
     * anything that looks for {@code step-*.dcs} files, so a half-written file is never picked up.
     */
    static final String TEMP_PREFIX = ".tmp-";

    private static final Logger log = LoggerFactory.getLogger(CheckpointWriter.class);
    private static final SecureRandom TEMP_NAMES = new SecureRandom();

    private final int chunkBytes;

    /** @param chunkBytes how many bytes of native memory to hand to the channel at a time */
    CheckpointWriter(int chunkBytes) {
        if (chunkBytes <= 0) {
            throw new IllegalArgumentException("chunkBytes must be > 0, got " + chunkBytes);
        }
        this.chunkBytes = chunkBytes;
    }

    void write(Path target, Checkpoint checkpoint) {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path temp = dir.resolve(TEMP_PREFIX + absolute.getFileName() + "." + randomSuffix());
        try {
            Files.createDirectories(dir);
            writeFile(temp, checkpoint);
            Files.move(temp, absolute, ATOMIC_MOVE, REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw CheckpointException.about(target, "could not be written: " + CheckpointException.describe(e), e);
        } catch (RuntimeException e) {
            deleteQuietly(temp);
            throw e;
        }
        fsyncDirectory(dir);
    }

    private void writeFile(Path temp, Checkpoint checkpoint) throws IOException {
        List<INDArray> compact = new ArrayList<>();
        List<TensorEntry> entries = new ArrayList<>();
        long dataBytes = 0;
        for (Map.Entry<String, INDArray> named : checkpoint.tensors().entrySet()) {
            INDArray array = named.getValue();
            // Checkpoint already holds compact copies; the check keeps this class correct on its own.
            INDArray c = TensorBytes.isCompactC(array) ? array : TensorBytes.detachedCopy(array);
            long bytes = TensorBytes.byteLength(c.dataType(), c.shape());
            entries.add(new TensorEntry(named.getKey(), TensorBytes.fileName(c.dataType()), c.shape(), dataBytes, bytes));
            compact.add(c);
            dataBytes += bytes;
        }
        Header header = new Header(checkpoint.modelKind(), checkpoint.step(), checkpoint.configFingerprint(),
                checkpoint.metadata(), entries, checkpoint.rngState(), checkpoint.configYaml());
        byte[] headerJson = CheckpointFormat.HEADER_JSON.writeValueAsBytes(header);
        long fileBytes = CheckpointFormat.PREAMBLE_BYTES + headerJson.length + dataBytes + CheckpointFormat.TRAILER_BYTES;

        ByteBuffer preamble = ByteBuffer.allocate(CheckpointFormat.PREAMBLE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        preamble.put(CheckpointFormat.MAGIC).putInt(CheckpointFormat.VERSION).putInt(headerJson.length)
                .putLong(fileBytes).flip();

        CRC32C crc = new CRC32C();
        try (FileChannel channel = FileChannel.open(temp, CREATE_NEW, WRITE)) {
            put(channel, crc, preamble);
            put(channel, crc, ByteBuffer.wrap(headerJson));
            for (int i = 0; i < compact.size(); i++) {
                INDArray array = compact.get(i);
                long bytes = entries.get(i).bytes();
                for (long done = 0; done < bytes; done += chunkBytes) {
                    put(channel, crc, TensorBytes.nativeBytes(array, done, (int) Math.min(chunkBytes, bytes - done)));
                }
                Reference.reachabilityFence(array); // the native views above do not keep it alive
            }
            ByteBuffer trailer = ByteBuffer.allocate(CheckpointFormat.TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            trailer.putInt((int) crc.getValue()).flip();
            writeFully(channel, trailer);
            if (channel.size() != fileBytes) {
                throw new IOException("wrote " + channel.size() + " bytes where " + fileBytes + " were planned");
            }
            channel.force(true);
        }
    }

    private static void put(FileChannel channel, CRC32C crc, ByteBuffer bytes) throws IOException {
        crc.update(bytes.duplicate());
        writeFully(channel, bytes);
    }

    private static void writeFully(FileChannel channel, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /**
     * Makes the rename durable. Opening a directory for reading works on Linux and macOS; where it does
     * not (Windows), the rename is still atomic, just not yet guaranteed on disk.
     */
    private static void fsyncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("could not fsync directory {}: {}", dir, e.toString());
        }
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            log.warn("could not delete temporary checkpoint file {}: {}", temp, CheckpointException.describe(e));
        }
    }

    private static String randomSuffix() {
        byte[] bytes = new byte[6];
        TEMP_NAMES.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
