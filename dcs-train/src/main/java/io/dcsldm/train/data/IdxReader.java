package io.dcsldm.train.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format) of unsigned bytes: images {@code [N, H, W]}
 * (magic {@code 0x00000803}) and labels {@code [N]} (magic {@code 0x00000801}).
 *
 * <p>Files may be gzip-compressed or not; compression is detected from the content (gzip magic
 * {@code 0x1f8b}), not from the file name. Pixels are mapped to {@code value / 255f} in [0, 1] and the
 * images returned with one channel ({@code [1, H, W]}).
 *
 * <p>All failures are {@link DataException}s whose message names the file: missing file, bad magic,
 * unsupported element type, truncated data (including a truncated gzip stream) and, for
 * {@link #read(Path, Path, int)}, an image/label count mismatch. When a {@code limit} below the header
 * count is given only the first {@code limit} items are read, so truncation after them goes unnoticed.
 */
public final class IdxReader {
    /** Magic of an IDX file of unsigned-byte images {@code [N, H, W]}. */
    public static final int MAGIC_IMAGES = 0x00000803;
    /** Magic of an IDX file of unsigned-byte labels {@code [N]}. */
    public static final int MAGIC_LABELS = 0x00000801;

    private static final float[] TO_UNIT = new float[256];

    static {
        for (int i = 0; i < 256; i++) {
            TO_UNIT[i] = i / 255f;
        }
    }

    private IdxReader() {
    }

    /**
     * Reads all images of an IDX3 file.
     *
     * @param file IDX3 ubyte file, gzipped or not
     * @return a one-channel, unlabelled image set
     */
    public static ImageSet readImages(Path file) {
        return readImages(file, Integer.MAX_VALUE);
    }

    /**
     * Reads the first {@code limit} images of an IDX3 file.
     *
     * @param file IDX3 ubyte file, gzipped or not
     * @param limit maximum number of images ({@code Integer.MAX_VALUE} for all)
     * @return a one-channel, unlabelled image set
     */
    public static ImageSet readImages(Path file, int limit) {
        checkLimit(limit);
        try (Idx idx = Idx.open(file, MAGIC_IMAGES, "images")) {
            int n = Math.min(limit, idx.dims[0]);
            int h = idx.dims[1];
            int w = idx.dims[2];
            int len = h * w;
            byte[] buf = new byte[len];
            float[][] images = new float[n][];
            for (int i = 0; i < n; i++) {
                idx.readFully(buf, i, n, len);
                float[] img = new float[len];
                for (int p = 0; p < len; p++) {
                    img[p] = TO_UNIT[buf[p] & 0xFF];
                }
                images[i] = img;
            }
            return new ImageSet(images, null, 1, h, w, file.toString());
        }
    }

    /**
     * Reads all labels of an IDX1 file.
     *
     * @param file IDX1 ubyte file, gzipped or not
     * @return labels in 0..255
     */
    public static int[] readLabels(Path file) {
        return readLabels(file, Integer.MAX_VALUE);
    }

    /**
     * Reads the first {@code limit} labels of an IDX1 file.
     *
     * @param file IDX1 ubyte file, gzipped or not
     * @param limit maximum number of labels ({@code Integer.MAX_VALUE} for all)
     * @return labels in 0..255
     */
    public static int[] readLabels(Path file, int limit) {
        checkLimit(limit);
        try (Idx idx = Idx.open(file, MAGIC_LABELS, "labels")) {
            int n = Math.min(limit, idx.dims[0]);
            byte[] buf = new byte[n];
            idx.readFully(buf, 0, n, n);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = buf[i] & 0xFF;
            }
            return labels;
        }
    }

    /**
     * Reads images with their labels, checking that both headers announce the same count.
     *
     * @param images IDX3 image file
     * @param labels IDX1 label file
     * @param limit maximum number of items ({@code Integer.MAX_VALUE} for all)
     * @return a labelled one-channel image set whose {@link ImageSet#source()} is the image path
     * @throws DataException naming both files if their counts differ
     */
    public static ImageSet read(Path images, Path labels, int limit) {
        int ni = count(images, MAGIC_IMAGES, "images");
        int nl = count(labels, MAGIC_LABELS, "labels");
        if (ni != nl) {
            throw new DataException("image/label count mismatch: " + images + " has " + ni + " images but "
                    + labels + " has " + nl + " labels");
        }
        ImageSet set = readImages(images, limit);
        int[] labs = readLabels(labels, limit);
        return new ImageSet(imagesOf(set), labs, 1, set.height(), set.width(), images.toString());
    }

    /**
     * Reads only the header of an IDX file.
     *
     * @param file IDX file of unsigned bytes, gzipped or not
     * @return the dimensions from the header ({@code [N, H, W]} or {@code [N]})
     */
    public static int[] dimensions(Path file) {
        try (Idx idx = Idx.open(file, 0, "IDX")) {
            return idx.dims.clone();
        }
    }

    private static int count(Path file, int magic, String what) {
        try (Idx idx = Idx.open(file, magic, what)) {
            return idx.dims[0];
        }
    }

    private static float[][] imagesOf(ImageSet set) {
        float[][] a = new float[set.size()][];
        for (int i = 0; i < a.length; i++) {
            a[i] = set.image(i);
        }
        return a;
    }

    private static void checkLimit(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit < 0: " + limit);
        }
    }

    /**
     * @param in a stream supporting mark/reset
     * @return whether the next two bytes are the gzip magic 0x1f 0x8b (stream position unchanged)
     * @throws IOException on read failure
     */
    static boolean isGzip(InputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b;
    }

    /** An open IDX stream positioned after the header. */
    private static final class Idx implements AutoCloseable {
        final Path file;
        final DataInputStream in;
        final int[] dims;
        final boolean gzip;
        long bytesPerItem;

        private Idx(Path file, DataInputStream in, int[] dims, boolean gzip) {
            this.file = file;
            this.in = in;
            this.dims = dims;
            this.gzip = gzip;
        }

        /**
         * @param expectedMagic required magic, or 0 for any unsigned-byte IDX
         */
        static Idx open(Path file, int expectedMagic, String what) {
            if (!Files.exists(file)) {
                throw new DataException("IDX " + what + " file not found: " + file);
            }
            if (!Files.isRegularFile(file)) {
                throw new DataException("IDX " + what + " path is not a regular file: " + file);
            }
            DataInputStream in = null;
            try {
                InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
                boolean gz = isGzip(raw);
                in = new DataInputStream(gz ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw);
                int magic;
                try {
                    magic = in.readInt();
                } catch (EOFException e) {
                    throw new DataException("truncated IDX file " + file + ": shorter than its 4-byte magic");
                }
                int zero = magic >>> 16;
                int type = (magic >>> 8) & 0xFF;
                int ndim = magic & 0xFF;
                if (zero != 0) {
                    throw new DataException(String.format("bad magic 0x%08x in %s: not an IDX file%s", magic, file,
                            expectedMagic != 0 ? String.format(" (expected 0x%08x for %s)", expectedMagic, what) : ""));
                }
                if (type != 0x08) {
                    throw new DataException(String.format("unsupported IDX element type 0x%02x in %s: only unsigned bytes (0x08) are supported",
                            type, file));
                }
                if (expectedMagic != 0 && magic != expectedMagic) {
                    throw new DataException(String.format("bad magic 0x%08x in %s: expected 0x%08x (%s)", magic, file,
                            expectedMagic, expectedMagic == MAGIC_IMAGES ? "IDX3 ubyte images [N,H,W]" : "IDX1 ubyte labels [N]"));
                }
                if (ndim < 1) {
                    throw new DataException("IDX file " + file + " declares 0 dimensions");
                }
                int[] dims = new int[ndim];
                long total = 1;
                for (int d = 0; d < ndim; d++) {
                    try {
                        dims[d] = in.readInt();
                    } catch (EOFException e) {
                        throw new DataException("truncated IDX file " + file + ": header ends inside its " + ndim + " dimension sizes");
                    }
                    if (dims[d] < 0 || (d > 0 && dims[d] == 0)) {
                        throw new DataException("IDX file " + file + " has invalid dimension " + d + " = " + dims[d]);
                    }
                    total *= dims[d];
                }
                long perItem = total / Math.max(1, dims[0]);
                if (perItem > Integer.MAX_VALUE) {
                    throw new DataException("IDX file " + file + " has items too large to read: " + perItem + " bytes each");
                }
                Idx idx = new Idx(file, in, dims, gz);
                idx.bytesPerItem = perItem;
                return idx;
            } catch (IOException e) {
                closeQuietly(in);
                throw new DataException("cannot read IDX file " + file + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                closeQuietly(in);
                throw e;
            }
        }

        /**
         * Reads {@code len} bytes of item {@code index} (of {@code wanted} items being read).
         */
        void readFully(byte[] buf, int index, int wanted, int len) {
            int got = 0;
            try {
                while (got < len) {
                    int r = in.read(buf, got, len - got);
                    if (r < 0) {
                        break;
                    }
                    got += r;
                }
            } catch (EOFException e) {
                // a truncated gzip stream reports EOFException ("Unexpected end of ZLIB input stream")
            } catch (IOException e) {
                throw new DataException("cannot read IDX file " + file + " (" + (gzip ? "gzip" : "raw") + "): " + e.getMessage(), e);
            }
            if (got < len) {
                long expected = (long) dims[0] * bytesPerItem;
                long present = (long) index * bytesPerItem + got;
                throw new DataException("truncated IDX file " + file + ": header announces " + dims[0] + " items ("
                        + expected + " data bytes) but the data ends after " + present + " bytes"
                        + (gzip ? " (decompressed)" : ""));
            }
        }

        @Override
        public void close() {
            closeQuietly(in);
        }

        private static void closeQuietly(InputStream in) {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // nothing useful to do
                }
            }
        }
    }
}
