package io.dcsldm.tok;

import io.dcsldm.core.embed.Embedding;
import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.nn.LayerNorm;
import io.dcsldm.core.nn.Linear;
import io.dcsldm.core.nn.Ops;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.core.nn.TransformerStack;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The encoder or the decoder of DCS-Tok (DESIGN §2.4): an input projection, the grid embedding of each
 * token's patch plus a learned level embedding, a stack of Level Causal Attention blocks, a final norm
 * and an output projection. The encoder ends in the {@code D → c} bottleneck; the decoder starts with
 * {@code c → D}. Because every block uses the level-causal mask, outputs for levels {@code ≤ ℓ} never
 * depend on inputs of levels {@code > ℓ}.
 */
final class LevelCausalCoder {
    private final int width;
    private final Linear in;
    private final Embedding level;
    private final TransformerStack blocks;
    private final LayerNorm normOut;
    private final Linear outProj;
    private int batch;

    /** {@code zeroOut}: the output projection starts at zero (a residual on top of another path). */
    LevelCausalCoder(ParamStore.Scope s, TokConfig cfg, int depth, int inWidth, int outWidth, boolean zeroOut) {
        this.width = cfg.width;
        this.in = new Linear(s.scope("in"), inWidth, cfg.width, true);
        this.level = new Embedding(s.scope("level"), cfg.levels, cfg.width, 0.02);
        this.blocks = new TransformerStack(s.scope("blocks"), depth, cfg.width, cfg.heads, cfg.mlpRatio * cfg.width, false);
        this.normOut = new LayerNorm(s.scope("normOut"), cfg.width, 1e-6, true);
        this.outProj = zeroOut ? new Linear(s.scope("out"), cfg.width, outWidth, true, 0)
                : new Linear(s.scope("out"), cfg.width, outWidth, true);
    }

    /** {@code x: [B·T, in]} level-major over the first {@code l} levels of {@code layout} → {@code [B·T, out]}. */
    INDArray forward(INDArray x, TokenLayout layout, int l, int batch, boolean train) {
        this.batch = batch;
        INDArray h = train ? in.forward(x) : in.apply(x);
        INDArray pos = layout.gridEmbedding(l, width, x.dataType());
        int[] lv = layout.tokenLevels(l);
        pos.addi(train ? level.forward(lv) : level.apply(lv));
        Ops.addPerPosition(h, pos, batch);
        AttentionMask mask = AttentionMask.levelCausal(layout.groups(l));
        h = train ? blocks.forward(h, null, batch, mask) : blocks.apply(h, null, batch, mask);
        return train ? outProj.forward(normOut.forward(h)) : outProj.apply(normOut.apply(h));
    }

    /** Backward of a training forward; returns the input gradient. */
    INDArray backward(INDArray dy) {
        INDArray dh = blocks.backward(normOut.backward(outProj.backward(dy)), null);
        level.backward(Ops.sumOverSequences(dh, batch));
        return in.backward(dh);
    }
}
