package io.dcsldm.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        return Files.writeString(dir.resolve("x.yaml"), text);
    }

    private String failure(String text, String... overrides) throws IOException {
        Path file = yaml(text);
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(file, RunConfig.class, List.of(overrides)));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage().substring((file + ": ").length());
    }

    // ---- loading and overrides

    @Test
    void loadsValuesAndKeepsDefaultsForAbsentKeys() throws IOException {
        RunConfig config = ConfigLoader.load(yaml("""
                name: small
                model:
                  levels: 6
                  scales: [32, 64, 96]
                train:
                  lr: 3e-4
                """), RunConfig.class);

        assertEquals("small", config.name);
        assertEquals(6, config.model.levels);
        assertEquals(List.of(32, 64, 96), config.model.scales);
        assertEquals(3e-4, config.train.lr);
        assertEquals(8, config.model.patchesPerSide, "default kept");
        assertEquals(1000, config.train.steps, "default kept");
        assertNull(config.train.resumeFrom);
    }

    @Test
    void emptyFileOrOnlyCommentsMeansAllDefaults() throws IOException {
        assertEquals(ConfigLoader.toYaml(new RunConfig()), ConfigLoader.toYaml(ConfigLoader.load(yaml(""), RunConfig.class)));
        assertEquals(4, ConfigLoader.load(yaml("# nothing yet\n"), RunConfig.class).model.levels);
    }

    @Test
    void overridesApplyBeforeBindingWithYamlValues() throws IOException {
        RunConfig config = ConfigLoader.load(yaml("train:\n  lr: 1e-3\n"), RunConfig.class, List.of(
                "train.lr=3e-4",
                "model.levels=5",               // section absent from the file
                "model.scales=[16, 48]",        // a list is set whole
                "model.attention=FULL",
                "train.ema=false",
                "name=123",                     // a string key takes the text as is
                "tags.owner=ml-team",           // into a map
                "train.steps=10",
                "train.steps=20"));             // the last one wins

        assertEquals(3e-4, config.train.lr);
        assertEquals(5, config.model.levels);
        assertEquals(List.of(16, 48), config.model.scales);
        assertEquals(RunConfig.Attention.FULL, config.model.attention);
        assertEquals(false, config.train.ema);
        assertEquals("123", config.name);
        assertEquals(Map.of("owner", "ml-team"), config.tags);
        assertEquals(20, config.train.steps);
    }

    // ---- unknown keys

    @Test
    void unknownKeyNamesTheFileTheKeyAndTheKnownKeys() throws IOException {
        assertEquals("unknown key 'train.lrr' (known keys: lr, steps, labelDropout, ema, resumeFrom)",
                failure("train:\n  lrr: 0.1\n"));
        assertEquals("unknown key 'modle' (known keys: name, model, train, tags)", failure("modle:\n  levels: 4\n"));
    }

    @Test
    void methodsAreNotKeys() throws IOException {
        assertTrue(failure("model:\n  tokensPerPatch: 3\n").startsWith("unknown key 'model.tokensPerPatch'"));
    }

    @Test
    void overrideWithAnUnknownKeyGetsTheSameError() throws IOException {
        assertEquals("unknown key 'train.lrr' (known keys: lr, steps, labelDropout, ema, resumeFrom)"
                + " (from override 'train.lrr=3e-4')", failure("", "train.lrr=3e-4"));
        assertEquals("unknown key 'train.lr.x': 'train.lr' holds a number, not a mapping (from override 'train.lr.x=1')",
                failure("", "train.lr.x=1"));
        assertEquals("unknown key 'model.scales.0': 'model.scales' is a list; set it whole, e.g. model.scales=[...]"
                + " (from override 'model.scales.0=8')", failure("", "model.scales.0=8"));
    }

    @Test
    void malformedOverridesAreNamed() throws IOException {
        assertEquals("override 'train.lr' is not of the form key=value", failure("", "train.lr"));
        assertEquals("override '=3' is not of the form key=value", failure("", "=3"));
        assertEquals("override 'train..lr=3' has an empty part in its key", failure("", "train..lr=3"));
        assertTrue(failure("", "model.scales=[1, 2").startsWith("key 'model.scales': value is not valid YAML (malformed YAML"));
    }

    // ---- wrong types

    @Test
    void wrongTypeNamesKeyExpectationAndValue() throws IOException {
        assertEquals("key 'train.steps': expected an integer, got \"abc\"", failure("train:\n  steps: abc\n"));
        assertEquals("key 'train.steps': expected an integer, got 3.5", failure("train:\n  steps: 3.5\n"));
        assertEquals("key 'train.steps': expected an integer, got \"3\"", failure("train:\n  steps: '3'\n"));
        assertEquals("key 'train.lr': expected a number, got a list", failure("train:\n  lr: [1]\n"));
        assertEquals("key 'train.ema': expected true or false, got \"sometimes\"", failure("train:\n  ema: sometimes\n"));
        assertEquals("key 'model.scales[1]': expected an integer, got \"big\"", failure("model:\n  scales: [64, big]\n"));
        assertEquals("key 'model.attention': expected one of LEVEL_CAUSAL, FULL, got \"SPARSE\"",
                failure("model:\n  attention: SPARSE\n"));
        assertEquals("key 'train': expected a mapping, got 5", failure("train: 5\n"));
    }

    @Test
    void yamlNonTextForAStringKeyIsAnErrorWithAHint() throws IOException {
        assertEquals("key 'name': expected a string, got true (quote the value to keep it text)", failure("name: yes\n"));
        assertEquals("key 'name': expected a string, got 1.1 (quote the value to keep it text)", failure("name: 1.10\n"));
        assertEquals("1.10", ConfigLoader.load(yaml("name: '1.10'\n"), RunConfig.class).name);
    }

    @Test
    void nullsAndOverflowsAreWrongTypes() throws IOException {
        assertEquals("key 'train.steps': expected an integer, got null", failure("train:\n  steps:\n"));
        assertEquals("key 'train': expected a mapping, got null", failure("train:\n"));
        assertEquals("key 'train.steps': expected an integer from -2147483648 to 2147483647, got 99999999999",
                failure("train:\n  steps: 99999999999\n"));
    }

    @Test
    void wrongTypeFromAnOverrideSaysSo() throws IOException {
        assertEquals("key 'train.steps': expected an integer, got \"many\" (from override 'train.steps=many')",
                failure("", "train.steps=many"));
        assertEquals("key 'train.steps': expected an integer, got null (from override 'train.steps=')",
                failure("", "train.steps="));
    }

    // ---- out of range

    @Test
    void outOfRangeValuesNameTheKeyTheBoundAndTheValue() throws IOException {
        assertEquals("key 'train.lr' must be > 0, got -1.0", failure("train:\n  lr: -1\n"));
        assertEquals("key 'train.lr' must be > 0, got 0.0", failure("train:\n  lr: 0\n"));
        assertEquals("key 'train.steps' must be >= 1, got 0", failure("train:\n  steps: 0\n"));
        assertEquals("key 'model.levels' must be in [1, 16], got 17", failure("model:\n  levels: 17\n"));
        assertEquals("key 'train.labelDropout' must be in [0, 1), got 1.0", failure("train:\n  labelDropout: 1.0\n"));
        assertEquals("key 'model.scales[1]' must be >= 1, got -8", failure("model:\n  scales: [8, -8]\n"));
    }

    @Test
    void selfValidatingSectionsReportTheirKey() throws IOException {
        assertEquals("key 'model.scales' must all be multiples of patchesPerSide 8, got [64, 100]",
                failure("model:\n  scales: [64, 100]\n"));
    }

    @Test
    void outOfRangeFromAnOverrideSaysSo() throws IOException {
        assertEquals("key 'model.levels' must be in [1, 16], got 0 (from override 'model.levels=0')",
                failure("model:\n  levels: 4\n", "model.levels=0"));
    }

    @Test
    void inMemoryConfigsCanBeValidated() {
        RunConfig config = new RunConfig();
        ConfigLoader.validate(config, "defaults");
        config.train.lr = -2;
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.validate(config, "defaults"));
        assertEquals("defaults: key 'train.lr' must be > 0, got -2.0", e.getMessage());
    }

    // ---- file-level problems

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("configs/nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing, RunConfig.class));
        assertEquals(missing + ": file not found", e.getMessage());
    }

    @Test
    void malformedYamlGivesTheLine() throws IOException {
        assertEquals("malformed YAML at line 3, column 2: while parsing a block mapping: expected <block end>,"
                + " but found '<block mapping start>'", failure("train:\n  lr: 1\n bad: x\n"));
        assertTrue(failure("model:\n  scales: [1, 2\ntrain: {}\n").startsWith("malformed YAML at line 3"));
    }

    @Test
    void duplicateKeysAreRejectedWithTheLine() throws IOException {
        assertTrue(failure("train:\n  lr: 1\n  lr: 2\n").matches("malformed YAML at line 3, column \\d+: duplicate key 'lr'"));
    }

    @Test
    void aSecondYamlDocumentIsRejected() throws IOException {
        assertEquals("malformed YAML at line 3, column 1: a second YAML document starts here; a config is one document",
                failure("name: a\n---\nname: b\n"));
    }

    @Test
    void topLevelMustBeAMapping() throws IOException {
        assertEquals("expected a mapping of keys at the top level, got a list", failure("- 1\n- 2\n"));
        assertEquals("expected a mapping of keys at the top level, got \"just text\"", failure("just text\n"));
    }

    // ---- writing back

    @Test
    void toYamlReadsBackToAnEqualConfig() throws IOException {
        RunConfig original = ConfigLoader.load(yaml("name: small\nmodel:\n  levels: 3\ntrain:\n  lr: 3e-4\n"), RunConfig.class);
        original.train.resumeFrom = "runs/a/step-000100.dcs";
        // strings YAML would read as something else unless quoted
        String[] awkward = {"123", "1.10", "yes", "no", "on", "true", "null", "~", "", " padded ", "a: b", "#hash",
            "- dash", "two\nlines", "0x1F", "1e3", "[x]", "{y}", "'quoted'", "\"dq\"", "ünïcødé", "*alias", "&anchor"};
        for (int i = 0; i < awkward.length; i++) {
            original.tags.put("t" + i, awkward[i]);
            original.tags.put(awkward[i] + "-as-key", "v" + i); // and as map keys
        }

        String written = ConfigLoader.toYaml(original);
        RunConfig reread = ConfigLoader.parse(written, "written", RunConfig.class, List.of());

        assertEquals(written, ConfigLoader.toYaml(reread));
        assertEquals(original.tags, reread.tags);
        assertEquals(original.train.resumeFrom, reread.train.resumeFrom);
        assertEquals(3e-4, reread.train.lr);
        assertEquals(3, reread.model.levels);
        assertTrue(written.startsWith("name: \"small\"\nmodel:\n  levels: 3\n"), "declaration order, no '---':\n" + written);
    }

    @Test
    void toYamlOmitsNullFieldsSoTheyReadBack() {
        String written = ConfigLoader.toYaml(new RunConfig());
        assertTrue(!written.contains("resumeFrom"), written);
        assertNull(ConfigLoader.parse(written, "written", RunConfig.class, List.of()).train.resumeFrom);
    }
}
