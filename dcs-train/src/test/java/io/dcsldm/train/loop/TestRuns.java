package io.dcsldm.train.loop;

import com.fasterxml.jackson.databind.JsonNode;
import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.core.checkpoint.CheckpointIO;
import io.dcsldm.core.checkpoint.CheckpointRotation;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Helpers for trainer tests: bitwise tensor comparison, metrics, child JVMs. */
public final class TestRuns {
    private TestRuns() {
    }

    /** The raw bytes of a tensor's elements in C order (bitwise identity, no tolerance). */
    static byte[] bytes(INDArray t) {
        return t.dup('c').data().asBytes();
    }

    /** Asserts two tensor maps hold the same names, shapes, dtypes and bytes (names filtered by {@code include}). */
    public static int assertBitIdentical(Map<String, INDArray> expected, Map<String, INDArray> actual, Predicate<String> include) {
        List<String> e = expected.keySet().stream().filter(include).toList();
        List<String> a = actual.keySet().stream().filter(include).toList();
        assertEquals(e, a, "tensor names");
        for (String name : e) {
            INDArray x = expected.get(name), y = actual.get(name);
            assertEquals(x.dataType(), y.dataType(), name + " dtype");
            assertArrayEquals(x.shape(), y.shape(), name + " shape");
            assertTrue(Arrays.equals(bytes(x), bytes(y)), name + " differs bitwise");
        }
        return e.size();
    }

    static boolean bitIdentical(INDArray x, INDArray y) {
        return Arrays.equals(x.shape(), y.shape()) && Arrays.equals(bytes(x), bytes(y));
    }

    static Path latestCheckpoint(Path runDir) {
        return CheckpointRotation.latest(runDir.resolve(Trainer.CHECKPOINT_DIR))
                .orElseThrow(() -> new AssertionError("no checkpoint in " + runDir));
    }

    public static Checkpoint latest(Path runDir) {
        return CheckpointIO.read(latestCheckpoint(runDir));
    }

    static List<JsonNode> metrics(Path runDir) {
        try {
            List<JsonNode> rows = new ArrayList<>();
            for (String line : Files.readAllLines(runDir.resolve(Trainer.METRICS_FILE))) {
                rows.add(MetricsLog.JSON.readTree(line));
            }
            return rows;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Rows with their wall-clock fields removed (what must match between equivalent runs). */
    public static List<JsonNode> metricsWithoutTimes(Path runDir) {
        List<JsonNode> rows = metrics(runDir);
        for (JsonNode r : rows) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) r).remove(List.of("ms_per_step", "ms"));
        }
        return rows;
    }

    // ------------------------------------------------------------------ child JVMs

    record ChildResult(int exitCode, String stdout, String stderr) {
    }

    static ProcessBuilder childJvm(String... args) {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=1G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=3G",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Ddcs.codeVersion=" + RunInfo.codeVersion(),
                "-cp", cp, TrainerChild.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // the determinism contract holds for the same thread count: give the child the parent's
        String omp = System.getenv("OMP_NUM_THREADS");
        pb.environment().put("OMP_NUM_THREADS", omp == null ? "2" : omp);
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        return pb;
    }

    static ChildResult runChild(long timeoutSeconds, String... args) {
        try {
            Path out = Files.createTempFile("child", ".out");
            Path err = Files.createTempFile("child", ".err");
            Process p = childJvm(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                fail("child JVM " + Arrays.toString(args) + " did not finish in " + timeoutSeconds + " s; stderr:\n"
                        + Files.readString(err));
            }
            ChildResult r = new ChildResult(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return r;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
