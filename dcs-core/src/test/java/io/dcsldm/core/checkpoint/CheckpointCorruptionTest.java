package io.dcsldm.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** Every way a checkpoint file can be damaged is rejected with a one-line message naming the file. */
class CheckpointCorruptionTest {

    @TempDir
    Path dir;

    private byte[] good;
    private int headerBytes;

    @BeforeEach
    void writeGoodCheckpoint() throws IOException {
        Checkpoint checkpoint = Checkpoint.builder()
                .modelKind("dcs-tok")
                .configFingerprint("abc")
                .step(100)
                .rngState(new byte[] {1, 2, 3})
                .configYaml("model:\n  levels: 2\n")
                .metadata("seed", "7")
                .tensor("w", Nd4j.rand(DataType.FLOAT, 4, 5))
                .tensor("opt/w/m", Nd4j.rand(DataType.DOUBLE, 3))
                .tensor("count", Nd4j.createFromArray(5L))
                .build();
        Path file = dir.resolve("good.dcs");
        CheckpointIO.write(file, checkpoint);
        good = Files.readAllBytes(file);
        headerBytes = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getInt(12);
    }

    /** Writes {@code bytes} as {@code name}, reads it, and returns the failure's message. */
    private String rejection(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointIO.read(file));
        String message = e.getMessage();
        assertTrue(message.startsWith("checkpoint " + file + " "), message);
        assertTrue(message.lines().count() == 1, "one line: " + message);
        // verify() must agree with read()
        CheckpointException verified = assertThrows(CheckpointException.class, () -> CheckpointIO.verify(file));
        assertEquals(message, verified.getMessage());
        return message;
    }

    @Test
    void theModelKindIsReadFromTheHeaderAloneAndTheFullReadStillVerifies() throws IOException {
        Path file = dir.resolve("kind.dcs");
        Files.write(file, good);
        assertEquals("dcs-tok", CheckpointIO.readModelKind(file));
        byte[] bad = good.clone();
        bad[good.length - 10] ^= (byte) 0xFF; // inside the tensor data
        Files.write(file, bad);
        assertEquals("dcs-tok", CheckpointIO.readModelKind(file), "the header is intact");
        assertTrue(rejection("kind.dcs", bad).endsWith("failed its checksum (file altered or corrupt)"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointIO.readModelKind(dir.resolve("missing.dcs")));
        assertTrue(e.getMessage().contains("missing.dcs") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void aFlippedByteAnywhereIsRejected() throws IOException {
        int dataStart = 24 + headerBytes;
        int trailerStart = good.length - 4;
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= (byte) 0xFF;
            String message = rejection("flipped.dcs", bad);
            boolean explained;
            if (i < 8) {
                explained = message.endsWith("is not a DCS checkpoint (bad magic)");
            } else if (i < 12) {
                explained = message.contains("has format version ");
            } else if (i >= 16 && i < 24) {
                // the declared total length no longer matches the file's size, in one direction or the other
                explained = message.contains("is truncated: expected ") || message.contains("unexpected bytes");
            } else {
                // header length, header, data and the checksum itself
                explained = message.endsWith("failed its checksum (file altered or corrupt)");
            }
            assertTrue(explained, "byte " + i + " of " + good.length + " (data at " + dataStart
                    + ", trailer at " + trailerStart + "): " + message);
        }
    }

    @Test
    void truncatedFilesAreRejectedWithBothSizes() throws IOException {
        int dataStart = 24 + headerBytes;
        int[] cuts = {24, 27, 28, 24 + headerBytes / 2, dataStart, dataStart + 10, good.length - 4, good.length - 1};
        for (int cut : cuts) {
            String message = rejection("cut.dcs", Arrays.copyOf(good, cut));
            String expected = cut < 28
                    ? "is truncated: expected at least 28 bytes, found " + cut
                    : "is truncated: expected " + good.length + " bytes, found " + cut;
            assertTrue(message.endsWith(expected), "cut at " + cut + ": " + message);
        }
    }

    @Test
    void filesCutInsideThePreambleAreRejected() throws IOException {
        assertTrue(rejection("zero.dcs", new byte[0]).endsWith("is empty (0 bytes)"));
        for (int cut : new int[] {1, 5, 8, 11, 12, 20}) {
            String message = rejection("short.dcs", Arrays.copyOf(good, cut));
            assertTrue(message.endsWith("is truncated: expected at least 28 bytes, found " + cut), message);
        }
    }

    @Test
    void wrongMagicIsRejected() throws IOException {
        byte[] zip = good.clone();
        System.arraycopy(new byte[] {'P', 'K', 3, 4}, 0, zip, 0, 4);
        assertTrue(rejection("zip.dcs", zip).endsWith("is not a DCS checkpoint (bad magic)"));

        byte[] text = "model:\n  levels: 4\n".getBytes(StandardCharsets.UTF_8);
        assertTrue(rejection("config.yaml", text).endsWith("is not a DCS checkpoint (bad magic)"));
        assertTrue(rejection("tiny.dcs", new byte[] {'a', 'b'}).endsWith("is not a DCS checkpoint (bad magic)"));
    }

    @Test
    void otherFormatVersionsAreNamed() throws IOException {
        byte[] future = good.clone();
        ByteBuffer.wrap(future).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 9);
        assertTrue(rejection("future.dcs", future).endsWith("has format version 9, this build reads version 1"));
    }

    @Test
    void trailingBytesAreRejected() throws IOException {
        byte[] longer = Arrays.copyOf(good, good.length + 3);
        String message = rejection("longer.dcs", longer);
        assertTrue(message.contains("has 3 unexpected bytes after its end"), message);
    }

    @Test
    void missingFilesAndDirectoriesAreNamed() throws IOException {
        Path missing = dir.resolve("nope.dcs");
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointIO.read(missing));
        assertEquals("checkpoint " + missing + " does not exist", e.getMessage());

        Path directory = Files.createDirectory(dir.resolve("a-directory.dcs"));
        CheckpointException d = assertThrows(CheckpointException.class, () -> CheckpointIO.read(directory));
        assertTrue(d.getMessage().startsWith("checkpoint " + directory + " "), d.getMessage());
    }
}
