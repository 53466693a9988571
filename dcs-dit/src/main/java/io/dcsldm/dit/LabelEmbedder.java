package io.dcsldm.dit;

import io.dcsldm.core.embed.Embedding;
import io.dcsldm.core.nn.ParamStore;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Class embeddings with one extra row, the null class {@code classes}, which stands for "no label":
 * training drops labels to it with some probability so the same model predicts the unconditional
 * velocity for classifier-free guidance (DiT's {@code LabelEmbedder}).
 */
final class LabelEmbedder {
    private final int classes;
    private final Embedding table;

    LabelEmbedder(ParamStore.Scope s, int classes, int width) {
        this.classes = classes;
        this.table = new Embedding(s, classes + 1, width, 0.02);
    }

    int nullClass() { return classes; }

    INDArray forward(int[] labels) { return table.forward(check(labels)); }

    INDArray apply(int[] labels) { return table.apply(check(labels)); }

    void backward(INDArray dy) { table.backward(dy); }

    private int[] check(int[] labels) {
        for (int l : labels)
            if (l < 0 || l > classes) throw new IllegalArgumentException("class " + l + " not in [0, " + classes + "] (" + classes + " = null class)");
        return labels;
    }
}
