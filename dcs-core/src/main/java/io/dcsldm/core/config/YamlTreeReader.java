package io.dcsldm.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/** Parses config text into a YAML tree, reporting malformed YAML with its line and column. */
final class YamlTreeReader {

    private static final String DUPLICATE = "Duplicate field ";
    private static final String TRAILING = "Trailing token";

    private YamlTreeReader() {
    }

    /** The top-level mapping; an empty document (or one of only comments) is an empty mapping: all defaults. */
    static ObjectNode read(String text, ConfigErrors errors) {
        JsonNode root;
        try {
            root = ConfigMappers.YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw errors.problem(malformed(e), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return ConfigMappers.YAML.createObjectNode();
        }
        if (!root.isObject()) {
            throw errors.problem("expected a mapping of keys at the top level, got " + ConfigErrors.describe(root));
        }
        return (ObjectNode) root;
    }

    /** "malformed YAML at line 3, column 5: ...", positions 1-based as editors show them. */
    static String malformed(JsonProcessingException e) {
        // SnakeYAML knows where the problem is and says what it is without Jackson's multi-line dump
        if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
            Mark mark = yaml.getProblemMark();
            String what = yaml.getContext() == null ? yaml.getProblem() : yaml.getContext() + ": " + yaml.getProblem();
            return "malformed YAML at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": "
                    + oneLine(what);
        }
        String what = oneLine(e.getOriginalMessage());
        if (what.startsWith(DUPLICATE)) {
            what = "duplicate key " + what.substring(DUPLICATE.length());
        } else if (what.startsWith(TRAILING)) {
            what = "a second YAML document starts here; a config is one document";
        }
        JsonLocation at = e.getLocation();
        String where = at != null && at.getLineNr() > 0 ? " at line " + at.getLineNr() + ", column " + at.getColumnNr() : "";
        return "malformed YAML" + where + ": " + what;
    }

    private static String oneLine(String text) {
        return text == null ? "unreadable" : text.lines().findFirst().orElse("").strip();
    }
}
