package io.dcsldm.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A small config tree shaped like the project's real ones: sections, lists, a map, an enum, bounds. */
public class RunConfig {

    public String name = "baseline";
    public ModelConfig model = new ModelConfig();
    public TrainConfig train = new TrainConfig();
    public Map<String, String> tags = new LinkedHashMap<>();

    public enum Attention { LEVEL_CAUSAL, FULL }

    public static class ModelConfig implements SelfValidating {
        @Range(min = 1, max = 16)
        public int levels = 4;
        @Range(min = 1)
        public int patchesPerSide = 8;
        @Range(min = 1)
        public List<Integer> scales = new ArrayList<>(List.of(64, 128));
        public Attention attention = Attention.LEVEL_CAUSAL;

        @Override
        public void validate() {
            for (int scale : scales) {
                if (scale % patchesPerSide != 0) {
                    throw new InvalidValueException("scales",
                            "must all be multiples of patchesPerSide " + patchesPerSide + ", got " + scales);
                }
            }
        }

        /** Not a key: only public fields are. */
        public int tokensPerPatch() {
            return levels * 2;
        }
    }

    public static class TrainConfig {
        @Range(min = 0, exclusiveMin = true)
        public double lr = 1e-4;
        @Range(min = 1)
        public int steps = 1000;
        @Range(min = 0, max = 1, exclusiveMax = true)
        public double labelDropout = 0.1;
        public boolean ema = true;
        /** Optional: null means "start fresh". */
        public String resumeFrom = null;
    }
}
