package io.dcsldm.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/** Deterministic test data (java.util.Random, independent of ND4J's generator) and error measures. */
final class TestArrays {
    private TestArrays() {}

    /** N(0, std²) array of the given dtype and shape, c-order, outside any workspace. */
    static INDArray normal(DataType dt, Random rnd, double std, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        double[] d = new double[(int) n];
        for (int i = 0; i < d.length; i++) d[i] = rnd.nextGaussian() * std;
        return Nd4j.create(d, shape, 'c').castTo(dt);
    }

    /**
     * Overwrites every parameter of the store with N(0, std²) values. adaLN-Zero starts from zero modulation
     * (and layer norms from γ = 1, β = 0), which makes many gradients trivially zero; random values exercise
     * every path.
     */
    static void randomizeParams(ParamStore store, Random rnd, double std) {
        for (Param p : store.all()) p.value().assign(normal(p.value().dataType(), rnd, std, p.value().shape()));
    }

    /** Norm-wise relative error {@code ‖a − b‖₂ / ‖b‖₂} ({@code b} is the reference). */
    static double normRelErr(INDArray a, INDArray b) {
        INDArray ad = a.castTo(DataType.DOUBLE), bd = b.castTo(DataType.DOUBLE);
        double diff = ad.sub(bd).norm2Number().doubleValue();
        double ref = bd.norm2Number().doubleValue();
        return diff / Math.max(ref, 1e-30);
    }

    /** max |a − b| in double. */
    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
