package io.dcsldm.dit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A limit of the design, measured with exact velocities rather than a trained model (docs/video.md, "Why the
 * clips are not coherent in time"). With one noise level shared by all tokens (DESIGN §3.3) and a causal mask, the
 * velocity of an earlier group of tokens can only be {@code E[v | its own x_t]}, not {@code E[v | all x_t]}. Its
 * marginal stays exact, but the coupling between groups does not: the sampled groups are less correlated than the
 * data. Whitened PCA levels are nearly uncorrelated, so the level-causal mask loses little; consecutive temporal
 * patches of a video are strongly correlated, so the time-causal mask loses much.
 *
 * <p>Data: two zero-mean unit-variance Gaussian coordinates with correlation ρ (the same coordinate in two
 * consecutive temporal patches). For Gaussian data the optimal velocity of the rectified flow
 * {@code x_t = (1 − t)·z + t·ε} is linear, {@code u(x) = K_t·C_t⁻¹·x} with {@code C_t = (1 − t)²Σ + t²I} and
 * {@code K_t = tI − (1 − t)Σ}; the causal velocity of the first coordinate regresses on it alone.</p>
 *
 * <p>The remedy built for the video DiT ({@code video.cleanContext}, {@link FlowSampler#causalInTime}) generates the
 * first group on its own and then the second given the finished first one: the second's velocity is that of the
 * conditional {@code N(ρ·a, 1 − ρ²)}, {@code u(x) = (t − (1 − t)s²)(x − (1 − t)μ)/C − μ} with {@code C = (1 − t)²s² + t²}.
 * That keeps the whole correlation.</p>
 */
class CausalFlowCouplingTest {

    /** Correlation of the two coordinates of samples integrated (Euler, many steps) from noise with exact velocities. */
    static double sampledCorrelation(double rho, boolean causal) {
        return sampledCorrelation(rho, causal ? Mode.CAUSAL : Mode.JOINT);
    }

    enum Mode { JOINT, CAUSAL, CLEAN_CONTEXT }

    static double sampledCorrelation(double rho, Mode mode) {
        boolean causal = mode != Mode.JOINT;
        int n = 40000, steps = 400;
        SplittableRandom r = new SplittableRandom(3);
        double[] a = new double[n], b = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = gaussian(r);
            b[i] = gaussian(r);
        }
        for (int s = 0; s < steps; s++) {
            double t = 1.0 - (double) s / steps, dt = -1.0 / steps, u = 1 - t;
            // C = u²Σ + t²I and K = tI − uΣ for Σ = [[1, ρ], [ρ, 1]]
            double c11 = u * u + t * t, c12 = u * u * rho, det = c11 * c11 - c12 * c12;
            double k11 = t - u, k12 = -u * rho;
            // full regression K·C⁻¹ (symmetric 2×2)
            double i11 = c11 / det, i12 = -c12 / det;
            double m11 = k11 * i11 + k12 * i12, m12 = k11 * i12 + k12 * i11;
            double causalFirst = k11 / c11;                   // E[v₁ | x₁] alone
            for (int i = 0; i < n; i++) {
                double va = causal ? causalFirst * a[i] : m11 * a[i] + m12 * b[i];
                double vb = m12 * a[i] + m11 * b[i];          // the second coordinate sees both in either mask
                a[i] += va * dt;
                if (mode != Mode.CLEAN_CONTEXT) b[i] += vb * dt;
            }
        }
        if (mode == Mode.CLEAN_CONTEXT) // then the second group, given the finished first one (clean, t = 0)
            for (int s = 0; s < steps; s++) {
                double t = 1.0 - (double) s / steps, dt = -1.0 / steps, u = 1 - t, var = 1 - rho * rho;
                double c = u * u * var + t * t;
                for (int i = 0; i < n; i++) {
                    double mu = rho * a[i];
                    b[i] += ((t - u * var) * (b[i] - u * mu) / c - mu) * dt;
                }
            }
        double ma = 0, mb = 0;
        for (int i = 0; i < n; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= n;
        mb /= n;
        double cab = 0, vaa = 0, vbb = 0;
        for (int i = 0; i < n; i++) {
            cab += (a[i] - ma) * (b[i] - mb);
            vaa += (a[i] - ma) * (a[i] - ma);
            vbb += (b[i] - mb) * (b[i] - mb);
        }
        return cab / Math.sqrt(vaa * vbb);
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(Math.max(r.nextDouble(), 1e-300))) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    @Test
    void aCausalFlowWithOneSharedNoiseLevelLosesTheCouplingOfCorrelatedTokenGroups() {
        for (double rho : new double[]{0.15, 0.565, 0.9}) {
            double joint = sampledCorrelation(rho, false), causal = sampledCorrelation(rho, true);
            double clean = sampledCorrelation(rho, Mode.CLEAN_CONTEXT);
            System.out.printf("data correlation %.3f: sampled with the joint velocity %.3f, with the causal one %.3f, with clean context %.3f%n",
                    rho, joint, causal, clean);
            assertEquals(rho, joint, 0.02, "the exact joint flow reproduces the data's correlation (checks the integrator)");
            assertTrue(causal < 0.75 * rho, "the causal flow keeps " + causal / rho + " of correlation " + rho);
            assertEquals(rho, clean, 0.02, "generating the second group given the finished first keeps the correlation");
        }
    }
}
