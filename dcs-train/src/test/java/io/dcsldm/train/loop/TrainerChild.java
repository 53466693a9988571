package io.dcsldm.train.loop;

import java.nio.file.Path;
import java.util.List;

/**
 * The main class of the child JVMs the trainer tests start (resume in a new JVM, SIGKILL during
 * checkpoint writes, NaN abort as a user sees it).
 *
 * <pre>
 *   train      RUN_DIR STEPS STOP_AFTER   train TinyConfig.small(STEPS) up to STOP_AFTER, print "STOPPED k"
 *   ckpt-loop  RUN_DIR PAD_FLOATS         checkpoint after every step of a long run, until killed
 *   nan-abort  RUN_DIR                    every step from the third on is NaN: abort after maxBadSteps
 * </pre>
 * A {@link TrainingException} is printed as {@code error: <message>} on stderr, exit code 2.
 */
public final class TrainerChild {
    private TrainerChild() {
    }

    /** A long run that checkpoints after every step; {@code pad} floats of dummy parameters make writes slow. */
    static TinyConfig checkpointLoopConfig(int pad) {
        TinyConfig c = TinyConfig.small(1_000_000);
        c.model.padParams = pad;
        c.train.checkpointEvery = 1;
        c.train.evalEvery = 0;
        c.train.logEvery = 1000;
        c.train.keepCheckpoints = 2;
        return c;
    }

    public static void main(String[] args) {
        try {
            Path dir = Path.of(args[1]);
            switch (args[0]) {
                case "train" -> {
                    TinyConfig c = TinyConfig.small(Long.parseLong(args[2]));
                    TrainResult r = new Trainer<>(dir, c.train, new TinyTask(c)).progressBar(false).run(Long.parseLong(args[3]));
                    System.out.println("STOPPED " + r.endStep());
                }
                case "ckpt-loop" -> {
                    TinyConfig c = checkpointLoopConfig(Integer.parseInt(args[2]));
                    System.out.println("STARTED");
                    new Trainer<>(dir, c.train, new TinyTask(c)).progressBar(false).run();
                }
                case "nan-abort" -> {
                    TinyConfig c = TinyConfig.small(20);
                    c.data.nanSteps = List.of(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
                    new Trainer<>(dir, c.train, new TinyTask(c)).progressBar(false).run();
                }
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        } catch (TrainingException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
        System.exit(0);
    }
}
