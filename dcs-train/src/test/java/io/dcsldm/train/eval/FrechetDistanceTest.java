package io.dcsldm.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FrechetDistanceTest {
    @Test
    void oneDimensionalAndDiagonalClosedForms() {
        // 1-D: (m1 - m2)^2 + (s1 - s2)^2 with s the standard deviations
        assertEquals(Math.pow(1.0 - 3.0, 2) + Math.pow(2 - 0.5, 2),
                FrechetDistance.compute(new double[] {1}, new double[][] {{4}}, new double[] {3}, new double[][] {{0.25}}), 1e-12);
        // commuting (diagonal) covariances: sum of (sqrt a - sqrt b)^2
        double[][] a = {{1, 0, 0}, {0, 4, 0}, {0, 0, 9}};
        double[][] b = {{4, 0, 0}, {0, 4, 0}, {0, 0, 1}};
        double[] mu = {0, 0, 0};
        assertEquals(1 + 0 + 4, FrechetDistance.compute(mu, a, mu, b), 1e-10);
        assertEquals(0, FrechetDistance.compute(mu, a, mu, a), 1e-10);
    }

    @Test
    void nonCommutingTwoByTwoClosedForm() {
        // for 2x2 M with positive eigenvalues Tr(sqrt M) = sqrt(Tr M + 2 sqrt(det M)); M = S1 S2
        double[][] s1 = {{2.0, 0.8}, {0.8, 1.0}};
        double[][] s2 = {{0.5, -0.3}, {-0.3, 1.5}};
        double[][] m = {
            {s1[0][0] * s2[0][0] + s1[0][1] * s2[1][0], s1[0][0] * s2[0][1] + s1[0][1] * s2[1][1]},
            {s1[1][0] * s2[0][0] + s1[1][1] * s2[1][0], s1[1][0] * s2[0][1] + s1[1][1] * s2[1][1]}};
        double tr = m[0][0] + m[1][1];
        double det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
        double trSqrt = Math.sqrt(tr + 2 * Math.sqrt(det));
        assertEquals(trSqrt, FrechetDistance.traceSqrtProduct(s1, s2), 1e-12);
        double[] m1 = {0.3, -1};
        double[] m2 = {1, 1};
        double expect = 0.49 + 4 + (2 + 1 + 0.5 + 1.5) - 2 * trSqrt;
        assertEquals(expect, FrechetDistance.compute(m1, s1, m2, s2), 1e-12);
    }

    @Test
    void threeDimensionalSciPyReference() {
        // scipy: ((m1-m2)**2).sum() + trace(S1 + S2 - 2 sqrtm(S1 @ S2).real)
        double[][] s1 = {{2.0, 0.3, 0.1}, {0.3, 1.0, -0.2}, {0.1, -0.2, 0.5}};
        double[][] s2 = {{1.0, -0.4, 0.0}, {-0.4, 3.0, 0.6}, {0.0, 0.6, 0.8}};
        assertEquals(1.4674195485434995, FrechetDistance.compute(new double[] {0.1, 0.2, 0.3}, s1, new double[] {-0.3, 0.5, 0.0}, s2),
                1e-10);
    }

    @Test
    void samplesFromKnownGaussians() {
        // X ~ N(0, diag(1, 4)), Y ~ N((1, 0), diag(4, 1)): d^2 = 1 + (1-2)^2 + (2-1)^2 = 3
        Random r = new Random(5);
        int n = 20000;
        double[][] x = new double[n][2];
        double[][] y = new double[n][2];
        for (int i = 0; i < n; i++) {
            x[i][0] = r.nextGaussian();
            x[i][1] = 2 * r.nextGaussian();
            y[i][0] = 1 + 2 * r.nextGaussian();
            y[i][1] = r.nextGaussian();
        }
        double d = FrechetDistance.compute(x, y);
        assertEquals(3.0, d, 0.1);
        // exactly the formula applied to the sample statistics (N-1 covariances)
        double[] mx = FrechetDistance.mean(x);
        double[] my = FrechetDistance.mean(y);
        assertEquals(FrechetDistance.compute(mx, FrechetDistance.covariance(x, mx), my, FrechetDistance.covariance(y, my)), d, 1e-12);
        // identical sets: 0 (clamped at 0 against rounding)
        assertEquals(0.0, FrechetDistance.compute(x, x), 1e-9);
        // sample covariance uses N - 1
        double[][] pts = {{0}, {2}};
        assertEquals(2.0, FrechetDistance.covariance(pts, FrechetDistance.mean(pts))[0][0], 1e-15);
    }
}
