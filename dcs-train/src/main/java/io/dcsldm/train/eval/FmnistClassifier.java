package io.dcsldm.train.eval;

import io.dcsldm.train.data.Batches;
import io.dcsldm.train.data.ImageSet;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.Consumer;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.CrashReportingUtil;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.PolySchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * A small CNN trained on Fashion-MNIST, used to <em>score generated images</em>: conditional accuracy
 * (does a sample generated for class {@code c} get classified as {@code c}?) and a Fréchet distance in
 * the space of its 128-wide feature layer ({@link #features}, fed to {@link FrechetDistance}).
 *
 * <p>This is not Inception and the distance is not FID: report it under its own name (e.g.
 * "FD<sub>fmnist-cnn</sub>") together with the classifier file it was measured with.
 *
 * <h2>Network</h2>
 * DL4J {@link MultiLayerNetwork}, input {@code [N, 1, 28, 28]} float32 in [0, 1] (no normalisation):
 * <pre>
 *   0 conv 5×5, 16, no bias   [N,16,28,28]  ("same" padding)
 *   1 max-pool 2×2 / 2        [N,16,14,14]
 *   2 batch norm
 *   3 ReLU
 *   4 conv 3×3, 64, no bias   [N,64,12,12]
 *   5 max-pool 2×2 / 2        [N,64,6,6]
 *   6 batch norm
 *   7 ReLU
 *   8 dense 128, ReLU         [N,128]   ← the feature layer
 *   9 softmax 10              [N,10]
 * </pre>
 * 306 k parameters (including the batch-norm running statistics). Trained with Adam, learning rate
 * decaying linearly from 2e-3 to 0 over the whole run, cross-entropy, no dropout or augmentation.
 *
 * <p>Why this shape (measured on 2 cores shared with another training run; numbers in
 * docs/data-and-eval.md): DL4J 1.0.0-M2.1 on CPU without oneDNN runs convolutions through im2col into a
 * permuted view and applies element-wise ops to strided arrays, so cost follows activation volume
 * rather than FLOPs. Caching the im2col columns for backprop ({@link CacheMode#DEVICE}, same result),
 * ReLU after max-pooling (same result, a quarter of the elements), 16 first-layer filters and no conv
 * bias (batch norm supplies it) train ≈2.3× faster than the plain conv-32/conv-64/ReLU net.
 * "Same" padding on the first conv then added 0.9 points of test accuracy at two epochs for ≈40 %
 * more time. Batch norm and the decaying learning rate helped in 200-step trials but made no
 * measurable difference at two full epochs. Two epochs reach ≈89.7 % test accuracy, three ≈90.1 %.
 *
 * <h2>Determinism</h2>
 * The seed fixes the weight initialisation and the order of the training images (one shuffle per
 * epoch, {@link Batches#epoch}); nothing else is random. On the same machine, backend and thread
 * count, two trainings with the same arguments give the same network.
 *
 * <h2>Files</h2>
 * {@link #save} writes DL4J's {@link ModelSerializer} zip (weights and configuration, without the
 * optimiser state, ≈1.1 MB) to a temporary file next to the target and renames it into place, so
 * the target is either the old or the new complete file. {@link #load} checks the file holds this
 * architecture; problems are one-line {@link IllegalArgumentException}s naming the file.
 *
 * <p>Instances are not thread-safe (DL4J networks are not).
 */
public final class FmnistClassifier {
    /** Image side the network takes. */
    public static final int SIZE = 28;
    /** Number of classes. */
    public static final int CLASSES = 10;
    /** Width of the feature layer ({@link #features}). */
    public static final int FEATURES = 128;
    /** Index of the feature layer among the network's layers. */
    public static final int FEATURE_LAYER = 8;
    /** Number of layers. */
    static final int LAYERS = 10;
    /** Adam learning rate at the first step; it decays linearly to 0 at the last. */
    public static final double LEARNING_RATE = 2e-3;

    /** Images per forward pass in {@link #predict}/{@link #features} (bounds activation memory). */
    private static final int EVAL_CHUNK = 500;

    static {
        // DL4J would write a memory crash dump into the working directory on an OutOfMemoryError; that
        // report needs oshi-core, which the build excludes (it drags in JNA natives for every OS).
        CrashReportingUtil.crashDumpsEnabled(false);
    }

    private static final SecureRandom TEMP_NAMES = new SecureRandom();

    private final MultiLayerNetwork net;
    /** Accuracy on the test set given to {@link #train}, after the last epoch; NaN if none. */
    private double trainedTestAccuracy = Double.NaN;

    private FmnistClassifier(MultiLayerNetwork net) {
        this.net = net;
    }

    /**
     * The untrained network with weights initialised from {@code seed}.
     *
     * @param seed initialisation seed
     * @param totalSteps Adam steps the learning rate decays over (≥ 1)
     * @return a fresh classifier
     */
    static FmnistClassifier create(long seed, int totalSteps) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(new PolySchedule(ScheduleType.ITERATION, LEARNING_RATE, 1.0, totalSteps)))
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Truncate)
                .cacheMode(CacheMode.DEVICE)
                .list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).stride(1, 1).hasBias(false)
                        .convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer(Activation.RELU))
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(64).stride(1, 1).hasBias(false)
                        .activation(Activation.IDENTITY).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer(Activation.RELU))
                .layer(new DenseLayer.Builder().nOut(FEATURES).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .setInputType(InputType.convolutional(SIZE, SIZE, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return new FmnistClassifier(net);
    }

    /**
     * Trains a classifier from scratch.
     *
     * @param train labelled 1×28×28 images
     * @param test labelled 1×28×28 images scored after every epoch, or {@code null} for none
     * @param epochs passes over {@code train} (≥ 1)
     * @param batch images per Adam step (≥ 1)
     * @param seed fixes initialisation and image order
     * @param log receives progress lines (about every 100 steps and after each epoch); may be {@code null}
     * @return the trained classifier
     * @throws IllegalArgumentException for unlabelled sets, wrong image shapes or bad counts
     */
    public static FmnistClassifier train(ImageSet train, ImageSet test, int epochs, int batch, long seed,
            Consumer<String> log) {
        Objects.requireNonNull(train, "train");
        Consumer<String> out = log == null ? s -> { } : log;
        requireFmnist(train, "training set");
        if (test != null) {
            requireFmnist(test, "test set");
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        if (train.size() == 0) {
            throw new IllegalArgumentException("training set is empty: " + train.source());
        }
        FmnistClassifier c = create(seed, Math.multiplyExact(epochs, Batches.batchesPerEpoch(train.size(), batch, false)));
        int n = train.size();
        int steps = Batches.batchesPerEpoch(n, batch, false);
        int[] labels = train.labels();
        out.accept(String.format(Locale.ROOT, "classifier: %d parameters, %d training images, %d epoch(s) x %d steps of %d",
                c.net.numParams(), n, epochs, steps, batch));
        long start = System.nanoTime();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            List<int[]> batches = Batches.epoch(n, batch, seed, epoch - 1, false);
            double lossSum = 0;
            int lossCount = 0;
            long epochStart = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                int[] idx = batches.get(s);
                INDArray x = train.toINDArray(idx);
                INDArray y = Nd4j.zeros(DataType.FLOAT, idx.length, CLASSES);
                for (int i = 0; i < idx.length; i++) {
                    y.putScalar(i, labels[idx[i]], 1f);
                }
                c.net.fit(new DataSet(x, y));
                double loss = c.net.score();
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("classifier training diverged: loss " + loss + " at epoch " + epoch
                            + " step " + (s + 1));
                }
                lossSum += loss;
                lossCount++;
                if ((s + 1) % 100 == 0 || s + 1 == steps) {
                    double sec = (System.nanoTime() - epochStart) / 1e9;
                    out.accept(String.format(Locale.ROOT, "epoch %d/%d step %d/%d loss %.4f (%.0f images/s)",
                            epoch, epochs, s + 1, steps, lossSum / lossCount, Math.min(n, (s + 1) * batch) / sec));
                    lossSum = 0;
                    lossCount = 0;
                }
            }
            String acc = "";
            if (test != null) {
                c.trainedTestAccuracy = c.accuracy(test);
                acc = String.format(Locale.ROOT, ", test accuracy %.2f %% on %d images", 100 * c.trainedTestAccuracy, test.size());
            }
            out.accept(String.format(Locale.ROOT, "epoch %d/%d done in %.1f s%s", epoch, epochs,
                    (System.nanoTime() - epochStart) / 1e9, acc));
        }
        out.accept(String.format(Locale.ROOT, "classifier: trained in %.1f s", (System.nanoTime() - start) / 1e9));
        return c;
    }

    /**
     * @param set labelled 1×28×28 images
     * @return fraction of images whose predicted class equals the label, in [0, 1]
     */
    public double accuracy(ImageSet set) {
        requireFmnist(set, "image set");
        if (set.size() == 0) {
            throw new IllegalArgumentException("image set is empty: " + set.source());
        }
        int correct = 0;
        for (int from = 0; from < set.size(); from += EVAL_CHUNK) {
            int[] idx = range(from, Math.min(set.size(), from + EVAL_CHUNK));
            int[] p = predict(set.toINDArray(idx));
            for (int i = 0; i < idx.length; i++) {
                if (p[i] == set.label(idx[i])) {
                    correct++;
                }
            }
        }
        return correct / (double) set.size();
    }

    /**
     * @param images {@code [N, 1, 28, 28]}, values in [0, 1]
     * @return the most probable class (0–9) of each image
     */
    public int[] predict(INDArray images) {
        INDArray x = checkInput(images);
        int n = (int) x.size(0);
        int[] out = new int[n];
        for (int from = 0; from < n; from += EVAL_CHUNK) {
            int to = Math.min(n, from + EVAL_CHUNK);
            INDArray probs = net.output(x.get(NDArrayIndex.interval(from, to)), false);
            int[] arg = probs.argMax(1).toIntVector();
            System.arraycopy(arg, 0, out, from, to - from);
        }
        return out;
    }

    /**
     * @param images {@code [N, 1, 28, 28]}, values in [0, 1]
     * @return the class probabilities {@code [N, 10]} of each image
     */
    public double[][] probabilities(INDArray images) {
        return rowsInChunks(images, chunk -> net.output(chunk, false));
    }

    /** {@code f} applied to chunks of {@link #EVAL_CHUNK} images at most, its {@code [chunk, k]} outputs stacked as rows. */
    private static double[][] rowsInChunks(INDArray images, java.util.function.UnaryOperator<INDArray> f) {
        INDArray x = checkInput(images);
        int n = (int) x.size(0);
        double[][] out = new double[n][];
        for (int from = 0; from < n; from += EVAL_CHUNK) {
            int to = Math.min(n, from + EVAL_CHUNK);
            double[][] rows = f.apply(x.get(NDArrayIndex.interval(from, to))).castTo(DataType.DOUBLE).toDoubleMatrix();
            System.arraycopy(rows, 0, out, from, to - from);
        }
        return out;
    }

    /**
     * Activations of the 128-wide feature layer (the dense layer before the softmax, after its ReLU), for
     * Fréchet distances between real and generated images.
     *
     * @param images {@code [N, 1, 28, 28]}, values in [0, 1]
     * @return {@code N} rows of {@value #FEATURES} values
     */
    public double[][] features(INDArray images) {
        return rowsInChunks(images, chunk -> {
            List<INDArray> acts = net.feedForwardToLayer(FEATURE_LAYER, chunk, false);
            // acts.get(0) is the input; acts.get(i + 1) the output of layer i
            INDArray f = acts.get(FEATURE_LAYER + 1);
            if (f.rank() != 2 || f.size(1) != FEATURES || f.size(0) != chunk.size(0)) {
                throw new IllegalStateException("feature layer gave shape " + Arrays.toString(f.shape())
                        + ", expected [" + chunk.size(0) + ", " + FEATURES + "]");
            }
            return f;
        });
    }

    /**
     * Measures the accuracy on {@code test} and keeps it as {@link #trainedTestAccuracy()}: for a classifier
     * loaded from a file, whose training-time number is not stored in the zip.
     */
    public void measureTestAccuracy(ImageSet test) {
        trainedTestAccuracy = accuracy(test);
    }

    /**
     * @return the accuracy on the test set passed to {@link #train}, measured after the last epoch (the
     *     same number {@link #accuracy} gives for that set) or to {@link #measureTestAccuracy}; empty if there
     *     was none, as for a classifier {@linkplain #load loaded} and not measured since
     */
    public OptionalDouble trainedTestAccuracy() {
        return Double.isNaN(trainedTestAccuracy) ? OptionalDouble.empty() : OptionalDouble.of(trainedTestAccuracy);
    }

    /** @return number of trainable parameters */
    public long parameterCount() {
        return net.numParams();
    }

    /** @return the underlying DL4J network (shared, not a copy) */
    public MultiLayerNetwork network() {
        return net;
    }

    /**
     * Writes the weights and configuration (no optimiser state) atomically: to a temporary file in the
     * target's directory, then renamed over the target.
     *
     * @param file target, e.g. {@code models/fmnist-classifier.zip}; parent directories are created
     * @throws IllegalArgumentException naming the file if it cannot be written
     */
    public void save(Path file) {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            // not Files.createTempFile: that makes the file 0600, and the rename would keep it private
            tmp = dir.resolve(".tmp-" + target.getFileName() + "-" + Long.toUnsignedString(TEMP_NAMES.nextLong(), 36));
            ModelSerializer.writeModel(net, tmp.toFile(), false);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);   // the bytes are on disk before the name points at them
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw new IllegalArgumentException("classifier file " + file + " could not be written: " + describe(e), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original error matters more
                }
            }
        }
    }

    /**
     * Reads a classifier written by {@link #save}.
     *
     * @param file the zip
     * @return the classifier
     * @throws IllegalArgumentException naming the file if it is missing, unreadable, corrupt, or holds a
     *     different network
     */
    public static FmnistClassifier load(Path file) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("classifier file " + file + " not found (train one with 'dcs train-classifier')");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("classifier file " + file + " is not a regular file");
        }
        MultiLayerNetwork net;
        try {
            net = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
        } catch (Exception e) {
            throw new IllegalArgumentException("classifier file " + file + " is corrupt or not a DL4J model zip: "
                    + describe(e), e);
        }
        if (net == null || net.getLayerWiseConfigurations() == null) {
            throw new IllegalArgumentException("classifier file " + file + " is corrupt or not a DL4J model zip");
        }
        String why = architectureMismatch(net);
        if (why != null) {
            throw new IllegalArgumentException("classifier file " + file + " holds a different network: " + why);
        }
        return new FmnistClassifier(net);
    }

    /** @return why {@code net} is not this classifier's architecture, or {@code null} if it is */
    private static String architectureMismatch(MultiLayerNetwork net) {
        int layers = net.getnLayers();
        if (layers != LAYERS) {
            return layers + " layers, expected " + LAYERS;
        }
        Layer feature = net.getLayerWiseConfigurations().getConf(FEATURE_LAYER).getLayer();
        Layer output = net.getLayerWiseConfigurations().getConf(LAYERS - 1).getLayer();
        if (!(feature instanceof DenseLayer) || ((FeedForwardLayer) feature).getNOut() != FEATURES) {
            return "layer " + FEATURE_LAYER + " is not a dense layer of width " + FEATURES;
        }
        if (!(output instanceof OutputLayer) || ((FeedForwardLayer) output).getNOut() != CLASSES) {
            return "the last layer is not a " + CLASSES + "-way output layer";
        }
        Layer first = net.getLayerWiseConfigurations().getConf(0).getLayer();
        if (!(first instanceof ConvolutionLayer) || ((FeedForwardLayer) first).getNIn() != 1) {
            return "the first layer is not a one-channel convolution";
        }
        return null;
    }

    private static String describe(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory: " + ((NoSuchFileException) e).getFile();
        }
        String m = e.getMessage();
        String first = m == null ? "" : m.strip().split("\\R", 2)[0];
        return e.getClass().getSimpleName() + (first.isEmpty() ? "" : ": " + first);
    }

    private static INDArray checkInput(INDArray images) {
        Objects.requireNonNull(images, "images");
        long[] s = images.shape();
        if (images.rank() != 4 || s[1] != 1 || s[2] != SIZE || s[3] != SIZE) {
            throw new IllegalArgumentException("classifier input must be [N, 1, " + SIZE + ", " + SIZE + "], got "
                    + Arrays.toString(s));
        }
        return images.dataType() == DataType.FLOAT ? images : images.castTo(DataType.FLOAT);
    }

    private static void requireFmnist(ImageSet set, String what) {
        if (set.channels() != 1 || set.height() != SIZE || set.width() != SIZE) {
            throw new IllegalArgumentException(what + " has " + set.channels() + "x" + set.height() + "x" + set.width()
                    + " images, the classifier needs 1x" + SIZE + "x" + SIZE + ": " + set.source());
        }
        if (!set.hasLabels()) {
            throw new IllegalArgumentException(what + " has no labels: " + set.source());
        }
        for (int i = 0; i < set.size(); i++) {
            int l = set.label(i);
            if (l < 0 || l >= CLASSES) {
                throw new IllegalArgumentException(what + " has label " + l + " at image " + i + ", expected 0.."
                        + (CLASSES - 1) + ": " + set.source());
            }
        }
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }
}
