package io.dcsldm.train.data;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Shared fixtures: the real Fashion-MNIST when installed, else the shipped subset (logged). */
public final class TestData {
    private static final Logger LOG = LoggerFactory.getLogger(TestData.class);

    private TestData() {
    }

    /** @return the repository root (holds data/fashion-mnist-subset) */
    public static Path repoRoot() {
        return Datasets.findRepoRoot().orElseThrow(() -> new AssertionError("repository root with " + Datasets.SUBSET_DIR
                + " not found above " + System.getProperty("user.dir")));
    }

    /** @return the shipped subset directory */
    public static Path subsetDir() {
        return repoRoot().resolve(Datasets.SUBSET_DIR);
    }

    /**
     * Loads the first {@code n} images of a Fashion-MNIST split from whatever source {@link Datasets}
     * picks, and reports the source on stdout (surefire keeps it in the report).
     *
     * @param split train or test
     * @param n images wanted (≤ 4000 train / 2000 test so the subset suffices)
     * @return labelled images
     */
    public static ImageSet fashion(String split, int n) {
        Datasets.Source src = Datasets.source("fashion-mnist:" + split);
        String msg = "test data: " + src.describe();
        System.out.println(msg);
        LOG.info(msg);
        return src.load(n);
    }
}
