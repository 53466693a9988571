package io.dcsldm.train.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dcsldm.train.data.DataException;
import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.data.ImageSet;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MovingMnistTest {

    /** Random "digits" of 28×28 with values in [0, 0.5] (two of them never clip), labels 0..n−1. */
    static ImageSet fakeDigits(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] im = new float[n][28 * 28];
        int[] lab = new int[n];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < im[i].length; p++) im[i][p] = (float) (0.5 * r.nextDouble());
            lab[i] = i;
        }
        return new ImageSet(im, lab, 1, 28, 28, "fake digits");
    }

    private static MovingMnist.Options opts(int digits) {
        MovingMnist.Options o = new MovingMnist.Options();
        o.digits = digits;
        return o;
    }

    @Test
    void sameSeedAndIndexGiveIdenticalClipsOtherIndicesDiffer() {
        ImageSet d = fakeDigits(10, 1);
        float[][] a = new MovingMnist(d, 7, opts(2)).clip(3).render(8, 32);
        float[][] b = new MovingMnist(d, 7, opts(2)).clip(3).render(8, 32);
        float[][] c = new MovingMnist(d, 7, opts(2)).clip(4).render(8, 32);
        float[][] e = new MovingMnist(d, 8, opts(2)).clip(3).render(8, 32);
        assertEquals(8, a.length);
        for (int i = 0; i < a.length; i++) assertArrayEquals(a[i], b[i]);
        assertFalse(Arrays.equals(a[0], c[0]));
        assertFalse(Arrays.equals(a[0], e[0]));
    }

    @Test
    void trajectoriesAreContinuousBoundedAndBounce() {
        MovingMnist.Options o = opts(1);
        o.minSpeed = o.maxSpeed = 2.0; // several bounces per second
        MovingMnist.Clip clip = new MovingMnist(fakeDigits(3, 2), 3, o).clip(0);
        double range = 1 - o.digitSize, dt = 1e-4;
        double[] prev = clip.position(0, 0);
        boolean bouncedX = false;
        double lastVx = clip.sprites()[0].vx();
        for (double t = dt; t <= 1.0; t += dt) {
            double[] p = clip.position(0, t);
            for (int a = 0; a < 2; a++) {
                assertTrue(p[a] >= 0 && p[a] <= range, "position leaves the canvas: " + p[a]);
                assertTrue(Math.abs(p[a] - prev[a]) <= 2.0 * dt + 1e-12, "jump at t=" + t);
            }
            double vx = (p[0] - prev[0]) / dt;
            if (Math.signum(vx) != Math.signum(lastVx) && Math.abs(vx) > 1) bouncedX = true;
            if (Math.abs(vx) > 1) lastVx = vx;
            prev = p;
        }
        assertTrue(bouncedX || Math.abs(clip.sprites()[0].vx()) < 0.5, "a fast digit should bounce off a vertical border within 1 s");
    }

    @Test
    void foldIsATriangleWave() {
        assertEquals(0.25, MovingMnist.fold(0.25, 0.5), 1e-15);
        assertEquals(0.4, MovingMnist.fold(0.6, 0.5), 1e-15);
        assertEquals(0.1, MovingMnist.fold(-0.1, 0.5), 1e-15);
        assertEquals(0.3, MovingMnist.fold(1.3, 0.5), 1e-12);
        assertEquals(0.5, MovingMnist.fold(0.5, 0.5), 1e-15);
    }

    @Test
    void framesAreTheSceneAtTheirIntervalCentreAtEveryFrameRate() {
        MovingMnist.Clip clip = new MovingMnist(fakeDigits(5, 3), 11, opts(2)).clip(1);
        for (int fps : new int[]{8, 16, 32}) {
            float[][] f = clip.render(fps, 24);
            assertEquals(fps, f.length);
            for (int i : new int[]{0, fps / 2, fps - 1})
                assertArrayEquals(clip.renderAt((i + 0.5) / fps, 24), f[i], 0f, "fps " + fps + " frame " + i);
        }
        // nearby instants give nearby frames (continuous motion), distant ones do not
        float[] a = clip.renderAt(0.5, 32), b = clip.renderAt(0.5 + 1e-4, 32), c = clip.renderAt(0.9, 32);
        assertTrue(maxAbs(a, b) < 0.01, "frames 0.1 ms apart differ by " + maxAbs(a, b));
        assertTrue(maxAbs(a, c) > 0.1);
    }

    @Test
    void areaAveragingTheDoubleSizeRenderGivesTheSingleSizeRender() {
        MovingMnist.Clip clip = new MovingMnist(fakeDigits(5, 4), 5, opts(2)).clip(2);
        for (double t : new double[]{0.0, 0.37, 0.81}) {
            for (int s : new int[]{16, 32, 40}) {
                float[] big = clip.renderAt(t, 2 * s), small = clip.renderAt(t, s);
                float[] down = new float[s * s];
                for (int i = 0; i < s; i++)
                    for (int j = 0; j < s; j++)
                        down[i * s + j] = (big[2 * i * 2 * s + 2 * j] + big[2 * i * 2 * s + 2 * j + 1]
                                + big[(2 * i + 1) * 2 * s + 2 * j] + big[(2 * i + 1) * 2 * s + 2 * j + 1]) / 4;
                assertTrue(maxAbs(down, small) < 1e-5, "t=" + t + " size " + s + ": " + maxAbs(down, small));
            }
        }
    }

    @Test
    void intensityIsConservedAcrossTimeAndResolution() {
        // one digit, fully inside the canvas at all times: its integral is Σ pixels · cell² at any t and size
        ImageSet d = fakeDigits(1, 5);
        MovingMnist.Options o = opts(1);
        MovingMnist.Clip clip = new MovingMnist(d, 1, o).clip(0);
        double cell = o.digitSize / 28, mass = 0;
        for (float v : d.image(0)) mass += v * cell * cell;
        for (double t : new double[]{0.1, 0.5, 0.95})
            for (int s : new int[]{17, 32, 64}) {
                double sum = 0;
                for (float v : clip.renderAt(t, s)) sum += v;
                assertEquals(mass, sum / ((double) s * s), 1e-6, "t=" + t + " size " + s);
            }
    }

    @Test
    void badArgumentsAreClearErrors() {
        ImageSet d = fakeDigits(2, 6);
        MovingMnist.Options o = opts(1);
        o.duration = 1.0;
        MovingMnist.Clip clip = new MovingMnist(d, 1, o).clip(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> clip.render(7.5, 16));
        assertTrue(e.getMessage().contains("not a whole number"), e.getMessage());
        MovingMnist.Options bad = opts(1);
        bad.digitSize = 1.5;
        assertThrows(IllegalArgumentException.class, () -> new MovingMnist(d, 1, bad));
        ImageSet rgb = new ImageSet(new float[][]{new float[3 * 4]}, null, 3, 2, 2, "rgb");
        assertThrows(IllegalArgumentException.class, () -> new MovingMnist(rgb, 1, opts(1)));
    }

    @Test
    void realMnistDigitsWhenInstalled() {
        ImageSet mnist;
        try {
            mnist = Datasets.load("mnist:test", 100);
        } catch (DataException e) {
            System.err.println("MovingMnistTest: real MNIST not installed, checked fake digits only (" + e.getMessage() + ")");
            return;
        }
        MovingMnist mm = new MovingMnist(mnist, 42, opts(2));
        float[][] f = mm.clip(0).render(16, 64);
        assertEquals(16, f.length);
        double mean = 0;
        for (float v : f[0]) mean += v;
        mean /= f[0].length;
        // two MNIST digits (≈19 % ink on 28×28 each) on a 64×64 canvas: a few percent ink
        assertTrue(mean > 0.01 && mean < 0.2, "mean intensity " + mean);
        assertTrue(mm.clip(0).label() >= 0 && mm.clip(0).label() <= 9);
    }

    private static float maxAbs(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
