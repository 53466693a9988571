package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.mask.TokenGroups;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.dcsldm.core.nn.TestArrays.normal;
import static io.dcsldm.core.nn.TestArrays.normRelErr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SameDiff as a gradient oracle (ND4J-NOTES pitfall 10): a stack of two conditioned transformer blocks
 * (shared conditioning vector, B = 2, T = 12 tokens in 3 levels of 4, C = 16, 4 heads, MLP hidden 64) and
 * {@code loss = mean((y − target)²)}, once with the hand-written modules and once in SameDiff from primitives
 * only: {@code mmul}, {@code softmax}, layer norm written out with ε, tanh-GELU written out (SameDiff's
 * {@code gelu} is the sigmoid form), an additive 0/−1e9 mask matrix built from the level-causal rule by brute
 * force. Weights are copied by parameter name. q/k/v and the six adaLN chunks are taken with constant 0/1
 * selection matrices (exact in floating point) instead of slicing/unstacking (pitfall 6).
 *
 * <p>Compared in FP32: the loss, the output, the input and conditioning gradients and every parameter gradient,
 * each with the norm-wise relative error {@code ‖hand − samediff‖₂ / ‖samediff‖₂ ≤ 1e-5} per tensor.</p>
 */
class SameDiffOracleTest {
    static final double TOL = 1e-5;
    static final int B = 2, LEVELS = 3, PER_LEVEL = 4, T = LEVELS * PER_LEVEL, C = 16, HEADS = 4, HIDDEN = 64, DEPTH = 2;
    static final double EPS = 1e-6; // TransformerBlock's layer-norm epsilon

    private static DataType savedDefault;
    private static DataType savedFloat;

    @BeforeAll
    static void useFloat() {
        savedDefault = Nd4j.dataType();
        savedFloat = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(savedDefault, savedFloat);
    }

    @Test
    void twoBlockStackMatchesSameDiff() {
        Random rnd = new Random(2024);
        ParamStore ps = new ParamStore(DataType.FLOAT, 5);
        TransformerBlock[] blocks = new TransformerBlock[DEPTH];
        for (int i = 0; i < DEPTH; i++) blocks[i] = new TransformerBlock(ps.scope("blocks." + i), C, HEADS, HIDDEN, true);
        TestArrays.randomizeParams(ps, rnd, 0.2); // adaLN-Zero would zero the gates and most gradients
        TokenGroups groups = TokenGroups.levelMajor(LEVELS, 1, PER_LEVEL);
        AttentionMask mask = AttentionMask.levelCausal(groups);
        INDArray x = normal(DataType.FLOAT, rnd, 1.0, B * T, C);
        INDArray cond = normal(DataType.FLOAT, rnd, 1.0, B, C);
        INDArray target = normal(DataType.FLOAT, rnd, 1.0, B * T, C);

        // ---- hand-written forward / backward
        INDArray h = x;
        for (TransformerBlock blk : blocks) h = blk.forward(h, cond, B, mask);
        INDArray diff = h.sub(target);
        double loss = diff.mul(diff).meanNumber().doubleValue();
        INDArray dy = diff.mul(2.0 / diff.length());
        ps.zeroGrads();
        INDArray dCond = Nd4j.zeros(DataType.FLOAT, B, C);
        INDArray dh = dy;
        for (int i = DEPTH - 1; i >= 0; i--) dh = blocks[i].backward(dh, dCond);
        INDArray dx = dh;

        // ---- SameDiff from primitives, same weights by name
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> w = new LinkedHashMap<>();
        for (Param p : ps.all()) w.put(p.name(), sd.var(p.name(), p.value().dup()));
        SDVariable sx = sd.var("x", x.dup());
        SDVariable sc = sd.var("cond", cond.dup());
        SDVariable st = sd.constant("target", target.dup());
        SDVariable maskAdd = sd.constant("mask", additiveMask(groups));
        SDVariable sh = sx;
        for (int i = 0; i < DEPTH; i++) sh = sdBlock(sd, w, "blocks." + i, sh, sc, maskAdd);
        SDVariable sy = sd.identity("y", sh);
        SDVariable sdiff = sy.sub(st);
        sd.mean("loss", sdiff.mul(sdiff));
        sd.setLossVariables("loss");

        List<String> names = new ArrayList<>(w.keySet());
        names.add("x");
        names.add("cond");
        Map<String, INDArray> sdOut;
        Map<String, INDArray> sdGrad;
        PrintStream out = System.out;
        try { // SameDiff prints "Added differentiated op ..." to System.out (pitfall 8)
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            sdOut = sd.output(Collections.emptyMap(), "loss", "y");
            sdGrad = sd.calculateGradients(Collections.emptyMap(), names);
        } finally {
            System.setOut(out);
        }

        // ---- compare
        double sdLoss = sdOut.get("loss").getDouble(0);
        double lossErr = Math.abs(loss - sdLoss) / Math.abs(sdLoss);
        double yErr = normRelErr(h, sdOut.get("y"));
        System.out.printf("[samediff-oracle] loss hand %.7f samediff %.7f rel err %.2e; output rel err %.2e%n", loss, sdLoss, lossErr, yErr);
        assertTrue(lossErr <= TOL, "loss rel err " + lossErr);
        assertTrue(yErr <= TOL, "output rel err " + yErr);

        Map<String, INDArray> hand = new LinkedHashMap<>();
        for (Param p : ps.all()) hand.put(p.name(), p.grad());
        hand.put("x", dx);
        hand.put("cond", dCond);
        assertEquals(DEPTH * 10 + 2, hand.size());
        double worst = 0;
        String worstName = "";
        StringBuilder failures = new StringBuilder();
        for (var e : hand.entrySet()) {
            INDArray ref = sdGrad.get(e.getKey());
            assertTrue(ref != null, "SameDiff gave no gradient for " + e.getKey());
            assertTrue(ref.norm2Number().doubleValue() > 0, "reference gradient of " + e.getKey() + " is zero");
            assertEquals(DataType.FLOAT, e.getValue().dataType());
            double err = normRelErr(e.getValue(), ref);
            System.out.printf("[samediff-oracle]   d%-26s rel err %.2e  (‖g‖ %.3e)%n", e.getKey(), err, ref.norm2Number().doubleValue());
            if (!(err <= TOL)) failures.append(String.format("%n  %s %.3e", e.getKey(), err));
            if (err > worst) { worst = err; worstName = e.getKey(); }
        }
        System.out.printf("[samediff-oracle] max gradient rel err %.2e (%s) over %d tensors%n", worst, worstName, hand.size());
        assertTrue(failures.length() == 0, "gradients disagree with SameDiff:" + failures);
    }

