package io.dcsldm.core.checkpoint;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the last {@code K} checkpoints of a run in one directory as {@code step-000123.dcs} files, and
 * finds the newest one that is intact.
 *
 * <p>Assumes one writer per directory (one training process per run directory): {@link #write} deletes
 * every stale temporary file it finds there, which would break a concurrent writer.
 */
public final class CheckpointRotation {

    private static final Logger log = LoggerFactory.getLogger(CheckpointRotation.class);

    /** A checkpoint file name and the step in it. Temporary files start with a dot, so never match. */
    private static final Pattern STEP_FILE = Pattern.compile("step-(\\d+)\\.dcs");

    /** Temporary files {@link CheckpointWriter} leaves behind when a process dies mid-write. */
    private static final String STALE_TEMP_PREFIX = CheckpointWriter.TEMP_PREFIX + "step-";

    private final Path dir;
    private final int keepLast;

    /**
     * @param dir the run's checkpoint directory; created on the first write
     * @param keepLast how many of the newest checkpoints {@link #write} keeps, at least 1
     */
    public CheckpointRotation(Path dir, int keepLast) {
        if (keepLast < 1) {
            throw new IllegalArgumentException("keepLast must be >= 1, got " + keepLast);
        }
        this.dir = dir;
        this.keepLast = keepLast;
    }

    /** The file a checkpoint of {@code step} is written to: {@code dir/step-000123.dcs}. */
    public static Path fileFor(Path dir, long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        return dir.resolve(String.format("step-%06d.dcs", step));
    }

    /**
     * Removes stale temporary files, writes {@code checkpoint} atomically to {@link #fileFor} its step
     * (replacing a file of the same step), then deletes checkpoint files so that the one just written and
     * the newest {@code keepLast - 1} others by step remain. The file just written is never deleted, even
     * when files of later steps exist (a run resumed from an earlier checkpoint).
     *
     * @return the file written
     * @throws CheckpointException if the checkpoint cannot be written (old checkpoints are then kept)
     */
    public Path write(Checkpoint checkpoint) {
        deleteStaleTempFiles();
        Path file = fileFor(dir, checkpoint.step());
        CheckpointIO.write(file, checkpoint);
        List<Path> others = new ArrayList<>(checkpointFiles(dir));
        others.remove(file);
        for (Path old : others.subList(0, Math.max(0, others.size() - (keepLast - 1)))) {
            delete(old, "keeping only the last " + keepLast + " checkpoints");
        }
        return file;
    }

    /**
     * The newest checkpoint in {@code dir} that passes {@link CheckpointIO#verify}; files that fail are
     * skipped with a warning saying why. Temporary files are never considered.
     *
     * @return empty if {@code dir} does not exist or holds no intact checkpoint
     */
    public static Optional<Path> latest(Path dir) {
        List<Path> files = checkpointFiles(dir);
        for (int i = files.size() - 1; i >= 0; i--) {
            Path file = files.get(i);
            try {
                CheckpointIO.verify(file);
                return Optional.of(file);
            } catch (CheckpointException e) {
                log.warn("skipping {}", e.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * The {@code step-N.dcs} files in {@code dir}, oldest step first, without checking their content.
     *
     * @return empty if {@code dir} does not exist
     * @throws CheckpointException if the directory cannot be listed
     */
    public static List<Path> checkpointFiles(Path dir) {
        record StepFile(long step, Path file) {
        }
        List<StepFile> found = new ArrayList<>();
        for (Path file : list(dir)) {
            Matcher m = STEP_FILE.matcher(file.getFileName().toString());
            if (m.matches() && Files.isRegularFile(file)) {
                try {
                    found.add(new StepFile(Long.parseLong(m.group(1)), file));
                } catch (NumberFormatException e) {
                    log.warn("ignoring {}: its step does not fit in a long", file);
                }
            }
        }
        found.sort(Comparator.comparingLong(StepFile::step));
        return found.stream().map(StepFile::file).toList();
    }

    private void deleteStaleTempFiles() {
        for (Path file : list(dir)) {
            if (file.getFileName().toString().startsWith(STALE_TEMP_PREFIX)) {
                delete(file, "a stale temporary file from an interrupted write");
            }
        }
    }

    private static List<Path> list(Path dir) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(files::add);
        } catch (NoSuchFileException e) {
            return files;
        } catch (IOException e) {
            throw new CheckpointException("checkpoint directory " + dir + " cannot be listed: "
                    + CheckpointException.describe(e), e);
        }
        return files;
    }

    private static void delete(Path file, String why) {
        try {
            Files.deleteIfExists(file);
            log.info("deleted {}: {}", file, why);
        } catch (IOException e) {
            // A leftover file costs disk space, not correctness; the next write tries again.
            log.warn("could not delete {} ({}): {}", file, why, CheckpointException.describe(e));
        }
    }
}
