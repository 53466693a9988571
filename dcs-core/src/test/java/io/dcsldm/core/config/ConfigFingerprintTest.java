package io.dcsldm.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConfigFingerprintTest {

    public static class AB {
        public int a = 1;
        public String b = "x";
    }

    public static class BA {
        public String b = "x";
        public int a = 1;
    }

    public static class Holder {
        public AB model = new AB();
    }

    @Test
    void isSha256HexAndStableAcrossBuilds() {
        String fingerprint = ConfigLoader.fingerprint(new RunConfig(), "model");
        assertTrue(fingerprint.matches("[0-9a-f]{64}"), fingerprint);
        // Pinned: checkpoints store fingerprints, so a change to the canonical form would make every
        // existing checkpoint refuse its own model. The value is
        //   printf '%s' '{"model":{"a":1,"b":"x"}}' | sha256sum
        // Change it only together with a migration.
        assertEquals("626cc0d31ab57342004526fbb29a0e99a74cdb11dacc06e5bc2b0166439e5288",
                ConfigLoader.fingerprint(new Holder(), "model"));
    }

    @Test
    void dependsOnlyOnTheSelectedSections() {
        RunConfig base = new RunConfig();
        RunConfig otherTraining = new RunConfig();
        otherTraining.train.lr = 1e-2;
        otherTraining.name = "other";
        RunConfig otherModel = new RunConfig();
        otherModel.model.levels = 5;

        String model = ConfigLoader.fingerprint(base, "model");
        assertEquals(model, ConfigLoader.fingerprint(otherTraining, "model"));
        assertNotEquals(model, ConfigLoader.fingerprint(otherModel, "model"));
        assertNotEquals(ConfigLoader.fingerprint(base), ConfigLoader.fingerprint(otherTraining));
        assertNotEquals(model, ConfigLoader.fingerprint(base, "train"));
    }

    @Test
    void fieldOrderDoesNotMatter() {
        assertEquals(ConfigLoader.fingerprint(new AB()), ConfigLoader.fingerprint(new BA()));
    }

    @Test
    void nestedKeysCanBeSelected() {
        RunConfig config = new RunConfig();
        String levels = ConfigLoader.fingerprint(config, "model.levels");
        config.model.attention = RunConfig.Attention.FULL;
        assertEquals(levels, ConfigLoader.fingerprint(config, "model.levels"));
    }

    @Test
    void unknownKeysAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.fingerprint(new RunConfig(), "modle"));
        assertTrue(e.getMessage().contains("'modle'"), e.getMessage());
    }
}