    /** 0 where the level-causal rule allows query token a to see key token b, −1e9 elsewhere ([T, T]). */
    private static INDArray additiveMask(TokenGroups g) {
        int[] lv = g.tokenLevels(), tm = g.tokenTimes();
        float[][] m = new float[T][T];
        for (int a = 0; a < T; a++)
            for (int b = 0; b < T; b++)
                m[a][b] = lv[b] <= lv[a] && tm[b] <= tm[a] ? 0f : -1e9f;
        return Nd4j.create(m);
    }

    /** Constant [rows·n, n]-shaped 0/1 matrix picking columns {@code [i·n, (i+1)·n)} of a {@code [·, rows·n]} input. */
    private static INDArray selector(int parts, int n, int i) {
        INDArray s = Nd4j.zeros(DataType.FLOAT, (long) parts * n, n);
        for (int j = 0; j < n; j++) s.putScalar((long) i * n + j, j, 1.0);
        return s;
    }

    private static SDVariable linear(Map<String, SDVariable> w, String prefix, SDVariable x2d) {
        return x2d.mmul(w.get(prefix + ".w")).add(w.get(prefix + ".b"));
    }

    /** Layer norm over the last axis of {@code [B, T, C]}, with ε, no affine. */
    private static SDVariable layerNorm(SameDiff sd, SDVariable x3) {
        SDVariable mu = sd.mean(x3, true, 2);
        SDVariable xc = x3.sub(mu);
        SDVariable var = sd.mean(xc.mul(xc), true, 2);
        return xc.div(sd.math.sqrt(var.add(EPS)));
    }

    /** {@code ½x(1 + tanh(√(2/π)(x + 0.044715x³)))}. */
    private static SDVariable geluTanh(SameDiff sd, SDVariable x) {
        SDVariable inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2.0 / Math.PI));
        return x.mul(0.5).mul(sd.math.tanh(inner).add(1.0));
    }

    /** {@code [B·T, C]} → {@code [B, H, T, d]}. */
    private static SDVariable heads(SameDiff sd, SDVariable x2d) {
        return sd.permute(sd.reshape(x2d, B, T, HEADS, C / HEADS), 0, 2, 1, 3);
    }

    private static SDVariable sdBlock(SameDiff sd, Map<String, SDVariable> w, String p, SDVariable x2d, SDVariable cond,
                                      SDVariable maskAdd) {
        SDVariable mod = linear(w, p + ".adaLN", cond); // [B, 6C]
        SDVariable[] ch = new SDVariable[6];           // shift1, scale1, gate1, shift2, scale2, gate2 as [B, 1, C]
        for (int i = 0; i < 6; i++) ch[i] = sd.reshape(mod.mmul(sd.constant(selector(6, C, i))), B, 1, C);

        SDVariable x3 = sd.reshape(x2d, B, T, C);
        SDVariable m1 = layerNorm(sd, x3).mul(ch[1].add(1.0)).add(ch[0]);
        SDVariable qkv = linear(w, p + ".attn.qkv", sd.reshape(m1, B * T, C)); // [B·T, 3C]
        SDVariable q = heads(sd, qkv.mmul(sd.constant(selector(3, C, 0)))).mul(1.0 / Math.sqrt(C / HEADS));
        SDVariable k = heads(sd, qkv.mmul(sd.constant(selector(3, C, 1))));
        SDVariable v = heads(sd, qkv.mmul(sd.constant(selector(3, C, 2))));
        SDVariable scores = sd.mmul(q, k, false, true, false).add(maskAdd); // [B, H, T, T]
        SDVariable probs = sd.nn.softmax(scores, 3);
        SDVariable o = sd.reshape(sd.permute(sd.mmul(probs, v), 0, 2, 1, 3), B * T, C);
        SDVariable a = sd.reshape(linear(w, p + ".attn.proj", o), B, T, C);
        SDVariable x1 = x3.add(a.mul(ch[2]));

        SDVariable m2 = layerNorm(sd, x1).mul(ch[4].add(1.0)).add(ch[3]);
        SDVariable hid = geluTanh(sd, linear(w, p + ".mlp.fc1", sd.reshape(m2, B * T, C)));
        SDVariable f = sd.reshape(linear(w, p + ".mlp.fc2", hid), B, T, C);
        return sd.reshape(x1.add(f.mul(ch[5])), B * T, C);
    }
}
