package io.dcsldm.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One named trainable tensor and its gradient. Both arrays are allocated once, outside any workspace,
 * and live as long as the model; backward passes accumulate into {@link #grad} (so a parameter used
 * several times in one step gets the sum of its contributions) and the optimizer reads it.
 */
public final class Param {
    private final String name;
    private final INDArray value;
    private final INDArray grad;
    private final boolean decay;

    Param(String name, INDArray value, INDArray grad, boolean decay) {
        this.name = name;
        this.value = value;
        this.grad = grad;
        this.decay = decay;
    }

    /** Dotted path, e.g. {@code enc.blocks.0.attn.qkv.w}; unique in its {@link ParamStore}. */
    public String name() { return name; }

    public INDArray value() { return value; }

    public INDArray grad() { return grad; }

    /** Whether AdamW's decoupled weight decay applies (matrices yes; biases, norms, embeddings of levels no). */
    public boolean decay() { return decay; }

    public long size() { return value.length(); }

    @Override
    public String toString() { return name + java.util.Arrays.toString(value.shape()); }
}
