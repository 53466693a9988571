package io.dcsldm.core.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Random;

import static io.dcsldm.core.nn.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LayerNorm} takes its row statistics as single reductions (squared norm, row-wise dot product). They sum
 * the same terms in the same order as the plain two-pass forms, so in fp32 the results must be the same bits —
 * a change of rounding here would silently change every trained model's outputs.
 */
class LayerNormTest {
    @Test
    void singleReductionsGiveTheBitsOfTheTwoPassForms() {
        Random rnd = new Random(6);
        double eps = 1e-6;
        LayerNorm ln = new LayerNorm(new ParamStore(DataType.FLOAT, 1).scope("ln"), 256, eps, false);
        INDArray x = normal(DataType.FLOAT, rnd, 3.0, 64, 256).addi(1.0), g = normal(DataType.FLOAT, rnd, 1.0, 64, 256);
        INDArray y = ln.forward(x).dup(), dx = ln.backward(g);

        INDArray xc = x.subColumnVector(x.mean(true, 1));
        INDArray rstd = Transforms.pow(xc.mul(xc).mean(true, 1).addi(eps), -0.5, false);
        INDArray xhat = xc.mulColumnVector(rstd);
        INDArray expectedDx = xhat.mulColumnVector(g.mul(xhat).mean(true, 1)).rsubi(g)
                .subiColumnVector(g.mean(true, 1)).muliColumnVector(rstd);
        assertTrue(Ops.bitIdentical(xhat, y), "forward");
        assertTrue(Ops.bitIdentical(expectedDx, dx), "backward");
    }
}
