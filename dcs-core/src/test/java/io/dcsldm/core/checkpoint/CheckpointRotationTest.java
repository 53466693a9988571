package io.dcsldm.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

class CheckpointRotationTest {

    @TempDir
    Path dir;

    private static Checkpoint at(long step) {
        return Checkpoint.builder()
                .modelKind("dcs-tok")
                .configFingerprint("fp")
                .step(step)
                .tensor("w", Nd4j.createFromArray((float) step, 2f))
                .build();
    }

    private List<String> names() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void keepsTheLastKByStep() throws IOException {
        CheckpointRotation rotation = new CheckpointRotation(dir, 3);
        for (long step : new long[] {100, 200, 300, 400, 500}) {
            assertEquals(dir.resolve(String.format("step-%06d.dcs", step)), rotation.write(at(step)));
        }
        assertEquals(List.of("step-000300.dcs", "step-000400.dcs", "step-000500.dcs"), names());
        assertEquals(Optional.of(dir.resolve("step-000500.dcs")), CheckpointRotation.latest(dir));
        assertEquals(500f, CheckpointIO.read(CheckpointRotation.latest(dir).orElseThrow()).tensor("w").getFloat(0));
    }

    @Test
    void stepsOrderNumericallyNotByName() throws IOException {
        CheckpointRotation rotation = new CheckpointRotation(dir, 2);
        rotation.write(at(999_999));
        rotation.write(at(1_000_000)); // "step-1000000.dcs" sorts before "step-999999.dcs" as text
        rotation.write(at(1_000_001));
        assertEquals(List.of("step-1000000.dcs", "step-1000001.dcs"), names());
    }

    @Test
    void latestSkipsACorruptNewestFile() throws IOException {
        CheckpointRotation rotation = new CheckpointRotation(dir, 5);
        rotation.write(at(1));
        rotation.write(at(2));
        Path newest = rotation.write(at(3));
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(newest, bytes);

        assertEquals(Optional.of(dir.resolve("step-000002.dcs")), CheckpointRotation.latest(dir));
    }

    @Test
    void latestNeverPicksTemporaryOrForeignFiles() throws IOException {
        new CheckpointRotation(dir, 5).write(at(10));
        // a complete-looking file under a temporary name, as a crash between fsync and rename leaves it
        Files.copy(dir.resolve("step-000010.dcs"), dir.resolve(".tmp-step-000099.dcs.0a1b2c"));
        Files.writeString(dir.resolve("step-000200.dcs.bak"), "not ours");
        Files.writeString(dir.resolve("notes.txt"), "not ours");

        assertEquals(Optional.of(dir.resolve("step-000010.dcs")), CheckpointRotation.latest(dir));
    }

    @Test
    void latestIsEmptyWhenNothingIsIntact() throws IOException {
        assertEquals(Optional.empty(), CheckpointRotation.latest(dir.resolve("missing")));
        assertEquals(Optional.empty(), CheckpointRotation.latest(dir));
        Files.write(dir.resolve("step-000001.dcs"), new byte[0]);
        assertEquals(Optional.empty(), CheckpointRotation.latest(dir));
    }

    @Test
    void staleTemporaryFilesAreRemovedOnTheNextWrite() throws IOException {
        Path stale = dir.resolve(".tmp-step-000005.dcs.deadbeef0000");
        Files.writeString(stale, "half a checkpoint");
        Path unrelated = Files.writeString(dir.resolve(".tmp-someone-else"), "not a checkpoint temp file");

        new CheckpointRotation(dir, 2).write(at(6));

        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(unrelated));
        assertEquals(List.of(".tmp-someone-else", "step-000006.dcs"), names());
    }

    @Test
    void theFileJustWrittenIsKeptEvenBehindLaterSteps() throws IOException {
        CheckpointRotation rotation = new CheckpointRotation(dir, 1);
        rotation.write(at(500));
        // a run resumed from an earlier step writes step 300 while step-000500.dcs still exists
        Path written = rotation.write(at(300));
        assertTrue(Files.exists(written));
        assertEquals(List.of("step-000300.dcs"), names());
    }

    @Test
    void writesIntoADirectoryThatDoesNotExistYet() {
        Path runDir = dir.resolve("runs/exp1/checkpoints");
        Path file = new CheckpointRotation(runDir, 2).write(at(1));
        assertEquals(runDir.resolve("step-000001.dcs"), file);
        assertEquals(Optional.of(file), CheckpointRotation.latest(runDir));
    }
}
