package io.dcsldm.train.tok;

import io.dcsldm.tok.LinearCode;
import io.dcsldm.tok.TokenLayout;
import io.dcsldm.train.eval.PcaBaseline;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The local linear code: every latent float's component lives in its own token's patch, the components are
 * orthonormal and follow the shared patch PCA level by level, and content moved by a whole patch moves its
 * coordinates to the neighbouring token unchanged (the property the DiT relies on).
 */
class PatchLinearCodeTest {
    // 2 channels, 8×8 basis, 2×2 token grid of 4×4 patches; 2 levels × 1 token × 3 channels = 6 floats per patch of 32 values
    static final int C = 2, H = 8, W = 8, LEVELS = 2, M = 1, LC = 3;
    static final TokenLayout LAYOUT = new TokenLayout(LEVELS, 1, 2, 2, M);

    /** Images of a few random strokes per patch: structured enough that the patch PCA's components are distinct. */
    static float[][] samples(int n, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][C * H * W];
        for (float[] img : x)
            for (int k = 0; k < 6; k++) {
                int c = r.nextInt(C), y = r.nextInt(H), x0 = r.nextInt(W - 2);
                float v = r.nextFloat();
                for (int d = 0; d < 3; d++) img[(c * H + y) * W + x0 + d] = v;
            }
        return x;
    }

    static LinearCode code() { return PatchLinearCode.fit(samples(400, 1), C, H, W, LAYOUT, LC); }

    @Test
    void componentsAreOrthonormalLocalToTheirTokensPatchAndFollowTheSharedPatchPca() {
        LinearCode code = code();
        int floats = LAYOUT.tokens() * LC;
        assertEquals(floats, code.floats());
        INDArray u = code.components().castTo(DataType.DOUBLE);
        INDArray gram = u.mmul(u.transpose());
        assertTrue(gram.sub(Nd4j.eye(floats).castTo(DataType.DOUBLE)).amaxNumber().doubleValue() < 1e-5, "components orthonormal");

        float[][] patches = new float[400 * 4][];
        int i = 0;
        for (float[] x : samples(400, 1))
            for (int s = 0; s < 4; s++) patches[i++] = PatchLinearCode.cut(x, C, H, W, (s / 2) * 4, (s % 2) * 4, 4, 4);
        PcaBaseline pca = PcaBaseline.fit(patches);
        int perLevel = 4 * M * LC;
        for (int f = 0; f < floats; f++) {
            int level = f / perLevel, token = (f % perLevel) / LC, ch = f % LC, patch = token / M;
            int rank = level * M * LC + (token % M) * LC + ch;
            double[] row = u.getRow(f).toDoubleVector();
            double[] expected = new double[C * H * W];
            PatchLinearCode.paste(pca.component(rank), expected, C, H, W, (patch / 2) * 4, (patch % 2) * 4, 4, 4);
            double dot = 0;
            for (int j = 0; j < row.length; j++) {
                if (expected[j] == 0) assertEquals(0, row[j], 0, "float " + f + " reaches outside patch " + patch);
                dot += row[j] * expected[j];
            }
            assertEquals(1, Math.abs(dot), 1e-4, "float " + f + " is component " + rank + " of patch " + patch);
            assertEquals(2 * Math.sqrt(pca.eigenvalues()[rank]), code.scale().getDouble(f), 1e-4, "scale of float " + f);
        }
    }

    @Test
    void contentMovedByOnePatchMovesItsCoordinatesToTheNeighbouringToken() {
        LinearCode code = code();
        float[] stroke = new float[C * H * W];
        stroke[(0 * H + 1) * W + 1] = 0.9f;
        stroke[(1 * H + 2) * W + 2] = 0.6f;
        float[] moved = new float[C * H * W];
        for (int c = 0; c < C; c++)                      // the same content one patch (4 px) to the right
            for (int y = 0; y < H; y++)
                for (int x = 0; x + 4 < W; x++) moved[(c * H + y) * W + x + 4] = stroke[(c * H + y) * W + x];
        INDArray z = code.encode(toScaled(stroke)), zm = code.encode(toScaled(moved)), zero = code.encode(toScaled(new float[C * H * W]));
        int perLevel = 4 * M * LC;
        for (int f = 0; f < LAYOUT.tokens() * LC; f++) {
            int patch = (f % perLevel) / (M * LC);
            if (patch == 0) {
                assertEquals(z.getDouble(f), zm.getDouble(f + M * LC), 1e-4, "float " + f + " moved to patch 1");
                assertNotEquals(zero.getDouble(f), z.getDouble(f), 1e-6, "float " + f + " sees its patch");
            } else if (patch != 1) {
                assertEquals(zero.getDouble(f), z.getDouble(f), 1e-5, "float " + f + " of patch " + patch + " ignores patch 0");
            }
        }
    }

    @Test
    void aGridThatDoesNotTileOrALatentLargerThanAPatchIsRefusedWithTheSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PatchLinearCode.fit(samples(10, 2), C, H, W, new TokenLayout(LEVELS, 1, 3, 3, M), LC));
        assertTrue(e.getMessage().contains("3×3") && e.getMessage().contains("8×8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PatchLinearCode.fit(samples(10, 2), C, H, W, new TokenLayout(12, 1, 2, 2, M), LC));
        assertTrue(e.getMessage().contains("36 floats") && e.getMessage().contains("32 values"), e.getMessage());
    }

    /** [0, 1] pixels → a {@code [1, C, H, W]} batch on the code's [−1, 1] scale. */
    static INDArray toScaled(float[] x) {
        return Nd4j.create(x, new long[]{1, C, H, W}, 'c').muli(2).subi(1);
    }
}
