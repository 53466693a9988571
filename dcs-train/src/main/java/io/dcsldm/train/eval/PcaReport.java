package io.dcsldm.train.eval;

import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.data.ImageSet;
import java.util.Arrays;
import java.util.Locale;

/**
 * Command-line PCA baseline: fit on a training spec, report mean test PSNR for several {@code k}.
 *
 * <pre>
 * java -cp ... io.dcsldm.train.eval.PcaReport [trainSpec] [nTrain] [testSpec] [nTest] [k,k,...]
 * defaults: fashion-mnist:train 60000 fashion-mnist:test 10000 16,64,128,256
 * </pre>
 *
 * Prints the data sources ({@link Datasets.Source#describe()}), then one line per {@code k}:
 * PSNR unclamped and clamped to [0, 1], and the explained variance ratio.
 */
public final class PcaReport {
    private PcaReport() {
    }

    /**
     * @param args {@code [trainSpec] [nTrain] [testSpec] [nTest] [k,k,...]}
     */
    public static void main(String[] args) {
        String trainSpec = args.length > 0 ? args[0] : "fashion-mnist:train";
        int nTrain = args.length > 1 ? Integer.parseInt(args[1]) : 60000;
        String testSpec = args.length > 2 ? args[2] : "fashion-mnist:test";
        int nTest = args.length > 3 ? Integer.parseInt(args[3]) : 10000;
        int[] ks = Arrays.stream((args.length > 4 ? args[4] : "16,64,128,256").split(",")).mapToInt(Integer::parseInt).toArray();
        System.out.println(run(trainSpec, nTrain, testSpec, nTest, ks));
    }

    /**
     * @param trainSpec dataset spec to fit on
     * @param nTrain number of (first) training images
     * @param testSpec dataset spec to evaluate on
     * @param nTest number of (first) test images
     * @param ks component counts
     * @return the report text
     */
    public static String run(String trainSpec, int nTrain, String testSpec, int nTest, int... ks) {
        StringBuilder sb = new StringBuilder();
        long t0 = System.nanoTime();
        ImageSet train = Datasets.load(trainSpec, nTrain);
        ImageSet test = Datasets.load(testSpec, nTest);
        sb.append("train: ").append(train.source()).append('\n');
        sb.append("test:  ").append(test.source()).append('\n');
        long t1 = System.nanoTime();
        PcaBaseline p = PcaBaseline.fit(train);
        long t2 = System.nanoTime();
        double[] plain = p.meanPsnr(test, false, ks);
        double[] clamped = p.meanPsnr(test, true, ks);
        long t3 = System.nanoTime();
        sb.append(String.format(Locale.ROOT, "PCA fitted on %d images (d=%d), evaluated on %d images%n", train.size(), p.dimension(),
                test.size()));
        for (int i = 0; i < ks.length; i++) {
            sb.append(String.format(Locale.ROOT, "k=%4d  mean PSNR %.3f dB  (clamped %.3f dB)  explained variance %.4f%n", ks[i],
                    plain[i], clamped[i], p.explainedVarianceRatio(ks[i])));
        }
        sb.append(String.format(Locale.ROOT, "time: load %.1f s, fit %.1f s, evaluate %.1f s", (t1 - t0) / 1e9, (t2 - t1) / 1e9,
                (t3 - t2) / 1e9));
        return sb.toString();
    }
}
