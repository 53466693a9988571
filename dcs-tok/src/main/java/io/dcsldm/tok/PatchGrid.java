package io.dcsldm.tok;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Scale-aware patchify (DESIGN §2.1): the number of patches is fixed and the patch size follows the
 * scale, {@code p = min(h, w) / k}, so the same region of a scene lands in the same patch at every
 * resolution. A grid is {@code G_h × G_w} patches of {@code p × p} pixels (one frame for images).
 */
public record PatchGrid(int height, int width, int patch, int gridH, int gridW) {

    /** The grid of an {@code h × w} image with {@code k} patches along its shorter side. */
    public static PatchGrid forImage(int h, int w, int k) {
        int shorter = Math.min(h, w);
        if (shorter % k != 0)
            throw new IllegalArgumentException("image " + h + "×" + w + " does not divide into a k=" + k
                    + " patch grid: the shorter side " + shorter + " is not a multiple of " + k);
        int p = shorter / k;
        if (h % p != 0 || w % p != 0)
            throw new IllegalArgumentException("image " + h + "×" + w + " does not divide into patches of " + p + "×" + p
                    + " (k=" + k + "): both sides must be multiples of " + p);
        return new PatchGrid(h, w, p, h / p, w / p);
    }

    public int patches() { return gridH * gridW; }

    public int pixelsPerPatch() { return patch * patch; }

    /** Same grid, rendered at another size (must keep the aspect ratio and divide). */
    public PatchGrid atSize(int h, int w) {
        if (h % gridH != 0 || w % gridW != 0 || h / gridH != w / gridW)
            throw new IllegalArgumentException("output size " + h + "×" + w + " does not fit the " + gridH + "×" + gridW
                    + " patch grid: both sides must be the same multiple of the grid");
        return new PatchGrid(h, w, h / gridH, gridH, gridW);
    }

    /** {@code [B, C, H, W]} → {@code [B·G, p·p, C]}: per sample, patches in raster order, pixels raster inside. */
    public INDArray extract(INDArray images) {
        long b = images.size(0), c = images.size(1);
        checkImages(images);
        return images.reshape(b, c, gridH, patch, gridW, patch)
                .permute(0, 2, 4, 3, 5, 1).dup('c')
                .reshape(b * patches(), (long) patch * patch, c);
    }

    /** Inverse of {@link #extract}: {@code [B·G, p·p, C]} → {@code [B, C, H, W]}. */
    public INDArray assemble(INDArray pixels, int channels) {
        long b = pixels.size(0) / patches();
        return pixels.reshape(b, gridH, gridW, patch, patch, channels)
                .permute(0, 5, 1, 3, 2, 4).dup('c')
                .reshape(b, channels, height, width);
    }

    /** Normalised in-patch coordinates {@code (u, v, τ)} of each pixel, raster order, pixel centres. */
    public double[][] pixelCoords() {
        double[][] out = new double[pixelsPerPatch()][];
        for (int y = 0, i = 0; y < patch; y++)
            for (int x = 0; x < patch; x++, i++)
                out[i] = new double[]{(y + 0.5) / patch, (x + 0.5) / patch, 0.5};
        return out;
    }

    private void checkImages(INDArray images) {
        if (images.rank() != 4 || images.size(2) != height || images.size(3) != width)
            throw new IllegalArgumentException("expected images [B, C, " + height + ", " + width + "], got "
                    + java.util.Arrays.toString(images.shape()));
    }
}
