package io.dcsldm.train.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.core.checkpoint.CheckpointIO;
import io.dcsldm.core.checkpoint.CheckpointRotation;
import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.core.nn.Param;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.core.optim.AdamW;
import io.dcsldm.core.optim.Ema;
import io.dcsldm.core.optim.GradClip;
import io.dcsldm.core.runtime.StepWorkspace;
import io.dcsldm.train.ModelFiles;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The training loop shared by the tokenizer and the diffusion model (see {@code docs/training.md}).
 *
 * <p>A run lives in one directory:
 * <pre>
 *   config.yaml      resolved config (the task's, plus the train: section if it had none)
 *   run.json         seed, code version, start time, Java/ND4J versions, threads; one entry per resume
 *   metrics.jsonl    one JSON row per logged step ("type":"train") and per evaluation ("type":"eval")
 *   checkpoints/     step-000100.dcs ..., the last train.keepCheckpoints kept
 *   plots/           loss.png, eval.png
 * </pre>
 *
 * <p>Each update runs inside one reused {@link StepWorkspace}: zero the gradients,
 * {@link TrainTask#forwardBackward}, global-norm clipping, then — if the loss and the gradient norm are
 * finite — AdamW at the scheduled learning rate ({@link LrSchedule}) and the EMA update. A non-finite step
 * is skipped and logged; {@link TrainConfig#maxBadSteps} consecutive ones abort the run with a
 * {@link TrainingException}. The only values copied to the host during a step are two scalars: the loss
 * (returned by the task) and the global gradient norm.
 *
 * <p>Given a run directory that holds an intact checkpoint, {@link #run} resumes from the newest one and
 * produces bit-identically the parameters an uninterrupted run would have (see the determinism contract in
 * {@code docs/training.md}).
 *
 * @param <B> the task's batch type
 */
public final class Trainer<B> {
    private static final Logger log = LoggerFactory.getLogger(Trainer.class);

    public static final String CONFIG_FILE = "config.yaml";
    public static final String RUN_INFO_FILE = "run.json";
    public static final String METRICS_FILE = "metrics.jsonl";
    public static final String CHECKPOINT_DIR = "checkpoints";
    public static final String PLOT_DIR = "plots";

    /** System property that turns the progress bar on or off ({@code true}/{@code false}) when not set in code. */
    public static final String PROGRESS_PROPERTY = "dcs.progressBar";

    static final String OPT_PREFIX = "opt/";
    static final String EMA_PREFIX = "ema/";
    static final String EXTRA_PREFIX = ModelFiles.EXTRA_PREFIX;

    private final Path runDir;
    private final TrainConfig cfg;
    private final TrainTask<B> task;
    private Boolean progressBar; // null: automatic (only on a terminal)
    private Path initFrom;       // weights a new run starts from, or null: the task's own initialisation

    /**
     * @param runDir the run directory (created if missing); resumed from if it holds a checkpoint
     * @param config the train: section; validated here
     * @param task the model being trained
     * @throws io.dcsldm.core.config.ConfigException naming the key when the config is out of range
     */
    public Trainer(Path runDir, TrainConfig config, TrainTask<B> task) {
        this.runDir = runDir;
        this.cfg = config;
        this.task = task;
        ConfigLoader.validate(config, "train config");
    }

    /**
     * Forces the progress bar (stderr: step, loss, ETA) on or off; by default it follows the system property
     * {@value #PROGRESS_PROPERTY}, else is shown only when a console is attached.
     */
    public Trainer<B> progressBar(boolean enabled) {
        this.progressBar = enabled;
        return this;
    }

    /**
     * Starts a <em>new</em> run from the weights of a model file or training checkpoint (its EMA weights)
     * of the same model kind and model config, with their extra state (e.g. latent statistics), instead of
     * the task's own initialisation: fine-tuning, or a longer schedule for a model trained with a short one.
     * The optimizer state and the schedule start afresh, and the EMA starts at these weights. Ignored when
     * the run directory already holds a checkpoint: a resumed run continues from its own state, which
     * already descends from these weights, so resuming stays exact. Recorded in {@code run.json}.
     */
    public Trainer<B> initFrom(Path file) {
        this.initFrom = file;
        return this;
    }

    /** Trains (or resumes) to {@link TrainConfig#steps}. */
    public TrainResult run() {
        return run(cfg.steps);
    }

    /**
     * Trains (or resumes) up to step {@code stopAfter} of the configured {@code steps}-step run and writes a
     * checkpoint there: a later {@link #run()} in the same directory continues the same schedule. The final
     * evaluation happens only when {@code stopAfter == steps}.
     *
     * @throws TrainingException on a refused checkpoint, a failed batch load, too many non-finite steps, or
     *     an unwritable run directory
     */
    public TrainResult run(long stopAfter) {
        if (stopAfter < 1 || stopAfter > cfg.steps) {
            throw new IllegalArgumentException("stopAfter must be in [1, train.steps = " + cfg.steps + "], got " + stopAfter);
        }
        Path ckptDir = runDir.resolve(CHECKPOINT_DIR);
        try {
            Files.createDirectories(ckptDir);
            Files.createDirectories(runDir.resolve(PLOT_DIR));
        } catch (IOException e) {
            throw new TrainingException("cannot create run directory " + runDir + ": " + e.getMessage(), e);
        }
        ParamStore store = task.params();
        List<Param> params = store.all();
        Optional<Path> latest = CheckpointRotation.latest(ckptDir);
        String initialWeights = null;
        if (latest.isEmpty() && initFrom != null) initialWeights = loadInitialWeights(initFrom); // before the EMA copies them
        else if (initFrom != null) log.info("resuming from {}: --init-from {} is not used again", latest.get(), initFrom);
        AdamW opt = new AdamW(params, cfg.lr, cfg.beta1, cfg.beta2, cfg.eps, cfg.weightDecay);
        Ema ema = new Ema(params, cfg.emaDecay);
        State st = new State();
        String configYaml = resolvedConfigYaml(task.configYaml(), cfg);

        if (latest.isPresent()) {
            resume(latest.get(), opt, ema, st);
        } else if (!CheckpointRotation.checkpointFiles(ckptDir).isEmpty()) {
            // starting over would rotate the damaged files away; let a person decide
            throw new TrainingException(ckptDir + " holds " + CheckpointRotation.checkpointFiles(ckptDir).size()
                    + " checkpoint files but none is intact (see the warnings above); move them away to start"
                    + " over, or use a new run directory");
        }
        long start = st.step;
        if (start >= stopAfter) {
            log.info("nothing to do: the run in {} is already at step {} (asked to stop after {})", runDir, start, stopAfter);
            return new TrainResult(start, start, Double.NaN, st.skipped, Map.of(), null, Double.NaN);
        }
        writeAtomically(runDir.resolve(CONFIG_FILE), configYaml);
        RunInfo.write(runDir.resolve(RUN_INFO_FILE), cfg, task, start, initialWeights);
        if (start == 0) {
            log.info("training {} ({} parameters) for {} steps in {}", task.modelKind(), store.count(), cfg.steps, runDir);
        } else {
            log.info("resuming {} at step {} of {} from {}", task.modelKind(), start, cfg.steps, latest.get());
        }

        BatchOrder order = new BatchOrder(task.datasetSize(), cfg.batchSize, cfg.seed);
        CheckpointRotation rotation = new CheckpointRotation(ckptDir, cfg.keepCheckpoints);
        StepWorkspace stepWs = new StepWorkspace("dcs-train-step");
        StepWorkspace evalWs = new StepWorkspace("dcs-train-eval");
        Map<String, Double> lastEval = Map.of();
        Path lastCheckpoint = null;
        double lastLoss = Double.NaN;
        double totalMs = 0;
        long ran = 0;
        boolean showBar = showProgressBar();

        try (MetricsLog metrics = MetricsLog.open(runDir.resolve(METRICS_FILE), start);
             BatchLoader<B> loader = new BatchLoader<>(task, order, start, stopAfter, cfg.prefetchBatches);
             ProgressBar bar = showBar ? newBar(start) : null) {
            try {
                double windowMs = 0;
                long windowSteps = 0;
                for (long s = start; s < stopAfter; s++) {
                    final long step = s;
                    long t0 = System.nanoTime();
                    B batch = loader.next(step);
                    double lr = LrSchedule.at(cfg, step);
                    StepOutcome out = stepWs.run(() -> trainStep(batch, step, lr, params, opt, ema));
                    double ms = (System.nanoTime() - t0) / 1e6;
                    long k = step + 1;
                    st.step = k;
                    ran++;
                    totalMs += ms;
                    windowMs += ms;
                    windowSteps++;
                    lastLoss = out.loss;
                    if (out.applied) {
                        st.consecutiveBad = 0;
                    } else {
                        st.consecutiveBad++;
                        st.skipped++;
                        log.warn("step {}: {} — update skipped ({} consecutive, train.maxBadSteps = {})", k,
                                describeBad(out), st.consecutiveBad, cfg.maxBadSteps);
                    }
                    if (k % cfg.logEvery == 0 || !out.applied || k == cfg.steps) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("type", "train");
                        row.put("step", k);
                        row.put("epoch", order.epochOf(step));
                        row.put("loss", out.loss);
                        row.put("lr", lr);
                        row.put("grad_norm", out.gradNorm);
                        row.put("ms_per_step", Math.round(windowMs / windowSteps * 100) / 100.0);
                        row.put("skipped", !out.applied);
                        metrics.append(row);
                        windowMs = 0;
                        windowSteps = 0;
                        log.debug("step {} loss {} lr {} grad norm {}", k, out.loss, lr, out.gradNorm);
                    }
                    if (bar != null) {
                        bar.stepTo(k);
                        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4g", out.loss));
                    }
                    if (st.consecutiveBad >= cfg.maxBadSteps) {
                        throw new TrainingException("training aborted at step " + k + ": " + st.consecutiveBad
                                + " consecutive steps had a non-finite loss or gradient norm (train.maxBadSteps = "
                                + cfg.maxBadSteps + "; last: " + describeBad(out) + "); the weights are those of step "
                                + (k - st.consecutiveBad) + " — lower train.lr, set train.gradClip, or check the data");
                    }
                    if ((cfg.evalEvery > 0 && k % cfg.evalEvery == 0) || k == cfg.steps) {
                        lastEval = evaluate(k, ema, evalWs, metrics);
                    }
                    if ((cfg.checkpointEvery > 0 && k % cfg.checkpointEvery == 0) || k == cfg.steps || k == stopAfter) {
                        lastCheckpoint = checkpoint(rotation, k, configYaml, opt, ema, st);
                    }
                    if ((cfg.plotEvery > 0 && k % cfg.plotEvery == 0) || k == cfg.steps || k == stopAfter) {
                        Plots.write(runDir.resolve(PLOT_DIR), metrics.rows());
                    }
                }
            } catch (RuntimeException | Error e) {
                Plots.write(runDir.resolve(PLOT_DIR), metrics.rows());
                throw e;
            }
        }
        log.info("stopped at step {} of {}: last loss {}, {} steps skipped, {} ms/step", st.step, cfg.steps,
                lastLoss, st.skipped, String.format(Locale.ROOT, "%.1f", totalMs / ran));
        return new TrainResult(start, st.step, lastLoss, st.skipped, lastEval, lastCheckpoint, totalMs / ran);
    }

    // ------------------------------------------------------------------ one update

    private record StepOutcome(double loss, double gradNorm, boolean applied) {
    }

    /** Mutable loop state that checkpoints carry (besides tensors). */
    private static final class State {
        long step;
        long skipped;
        int consecutiveBad;
    }

    private StepOutcome trainStep(B batch, long step, double lr, List<Param> params, AdamW opt, Ema ema) {
        task.params().zeroGrads();
        double loss = task.forwardBackward(batch, cfg.seed, step);
        double norm = GradClip.clip(params, cfg.gradClip);
        if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
            return new StepOutcome(loss, norm, false);
        }
        opt.step(step, lr);
        ema.update(step + 1); // steps completed, for the decay warm-up
        return new StepOutcome(loss, norm, true);
    }

    private static String describeBad(StepOutcome o) {
        return "loss " + o.loss + ", gradient norm " + o.gradNorm;
    }

    /**
     * {@link #progressBar(boolean)} if called, else the system property {@value #PROGRESS_PROPERTY} if set,
     * else only when a console is attached (not when output goes to a file, a pipe or a test report).
     */
    private boolean showProgressBar() {
        if (progressBar != null) {
            return progressBar;
        }
        String prop = System.getProperty(PROGRESS_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Boolean.parseBoolean(prop.trim());
        }
        return System.console() != null;
    }

    private ProgressBar newBar(long start) {
        return new ProgressBarBuilder()
                .setTaskName(task.modelKind())
                .setInitialMax(cfg.steps)
                .startsFrom(start, Duration.ZERO)
                .setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
    }

    // ------------------------------------------------------------------ evaluation

    private Map<String, Double> evaluate(long k, Ema ema, StepWorkspace ws, MetricsLog metrics) {
        long t0 = System.nanoTime();
        Map<String, Double> m = ws.run(() -> {
            ema.swap();
            try {
                Map<String, Double> r = task.evaluate(k);
                return r == null ? Map.<String, Double>of() : new LinkedHashMap<>(r);
            } finally {
                ema.swap();
            }
        });
        double ms = (System.nanoTime() - t0) / 1e6;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("type", "eval");
        row.put("step", k);
        m.forEach((name, v) -> {
            if (!name.equals("type") && !name.equals("step")) {
                row.put(name, v);
            }
        });
        row.put("ms", Math.round(ms * 100) / 100.0);
        metrics.append(row);
        log.info("step {} eval (EMA weights, {} ms): {}", k, Math.round(ms), m);
        return m;
    }

    // ------------------------------------------------------------------ checkpoints

    private Path checkpoint(CheckpointRotation rotation, long k, String configYaml, AdamW opt, Ema ema, State st) {
        long t0 = System.nanoTime();
        Checkpoint.Builder b = Checkpoint.builder()
                .modelKind(task.modelKind())
                .configFingerprint(task.configFingerprint())
                .configYaml(configYaml)
                .step(k)
                .rngState(seedBytes(cfg.seed))
                .tensors(task.params().values())
                .tensors(opt.state())
                .tensors(ema.state());
        task.extraState().forEach((name, t) -> b.tensor(EXTRA_PREFIX + name, t));
        b.metadata("codeVersion", RunInfo.codeVersion())
                .metadata("seed", Long.toString(cfg.seed))
                .metadata("trainConfigFingerprint", ConfigLoader.fingerprint(cfg))
                .metadata("skippedSteps", Long.toString(st.skipped))
                .metadata("consecutiveBadSteps", Integer.toString(st.consecutiveBad))
                .metadata("time", Instant.now().toString());
        Path file = rotation.write(b.build());
        log.info("step {}: checkpoint {} ({} ms)", k, file, Math.round((System.nanoTime() - t0) / 1e6));
        return file;
    }

    private void resume(Path file, AdamW opt, Ema ema, State st) {
        Checkpoint ck = CheckpointIO.read(file);
        checkCompatible(file, ck, task);
        long savedSeed = seedOf(file, ck);
        if (savedSeed != cfg.seed) {
            throw new TrainingException("checkpoint " + file + " was written by a run with train.seed = " + savedSeed
                    + ", but this run has train.seed = " + cfg.seed + "; use the same seed or a new run directory");
        }
        String trainFp = ck.metadata().get("trainConfigFingerprint");
        if (trainFp != null && !trainFp.equals(ConfigLoader.fingerprint(cfg))) {
            log.warn("the train config differs from the one checkpoint {} was written with: the resumed run will"
                    + " not be identical to an uninterrupted run of either config", file);
        }
        assign(file, ck, task.params(), "");
        try {
            opt.load(ck.tensors());
            ema.load(ck.tensors());
        } catch (IllegalArgumentException e) {
            throw new TrainingException("checkpoint " + file + " cannot be resumed: " + e.getMessage(), e);
        }
        task.loadExtraState(ModelFiles.extraTensors(ck));
        st.step = ck.step();
        st.skipped = Long.parseLong(ck.metadata().getOrDefault("skippedSteps", "0"));
        st.consecutiveBad = Integer.parseInt(ck.metadata().getOrDefault("consecutiveBadSteps", "0"));
        if (st.step > cfg.steps) {
            log.warn("checkpoint {} is at step {}, beyond train.steps = {}", file, st.step, cfg.steps);
        }
    }

    /**
     * Loads a checkpoint's weights into {@code task}'s parameters — the EMA weights when {@code ema} — and
     * its extra state, for evaluation and generation commands. The checkpoint must hold the same kind of
     * model with the same model-config fingerprint.
     *
     * @return the checkpoint (step, config, metadata)
     * @throws TrainingException if the checkpoint belongs to another model or config, or lacks a tensor
     * @throws io.dcsldm.core.checkpoint.CheckpointException if the file is missing, truncated or corrupt
     */
    public static Checkpoint loadWeights(Path checkpoint, TrainTask<?> task, boolean ema) {
        Checkpoint ck = CheckpointIO.read(checkpoint);
        checkCompatible(checkpoint, ck, task);
        assign(checkpoint, ck, task.params(), ema ? EMA_PREFIX : "");
        task.loadExtraState(ModelFiles.extraTensors(ck));
        log.info("loaded {} weights of step {} from {}", ema ? "EMA" : "live", ck.step(), checkpoint);
        return ck;
    }

    /** Copies {@code file}'s weights (a checkpoint's EMA weights) and extra state into the task; returns what to record. */
    private String loadInitialWeights(Path file) {
        Checkpoint ck = CheckpointIO.read(file);
        checkCompatible(file, ck, task);
        ModelFiles.copyWeights(ck, task.params(), file);
        task.loadExtraState(ModelFiles.extraTensors(ck));
        String source = file + (ck.step() > 0 ? " (checkpoint of step " + ck.step() + ")" : "");
        log.info("new run starts from the weights of {}", source);
        return source;
    }

    static void checkCompatible(Path file, Checkpoint ck, TrainTask<?> task) {
        if (!ck.modelKind().equals(task.modelKind())) {
            throw new TrainingException("checkpoint " + file + " holds a '" + ck.modelKind() + "' model, not '"
                    + task.modelKind() + "'; use a new run directory");
        }
        String expected = task.configFingerprint();
        if (!ck.configFingerprint().equals(expected)) {
            throw new TrainingException("checkpoint " + file + " was written for a different model config (fingerprint "
                    + ck.configFingerprint() + " vs " + expected + "); use a new run directory");
        }
    }

    private static void assign(Path file, Checkpoint ck, ParamStore store, String prefix) {
        for (Param p : store.all()) {
            String name = prefix + p.name();
            INDArray saved = ck.tensors().get(name);
            if (saved == null) {
                throw new TrainingException("checkpoint " + file + " has no tensor '" + name + "'");
            }
            if (!Arrays.equals(saved.shape(), p.value().shape()) || saved.dataType() != p.value().dataType()) {
                throw new TrainingException("checkpoint " + file + " stores '" + name + "' as " + saved.dataType()
                        + Arrays.toString(saved.shape()) + ", but the model has " + p.value().dataType()
                        + Arrays.toString(p.value().shape()));
            }
            p.value().assign(saved);
        }
    }

    static byte[] seedBytes(long seed) {
        return ByteBuffer.allocate(Long.BYTES).putLong(seed).array();
    }

    private static long seedOf(Path file, Checkpoint ck) {
        byte[] b = ck.rngState();
        if (b.length != Long.BYTES) {
            throw new TrainingException("checkpoint " + file + " has a " + b.length
                    + "-byte RNG state; the trainer writes the 8-byte run seed");
        }
        return ByteBuffer.wrap(b).getLong();
    }

    // ------------------------------------------------------------------ run directory files

    /**
     * The config written to {@code config.yaml} and into checkpoints: the task's YAML, with the
     * {@link TrainConfig} appended as {@code train:} when the task's YAML has no such top-level key.
     */
    static String resolvedConfigYaml(String taskYaml, TrainConfig cfg) {
        YAMLMapper yaml = new YAMLMapper();
        JsonNode tree;
        try {
            tree = taskYaml == null || taskYaml.isBlank() ? null : yaml.readTree(taskYaml);
        } catch (IOException e) {
            throw new TrainingException("the task's configYaml() is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        String train = ConfigLoader.toYaml(cfg);
        if (tree != null && !tree.isMissingNode() && !tree.isObject()) {
            throw new TrainingException("the task's configYaml() must be a YAML mapping, got " + tree.getNodeType());
        }
        if (tree != null && tree.has("train")) {
            try {
                if (!tree.get("train").equals(yaml.readTree(train))) {
                    log.warn("the train: section of the task's config differs from the TrainConfig the trainer runs with");
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return taskYaml;
        }
        StringBuilder sb = new StringBuilder();
        if (tree != null && !tree.isMissingNode()) {
            sb.append(taskYaml);
            if (!taskYaml.endsWith("\n")) {
                sb.append('\n');
            }
        }
        sb.append("train:\n");
        train.lines().forEach(line -> sb.append("  ").append(line).append('\n'));
        return sb.toString();
    }

    private static void writeAtomically(Path file, String text) {
        Path tmp = file.resolveSibling(".tmp-" + file.getFileName());
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new TrainingException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
