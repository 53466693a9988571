package io.dcsldm.train.loop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per line, {@code "type": "train"} or {@code "eval"}, each with the
 * {@code "step"} it describes. Non-finite numbers are written as the strings {@code "NaN"},
 * {@code "Infinity"}, {@code "-Infinity"} (Jackson's default) so every line stays valid JSON.
 *
 * <p>Opening for a run that starts at step {@code k} keeps only rows with {@code step ≤ k}: rows a crashed
 * process logged after its last checkpoint describe updates the resumed run will redo, so after a resume
 * the file reads like the uninterrupted run's. A torn last line (the process died mid-write) is dropped.
 */
final class MetricsLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsLog.class);
    static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final List<JsonNode> rows;
    private final BufferedWriter out;

    private MetricsLog(Path file, List<JsonNode> rows, BufferedWriter out) {
        this.file = file;
        this.rows = rows;
        this.out = out;
    }

    static MetricsLog open(Path file, long startStep) {
        List<JsonNode> kept = new ArrayList<>();
        int dropped = 0;
        try {
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                for (String line : lines) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode row;
                    try {
                        row = JSON.readTree(line);
                    } catch (JsonProcessingException e) {
                        dropped++;
                        continue;
                    }
                    if (row.path("step").asLong(Long.MAX_VALUE) <= startStep) {
                        kept.add(row);
                    } else {
                        dropped++;
                    }
                }
                if (dropped > 0) {
                    log.info("{}: dropped {} rows logged after step {} (the run restarts from there)", file, dropped, startStep);
                    Path tmp = file.resolveSibling(".tmp-" + file.getFileName());
                    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                        for (JsonNode row : kept) {
                            w.write(JSON.writeValueAsString(row));
                            w.newLine();
                        }
                    }
                    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            }
            BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            return new MetricsLog(file, kept, out);
        } catch (IOException e) {
            throw new TrainingException("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    /** Appends one row (key order kept) and flushes it. */
    void append(Map<String, ?> row) {
        ObjectNode node = JSON.valueToTree(row);
        try {
            out.write(JSON.writeValueAsString(node));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new TrainingException("cannot write " + file + ": " + e.getMessage(), e);
        }
        rows.add(node);
    }

    /** Every row of the run so far (kept from earlier processes, then appended), oldest first. */
    List<JsonNode> rows() {
        return Collections.unmodifiableList(rows);
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
