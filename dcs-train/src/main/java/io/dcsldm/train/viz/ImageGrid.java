package io.dcsldm.train.viz;

import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes images as PNG grids: rows × columns of cells, each cell an image {@code [C, H, W]} in [0, 1]
 * (1 or 3 channels) scaled up by an integer factor with nearest-neighbour so pixels stay visible;
 * cells of a row may have different sizes (e.g. the same sample decoded at 14, 28 and 56 px).
 */
public final class ImageGrid {
    private ImageGrid() {}

    /** {@code cells.get(r).get(c)}: an image {@code [C, H, W]} (or {@code [1, C, H, W]}) or null for an empty cell. */
    public static void write(Path png, List<List<INDArray>> cells, int cellPixels, int gap) throws IOException {
        int rows = cells.size(), cols = cells.stream().mapToInt(List::size).max().orElse(0);
        int w = cols * (cellPixels + gap) + gap, h = rows * (cellPixels + gap) + gap;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, 0x404040);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cells.get(r).size(); c++) {
                INDArray cell = cells.get(r).get(c);
                if (cell == null) continue;
                INDArray a = cell.rank() == 4 ? cell.reshape(cell.size(1), cell.size(2), cell.size(3)) : cell;
                int ch = (int) a.size(0), ih = (int) a.size(1), iw = (int) a.size(2);
                float[] v = a.dup('c').data().asFloat();
                int scale = Math.max(1, cellPixels / Math.max(ih, iw));
                int ox = gap + c * (cellPixels + gap) + (cellPixels - iw * scale) / 2;
                int oy = gap + r * (cellPixels + gap) + (cellPixels - ih * scale) / 2;
                for (int y = 0; y < ih * scale; y++)
                    for (int x = 0; x < iw * scale; x++) {
                        int py = y / scale, px = x / scale, rgb = 0;
                        for (int k = 0; k < 3; k++) {
                            float f = v[(ch == 1 ? 0 : k) * ih * iw + py * iw + px];
                            int b = Math.max(0, Math.min(255, Math.round(f * 255)));
                            rgb = (rgb << 8) | b;
                        }
                        img.setRGB(ox + x, oy + y, rgb);
                    }
            }
        if (png.getParent() != null) Files.createDirectories(png.getParent());
        ImageIO.write(img, "png", png.toFile());
    }
}
