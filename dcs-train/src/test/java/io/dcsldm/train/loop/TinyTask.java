package io.dcsldm.train.loop;

import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.mask.TokenGroups;
import io.dcsldm.core.nn.Linear;
import io.dcsldm.core.nn.Param;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.core.nn.TransformerStack;
import io.dcsldm.core.runtime.Rng;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A tiny regression task for trainer tests: a linear embedding, a level-causal {@link TransformerStack}
 * and a linear head learn a fixed random teacher {@code t = tanh(x·A)} per token. Every step adds input
 * noise drawn from {@code Rng.mix(seed, step, ...)} (so randomness is exercised) and counts the samples
 * it has seen in an extra-state tensor (so extra state must survive a resume).
 */
public class TinyTask implements TrainTask<TinyTask.Batch> {
    /** Host-side batch: inputs {@code [B·T, in]} and targets {@code [B·T, out]}, row-major. */
    public record Batch(int size, float[] x, float[] t) {
    }

    private final TinyConfig cfg;
    private final ParamStore params;
    private final Linear embed;
    private final TransformerStack stack;
    private final Linear head;
    private final Param pad;
    private final AttentionMask mask;
    private final int tokens;
    private final float[][] xs;
    private final float[][] ts;
    private final INDArray seen;

    public TinyTask(TinyConfig cfg) {
        this.cfg = cfg;
        TinyConfig.Model m = cfg.model;
        this.params = new ParamStore(DataType.FLOAT, m.initSeed);
        this.embed = new Linear(params.scope("embed"), m.in, m.width, true);
        this.stack = new TransformerStack(params.scope("stack"), m.depth, m.width, m.heads, 2 * m.width, false);
        this.head = new Linear(params.scope("head"), m.width, m.out, true);
        this.pad = m.padParams > 0 ? params.normal("pad", 0.01, true, 1, m.padParams) : null;
        TokenGroups groups = TokenGroups.levelMajor(m.levels, 1, m.tokensPerLevel);
        this.mask = AttentionMask.levelCausal(groups);
        this.tokens = groups.total();
        // the dataset: train samples 0..size-1, then validation samples
        int n = cfg.data.size + cfg.data.valSize;
        SplittableRandom teacher = new SplittableRandom(Rng.mix(cfg.data.seed, -1));
        double[][] a = new double[m.in][m.out];
        for (double[] row : a) for (int j = 0; j < row.length; j++) row[j] = teacher.nextDouble(-1, 1);
        xs = new float[n][tokens * m.in];
        ts = new float[n][tokens * m.out];
        for (int i = 0; i < n; i++) {
            SplittableRandom r = new SplittableRandom(Rng.mix(cfg.data.seed, i));
            for (int k = 0; k < xs[i].length; k++) xs[i][k] = (float) r.nextDouble(-1, 1);
            for (int tok = 0; tok < tokens; tok++)
                for (int j = 0; j < m.out; j++) {
                    double s = 0;
                    for (int c = 0; c < m.in; c++) s += xs[i][tok * m.in + c] * a[c][j];
                    ts[i][tok * m.out + j] = (float) Math.tanh(s);
                }
        }
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            this.seen = Nd4j.zeros(DataType.DOUBLE, 1);
        }
    }

    public TinyConfig config() {
        return cfg;
    }

    @Override
    public String modelKind() {
        return "tiny-regression";
    }

    @Override
    public ParamStore params() {
        return params;
    }

    @Override
    public int datasetSize() {
        return cfg.data.size;
    }

    @Override
    public Batch loadBatch(int[] indices, long step) {
        if (step == cfg.data.failLoadAt) {
            throw new IllegalStateException("sample " + indices[0] + " is unreadable (injected failure)");
        }
        return gather(indices);
    }

    private Batch gather(int[] indices) {
        int in = xs[0].length, out = ts[0].length;
        float[] x = new float[indices.length * in];
        float[] t = new float[indices.length * out];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(xs[indices[i]], 0, x, i * in, in);
            System.arraycopy(ts[indices[i]], 0, t, i * out, out);
        }
        return new Batch(indices.length, x, t);
    }

    @Override
    public double forwardBackward(Batch batch, long seed, long step) {
        TinyConfig.Model m = cfg.model;
        long rows = (long) batch.size() * tokens;
        INDArray x = Nd4j.create(batch.x(), new long[]{rows, m.in}, DataType.FLOAT);
        INDArray t = Nd4j.create(batch.t(), new long[]{rows, m.out}, DataType.FLOAT);
        if (cfg.data.noise > 0) {
            x.addi(Rng.normal(DataType.FLOAT, Rng.mix(seed, step, 0x7E57L), rows, m.in).muli(cfg.data.noise));
        }
        INDArray h = embed.forward(x);
        h = stack.forward(h, null, batch.size(), mask);
        INDArray y = head.forward(h);
        INDArray diff = y.subi(t);
        double n = diff.length();
        double loss = diff.mul(diff).sumNumber().doubleValue() / n;
        INDArray dh = head.backward(diff.muli(2.0 / n));
        dh = stack.backward(dh, null);
        embed.backwardParamsOnly(dh);
        if (pad != null) {
            pad.grad().assign(pad.value()).muli(1e-3); // a tiny pull to zero so the pad trains too
        }
        seen.addi(batch.size());
        if (cfg.data.infGradSteps.contains(step)) {
            head.weight().grad().addi(Double.POSITIVE_INFINITY);
        }
        if (cfg.data.nanSteps.contains(step)) {
            return Double.NaN;
        }
        return loss;
    }

    /** Validation MSE with the weights currently in the store (no caching, no gradients). */
    public double validationMse() {
        int[] idx = new int[cfg.data.valSize];
        for (int i = 0; i < idx.length; i++) idx[i] = cfg.data.size + i;
        Batch b = gather(idx);
        long rows = (long) b.size() * tokens;
        INDArray x = Nd4j.create(b.x(), new long[]{rows, cfg.model.in}, DataType.FLOAT);
        INDArray t = Nd4j.create(b.t(), new long[]{rows, cfg.model.out}, DataType.FLOAT);
        INDArray y = head.apply(stack.apply(embed.apply(x), null, b.size(), mask));
        INDArray d = y.subi(t);
        return d.mul(d).sumNumber().doubleValue() / d.length();
    }

    @Override
    public Map<String, Double> evaluate(long step) {
        return Map.of("val_mse", validationMse());
    }

    @Override
    public Map<String, INDArray> extraState() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("samplesSeen", seen);
        return m;
    }

    @Override
    public void loadExtraState(Map<String, INDArray> state) {
        INDArray s = state.get("samplesSeen");
        if (s != null) seen.assign(s);
    }

    public double samplesSeen() {
        return seen.getDouble(0);
    }

    @Override
    public String configYaml() {
        return ConfigLoader.toYaml(cfg);
    }

    @Override
    public String configFingerprint() {
        return ConfigLoader.fingerprint(cfg, "model");
    }
}
