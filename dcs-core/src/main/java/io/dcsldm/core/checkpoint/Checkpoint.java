package io.dcsldm.core.checkpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything needed to resume a run or load a model: named tensors, the training step, the RNG state,
 * the resolved config and a little metadata. Immutable once built.
 *
 * <p>The format stores named tensors of any supported dtype and shape, in insertion order, and knows
 * nothing about what they mean. By convention callers name parameters by their module path
 * ({@code tok.enc.0.attn.qkv.w}), optimizer state {@code opt/<param>/m} and {@code opt/<param>/v}, and EMA
 * weights {@code ema/<param>}.
 *
 * <p>The builder copies every tensor into detached, C-order memory when it is added, so a checkpoint is a
 * snapshot: training can keep updating (or a workspace can recycle) the original arrays. ND4J has no
 * read-only arrays, so the arrays returned by {@link #tensors()} are the checkpoint's own: treat them as
 * read-only (copy them into the model with {@code param.assign(tensor)}).
 *
 * <p>Checkpoints have identity equality: tensor equality in ND4J is tolerance based, which is the wrong
 * notion for a snapshot. Compare tensors bit for bit where that matters.
 */
public final class Checkpoint {

    private final int formatVersion;
    private final Map<String, INDArray> tensors;
    private final long step;
    private final byte[] rngState;
    private final String configYaml;
    private final String modelKind;
    private final String configFingerprint;
    private final Map<String, String> metadata;

    private Checkpoint(Builder builder) {
        this.formatVersion = builder.formatVersion;
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(builder.tensors));
        this.step = builder.step;
        this.rngState = builder.rngState.clone();
        this.configYaml = builder.configYaml;
        this.modelKind = builder.modelKind;
        this.configFingerprint = builder.configFingerprint;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(builder.metadata));
    }

    /** A builder for a checkpoint of the current format version. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The file format version this checkpoint was read from; {@link CheckpointIO#FORMAT_VERSION} for one
     * built in memory. {@link CheckpointIO#write} always writes the current version.
     */
    public int formatVersion() {
        return formatVersion;
    }

    /** The named tensors, unmodifiable, in the order they were added (and stored). */
    public Map<String, INDArray> tensors() {
        return tensors;
    }

    /**
     * The tensor called {@code name}.
     *
     * @throws CheckpointException naming the tensor when the checkpoint has none by that name
     */
    public INDArray tensor(String name) {
        INDArray tensor = tensors.get(name);
        if (tensor == null) {
            throw new CheckpointException("checkpoint of " + modelKind + " at step " + step
                    + " has no tensor '" + name + "' (" + tensors.size() + " tensors stored)");
        }
        return tensor;
    }

    /** The number of optimizer steps taken when the checkpoint was made. */
    public long step() {
        return step;
    }

    /** The RNG state, opaque to the format; a fresh copy on every call. */
    public byte[] rngState() {
        return rngState.clone();
    }

    /** The resolved config the run used, as YAML. */
    public String configYaml() {
        return configYaml;
    }

    /** What kind of model the tensors belong to, e.g. {@code dcs-tok}. */
    public String modelKind() {
        return modelKind;
    }

    /** The caller's fingerprint of the model config, used to refuse loading into a different model. */
    public String configFingerprint() {
        return configFingerprint;
    }

    /** Free-form metadata (code version, seed, ...), unmodifiable, in insertion order. */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public String toString() {
        return "Checkpoint[" + modelKind + ", step " + step + ", " + tensors.size() + " tensors, format v"
                + formatVersion + "]";
    }

    /** Collects the parts of a {@link Checkpoint}; {@code modelKind} and {@code configFingerprint} are required. */
    public static final class Builder {

        private int formatVersion = CheckpointIO.FORMAT_VERSION;
        private final Map<String, INDArray> tensors = new LinkedHashMap<>();
        private long step;
        private byte[] rngState = new byte[0];
        private String configYaml = "";
        private String modelKind;
        private String configFingerprint;
        private final Map<String, String> metadata = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Adds a copy of {@code tensor} under {@code name}; views and non-contiguous arrays are fine.
         *
         * @throws IllegalArgumentException if the name is empty or already used, or the dtype cannot be
         *     stored (strings and compressed arrays)
         */
        public Builder tensor(String name, INDArray tensor) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(tensor, "tensor");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("tensor name must not be empty");
            }
            if (tensors.containsKey(name)) {
                throw new IllegalArgumentException("tensor '" + name + "' added twice");
            }
            if (!TensorBytes.isSupported(tensor.dataType())) {
                throw new IllegalArgumentException("tensor '" + name + "' has data type " + tensor.dataType()
                        + ", which a checkpoint cannot store");
            }
            tensors.put(name, TensorBytes.detachedCopy(tensor));
            return this;
        }

        /** Adds copies of all {@code tensors} in their iteration order; see {@link #tensor}. */
        public Builder tensors(Map<String, INDArray> tensors) {
            tensors.forEach(this::tensor);
            return this;
        }

        /** The number of optimizer steps taken; 0 by default. */
        public Builder step(long step) {
            if (step < 0) {
                throw new IllegalArgumentException("step must be >= 0, got " + step);
            }
            this.step = step;
            return this;
        }

        /** The RNG state to restore on resume, opaque to the format (copied); empty by default. */
        public Builder rngState(byte[] rngState) {
            this.rngState = Objects.requireNonNull(rngState, "rngState").clone();
            return this;
        }

        /** The resolved config as YAML (see {@code ConfigLoader.toYaml}); empty by default. */
        public Builder configYaml(String configYaml) {
            this.configYaml = Objects.requireNonNull(configYaml, "configYaml");
            return this;
        }

        /** Required: what kind of model the tensors belong to, e.g. {@code dcs-tok}. */
        public Builder modelKind(String modelKind) {
            this.modelKind = requireNonBlank(modelKind, "modelKind");
            return this;
        }

        /** Required: the fingerprint of the model config (see {@code ConfigLoader.fingerprint}). */
        public Builder configFingerprint(String configFingerprint) {
            this.configFingerprint = requireNonBlank(configFingerprint, "configFingerprint");
            return this;
        }

        /** Adds one metadata entry (code version, seed, ...); a repeated key replaces the value in place. */
        public Builder metadata(String key, String value) {
            metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Adds every entry of {@code entries} in its iteration order. */
        public Builder metadata(Map<String, String> entries) {
            entries.forEach(this::metadata);
            return this;
        }

        /** Only the reader sets this: a checkpoint records the version of the file it came from. */
        Builder formatVersion(int formatVersion) {
            this.formatVersion = formatVersion;
            return this;
        }

        /**
         * Adds an array the reader has just created, without the defensive copy: nobody else holds it.
         */
        Builder ownedTensor(String name, INDArray tensor) {
            tensors.put(name, tensor);
            return this;
        }

        /** @throws IllegalStateException if {@code modelKind} or {@code configFingerprint} was not set */
        public Checkpoint build() {
            if (modelKind == null || configFingerprint == null) {
                throw new IllegalStateException("a checkpoint needs a modelKind and a configFingerprint");
            }
            return new Checkpoint(this);
        }

        private static String requireNonBlank(String value, String what) {
            Objects.requireNonNull(value, what);
            if (value.isBlank()) {
                throw new IllegalArgumentException(what + " must not be blank");
            }
            return value;
        }
    }
}
