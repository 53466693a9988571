package io.dcsldm.train.data;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes unsigned-byte IDX files (the inverse of {@link IdxReader}), optionally gzip-compressed. Used
 * to cut dataset subsets and to build test fixtures.
 */
public final class IdxWriter {
    private IdxWriter() {
    }

    /**
     * Writes a one-channel image set as IDX3 ubyte; each value becomes {@code round(255 * clamp(v, 0, 1))},
     * so images read by {@link IdxReader} round-trip exactly.
     *
     * @param file destination (parent directories must exist)
     * @param images one-channel images
     * @param gzip whether to gzip the output
     */
    public static void writeImages(Path file, ImageSet images, boolean gzip) {
        if (images.channels() != 1) {
            throw new IllegalArgumentException("IDX images must have one channel, got " + images.channels());
        }
        int len = images.height() * images.width();
        byte[] data = new byte[Math.multiplyExact(images.size(), len)];
        for (int i = 0; i < images.size(); i++) {
            float[] img = images.image(i);
            for (int p = 0; p < len; p++) {
                float v = Math.min(1f, Math.max(0f, img[p]));
                data[i * len + p] = (byte) Math.round(v * 255f);
            }
        }
        write(file, data, new int[] {images.size(), images.height(), images.width()}, gzip);
    }

    /**
     * Writes labels as IDX1 ubyte.
     *
     * @param file destination
     * @param labels values in 0..255
     * @param gzip whether to gzip the output
     */
    public static void writeLabels(Path file, int[] labels, boolean gzip) {
        byte[] data = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] > 255) {
                throw new IllegalArgumentException("label " + labels[i] + " at " + i + " does not fit an unsigned byte");
            }
            data[i] = (byte) labels[i];
        }
        write(file, data, new int[] {labels.length}, gzip);
    }

    /**
     * Writes raw unsigned-byte IDX data with the given dimensions.
     *
     * @param file destination
     * @param data {@code prod(dims)} bytes in row-major order
     * @param dims dimension sizes (first = item count)
     * @param gzip whether to gzip the output
     */
    public static void write(Path file, byte[] data, int[] dims, boolean gzip) {
        long total = 1;
        for (int d : dims) {
            total *= d;
        }
        if (total != data.length) {
            throw new IllegalArgumentException("dims hold " + total + " bytes but data has " + data.length);
        }
        try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
             OutputStream os = gzip ? new GZIPOutputStream(raw, 1 << 16) : raw;
             DataOutputStream out = new DataOutputStream(os)) {
            out.writeInt(0x0800 | dims.length);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        } catch (IOException e) {
            throw new DataException("cannot write IDX file " + file + ": " + e.getMessage(), e);
        }
    }
}
