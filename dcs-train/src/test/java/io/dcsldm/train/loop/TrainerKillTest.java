package io.dcsldm.train.loop;

import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.core.checkpoint.CheckpointIO;
import io.dcsldm.core.checkpoint.CheckpointRotation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A child JVM that writes a 16 MB checkpoint after every step is killed with SIGKILL at different moments
 * of a write (right when a temporary file appears, a few ms into it, later). Every time, the newest
 * intact checkpoint is loadable, every {@code step-*.dcs} file is complete (atomic rename), and a resume
 * continues from it and clears the stale temporary file.
 */
class TrainerKillTest {
    private static final int PAD_FLOATS = 1_000_000; // 4 MB of weights → 16 MB with AdamW moments and EMA
    private static final long[] DELAYS_MS = {0, 3, 15, 40};

    @TempDir
    Path tmp;

    @Test
    void sigkillWhileCheckpointingLeavesThePreviousCheckpointLoadable() throws Exception {
        int killedMidWrite = 0;
        Path dir = null;
        long latestStep = -1;
        // the listed moments, plus up to 3 extra immediate kills should none of them land inside a write
        // (possible only if this process is descheduled between seeing the temporary file and the kill)
        for (int i = 0; i < DELAYS_MS.length || (killedMidWrite == 0 && i < DELAYS_MS.length + 3); i++) {
            long delay = i < DELAYS_MS.length ? DELAYS_MS[i] : 0;
            dir = tmp.resolve("run" + i);
            Path ckpt = dir.resolve(Trainer.CHECKPOINT_DIR);
            Path err = tmp.resolve("child" + i + ".err");
            Process p = TestRuns.childJvm("ckpt-loop", dir.toString(), Integer.toString(PAD_FLOATS))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
            long minStep = 2 + Math.min(i, DELAYS_MS.length);
            long deadline = System.nanoTime() + 90_000_000_000L;
            while (true) {
                if (!p.isAlive()) {
                    fail("child exited early (" + p.exitValue() + "): " + Files.readString(err));
                }
                if (System.nanoTime() > deadline) {
                    p.destroyForcibly().waitFor();
                    fail("child never reached checkpoint " + minStep + ": " + Files.readString(err));
                }
                List<Path> files = list(ckpt);
                long maxStep = CheckpointRotation.checkpointFiles(ckpt).stream()
                        .mapToLong(TrainerKillTest::stepOf).max().orElse(-1);
                if (maxStep >= minStep && files.stream().anyMatch(TrainerKillTest::isTemp)) {
                    break;
                }
                Thread.sleep(1);
            }
            if (delay > 0) {
                Thread.sleep(delay);
            }
            p.destroyForcibly();
            p.waitFor();
            assertEquals(137, p.exitValue(), "killed by SIGKILL (128 + 9)");

            boolean tempLeft = list(ckpt).stream().anyMatch(TrainerKillTest::isTemp);
            if (tempLeft) {
                killedMidWrite++;
            }
            List<Path> complete = CheckpointRotation.checkpointFiles(ckpt);
            assertFalse(complete.isEmpty());
            for (Path f : complete) {
                CheckpointIO.verify(f); // every file under a checkpoint name is whole
            }
            Path latest = CheckpointRotation.latest(ckpt).orElseThrow();
            Checkpoint c = CheckpointIO.read(latest);
            latestStep = c.step();
            assertTrue(latestStep >= minStep, "latest " + latest + " is at step " + latestStep);
            assertEquals(PAD_FLOATS, c.tensor("pad").length());
            System.out.printf("[kill] delay %d ms: killed %s a write, latest intact checkpoint %s%n",
                    delay, tempLeft ? "during" : "after", latest.getFileName());
            deleteTreeExceptLast(dir, i, killedMidWrite);
        }
        assertTrue(killedMidWrite >= 1, "no kill landed inside a checkpoint write; the test proved nothing");

        // the last killed run (kept) resumes from its newest intact checkpoint, and the stale temporary file goes
        TinyConfig c = TrainerChild.checkpointLoopConfig(PAD_FLOATS);
        TrainResult r = new Trainer<>(dir, c.train, new TinyTask(c)).progressBar(false).run(latestStep + 1);
        assertEquals(latestStep, r.startStep());
        assertEquals(latestStep + 1, r.endStep());
        assertTrue(list(dir.resolve(Trainer.CHECKPOINT_DIR)).stream().noneMatch(TrainerKillTest::isTemp));
    }

    private static boolean isTemp(Path f) {
        return f.getFileName().toString().startsWith(".tmp-");
    }

    private static long stepOf(Path f) {
        String n = f.getFileName().toString();
        return Long.parseLong(n.substring("step-".length(), n.length() - ".dcs".length()));
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        } catch (IOException e) {
            // a file vanished while listing (rotation): try again next poll
            return List.of();
        }
    }

    /** Frees the disk space of a finished iteration unless it is the one the resume below uses. */
    private static void deleteTreeExceptLast(Path dir, int i, int killedMidWrite) throws IOException {
        boolean last = i >= DELAYS_MS.length - 1 && (killedMidWrite > 0 || i >= DELAYS_MS.length + 2);
        if (!last) {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
