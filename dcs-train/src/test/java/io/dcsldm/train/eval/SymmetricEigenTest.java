package io.dcsldm.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.junit.jupiter.api.Test;

class SymmetricEigenTest {
    @Test
    void agreesWithCommonsMath() {
        int d = 30;
        Random r = new Random(11);
        double[][] b = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                b[i][j] = r.nextGaussian();
            }
        }
        double[][] m = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                for (int k = 0; k < d; k++) {
                    m[i][j] += b[i][k] * b[j][k];
                }
            }
        }
        SymmetricEigen e = SymmetricEigen.of(m);
        double[] ref = new EigenDecomposition(new Array2DRowRealMatrix(m)).getRealEigenvalues(); // descending
        for (int k = 0; k < d; k++) {
            assertEquals(ref[k], e.values()[k], 1e-9 * Math.max(1, ref[0]));
            if (k > 0) {
                assertEquals(true, e.values()[k] <= e.values()[k - 1]);
            }
            // M v = λ v
            double[] v = e.vectors()[k];
            for (int i = 0; i < d; i++) {
                double mv = 0;
                for (int j = 0; j < d; j++) {
                    mv += m[i][j] * v[j];
                }
                assertEquals(e.values()[k] * v[i], mv, 1e-8);
            }
        }
        // apply(sqrt) squares back to M
        double[][] s = e.apply(Math::sqrt);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double ss = 0;
                for (int k = 0; k < d; k++) {
                    ss += s[i][k] * s[k][j];
                }
                assertEquals(m[i][j], ss, 1e-8);
            }
        }
    }
}
