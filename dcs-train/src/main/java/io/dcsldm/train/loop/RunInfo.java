package io.dcsldm.train.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** {@code run.json} and the facts it records: code version, versions of Java and ND4J, threads. */
final class RunInfo {
    private static volatile String codeVersion;

    private RunInfo() {
    }

    /**
     * {@code git describe --always --dirty} in the working directory, or the system property
     * {@code dcs.codeVersion} when set, else {@code "unknown"}; computed once per JVM.
     */
    static String codeVersion() {
        String v = codeVersion;
        if (v == null) {
            v = System.getProperty("dcs.codeVersion");
            if (v == null || v.isBlank()) {
                v = gitDescribe();
            }
            codeVersion = v;
        }
        return v;
    }

    private static String gitDescribe() {
        try {
            Process p = new ProcessBuilder("git", "describe", "--always", "--dirty").redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unknown";
            }
            String s = new String(out, StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 && !s.isEmpty() ? s : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    static String nd4jVersion() {
        Properties p = new Properties();
        try (InputStream in = Nd4j.class.getResourceAsStream("/META-INF/maven/org.nd4j/nd4j-api/pom.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }

    /**
     * Writes {@code run.json} for a run starting (or resuming) at {@code startStep}. A fresh run records
     * where and how it started (and {@code "initFrom"}, the weights it started from, when not null); a
     * resumed run keeps those fields and appends to {@code "resumes"}.
     */
    static void write(Path file, TrainConfig cfg, TrainTask<?> task, long startStep, String initFrom) {
        ObjectNode root;
        try {
            JsonNode old = startStep > 0 && Files.exists(file) ? MetricsLog.JSON.readTree(file.toFile()) : null;
            String now = Instant.now().toString();
            if (old instanceof ObjectNode o) {
                root = o;
                ArrayNode resumes = root.has("resumes") && root.get("resumes").isArray()
                        ? (ArrayNode) root.get("resumes") : root.putArray("resumes");
                ObjectNode r = resumes.addObject();
                r.put("step", startStep);
                r.put("time", now);
                r.put("codeVersion", codeVersion());
                r.set("environment", environment());
            } else {
                root = MetricsLog.JSON.createObjectNode();
                root.put("modelKind", task.modelKind());
                root.put("seed", cfg.seed);
                root.put("steps", cfg.steps);
                root.put("configFingerprint", task.configFingerprint());
                root.put("codeVersion", codeVersion());
                root.put("startTime", now);
                root.put("startStep", startStep);
                if (initFrom != null) root.put("initFrom", initFrom);
                root.set("environment", environment());
            }
            Path tmp = file.resolveSibling(".tmp-" + file.getFileName());
            MetricsLog.JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new TrainingException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static ObjectNode environment() {
        ObjectNode env = MetricsLog.JSON.createObjectNode();
        env.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        env.put("nd4j", nd4jVersion());
        env.put("backend", Nd4j.getBackend().getClass().getSimpleName());
        ObjectNode threads = env.putObject("threads");
        threads.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        threads.put("nd4jMaxThreads", Nd4j.getEnvironment().maxThreads());
        threads.put("nd4jMaxMasterThreads", Nd4j.getEnvironment().maxMasterThreads());
        String omp = System.getenv("OMP_NUM_THREADS");
        threads.put("OMP_NUM_THREADS", omp == null ? "unset" : omp);
        return env;
    }
}
