package io.dcsldm.train.eval;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fréchet distance between two Gaussians fitted to feature sets (the formula behind FID / FVD):
 *
 * <pre>  d² = ||μ1 − μ2||² + Tr(S1 + S2 − 2 (S1 S2)^{1/2})</pre>
 *
 * <p>The trace of the matrix square root is computed stably without a non-symmetric square root:
 * {@code S1 S2} is similar to the symmetric PSD matrix {@code M = S1^{1/2} S2 S1^{1/2}}, so
 * {@code Tr((S1 S2)^{1/2}) = Σ sqrt(λ_i(M))}. {@code S1^{1/2}} comes from a symmetric eigen
 * decomposition with negative eigenvalues (rounding noise) set to 0; eigenvalues of {@code M} below 0
 * are likewise set to 0. Everything is double precision ({@link SymmetricEigen}).
 *
 * <p>Covariances of feature sets are sample covariances (divisor {@code N − 1}, as {@code numpy.cov}
 * and the reference FID code). The result is the squared distance {@code d²} (what FID reports);
 * tiny negative values from rounding are returned as 0. No pretrained network is involved: the
 * features are whatever the caller supplies, and must be reported under the feature extractor's own
 * name (not as "FID").
 */
public final class FrechetDistance {
    private FrechetDistance() {
    }

    /**
     * @param a features of set 1, {@code [N1][d]}, N1 ≥ 2
     * @param b features of set 2, {@code [N2][d]}, N2 ≥ 2
     * @return squared Fréchet distance between the fitted Gaussians
     */
    public static double compute(double[][] a, double[][] b) {
        double[] m1 = mean(a);
        double[] m2 = mean(b);
        if (m1.length != m2.length) {
            throw new IllegalArgumentException("feature dimensions differ: " + m1.length + " vs " + m2.length);
        }
        return compute(m1, covariance(a, m1), m2, covariance(b, m2));
    }

    /**
     * @param mu1 mean 1
     * @param s1 covariance 1 (symmetric PSD)
     * @param mu2 mean 2
     * @param s2 covariance 2 (symmetric PSD)
     * @return squared Fréchet distance
     */
    public static double compute(double[] mu1, double[][] s1, double[] mu2, double[][] s2) {
        int d = mu1.length;
        if (mu2.length != d || s1.length != d || s2.length != d) {
            throw new IllegalArgumentException("dimension mismatch: mu1 " + d + ", mu2 " + mu2.length + ", S1 " + s1.length
                    + ", S2 " + s2.length);
        }
        double dm = 0;
        for (int i = 0; i < d; i++) {
            double t = mu1[i] - mu2[i];
            dm += t * t;
        }
        double tr = 0;
        for (int i = 0; i < d; i++) {
            tr += s1[i][i] + s2[i][i];
        }
        return Math.max(0, dm + tr - 2 * traceSqrtProduct(s1, s2));
    }

    /**
     * @param s1 symmetric PSD matrix
     * @param s2 symmetric PSD matrix
     * @return {@code Tr((S1 S2)^{1/2})} via the eigenvalues of {@code S1^{1/2} S2 S1^{1/2}}
     */
    public static double traceSqrtProduct(double[][] s1, double[][] s2) {
        int d = s1.length;
        double[][] r = SymmetricEigen.of(s1).apply(l -> Math.sqrt(Math.max(0, l)));
        double[][] rs = multiply(multiply(r, s2), r);
        double[] ev = SymmetricEigen.of(rs).values();
        double t = 0;
        for (int i = 0; i < d; i++) {
            t += Math.sqrt(Math.max(0, ev[i]));
        }
        return t;
    }

    /**
     * @param x samples {@code [N][d]}
     * @return column means
     */
    public static double[] mean(double[][] x) {
        if (x.length < 2) {
            throw new IllegalArgumentException("need at least 2 feature vectors, got " + x.length);
        }
        int d = x[0].length;
        double[] m = new double[d];
        for (double[] row : x) {
            if (row.length != d) {
                throw new IllegalArgumentException("feature vectors differ in length: " + row.length + " vs " + d);
            }
            for (int j = 0; j < d; j++) {
                m[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            m[j] /= x.length;
        }
        return m;
    }

    /**
     * @param x samples {@code [N][d]}
     * @param mean their mean
     * @return sample covariance (divisor N − 1), one double-precision ND4J GEMM
     */
    public static double[][] covariance(double[][] x, double[] mean) {
        int d = mean.length;
        int n = x.length;
        double[] flat = new double[Math.multiplyExact(n, d)];
        for (int i = 0; i < n; i++) {
            if (x[i].length != d) {
                throw new IllegalArgumentException("feature vectors differ in length: " + x[i].length + " vs " + d);
            }
            for (int j = 0; j < d; j++) {
                flat[i * d + j] = x[i][j] - mean[j];
            }
        }
        INDArray xc = Nd4j.create(flat, new long[] {n, d}, DataType.DOUBLE);
        double[][] c = xc.transpose().mmul(xc).divi(n - 1).toDoubleMatrix();
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                double v = 0.5 * (c[i][j] + c[j][i]);
                c[i][j] = v;
                c[j][i] = v;
            }
        }
        return c;
    }

    private static double[][] multiply(double[][] a, double[][] b) {
        return Nd4j.create(a).castTo(DataType.DOUBLE).mmul(Nd4j.create(b).castTo(DataType.DOUBLE)).toDoubleMatrix();
    }
}
