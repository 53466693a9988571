package io.dcsldm.cli;

import io.dcsldm.train.viz.ImageGrid;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes clips for people: frame strips (PNG, one row per clip) and looping animated GIFs. */
final class VideoFiles {
    private VideoFiles() {}

    /** One row per clip ({@code [F][C·H·W]} frames in [0, 1]); cells of {@code cell} pixels. */
    static void strip(Path png, List<float[][]> rows, int c, int h, int w, int cell) throws IOException {
        List<List<INDArray>> cells = new ArrayList<>();
        for (float[][] clip : rows) {
            List<INDArray> row = new ArrayList<>();
            for (float[] f : clip) row.add(Nd4j.create(f, new long[]{c, h, w}, 'c'));
            cells.add(row);
        }
        if (png.getParent() != null) Files.createDirectories(png.getParent());
        ImageGrid.write(png, cells, cell, 2);
    }

    /**
     * A looping animated GIF of the frames at {@code fps}, each pixel drawn as a {@code scale × scale} block.
     * GIF delays are whole hundredths of a second, so the rate is rounded (32 fps plays at 33.3).
     */
    static void gif(Path file, float[][] frames, int c, int h, int w, double fps, int scale) throws IOException {
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        ImageWriter writer = ImageIO.getImageWritersBySuffix("gif").next();
        int delay = Math.max(1, (int) Math.round(100 / fps));
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            ImageWriteParam param = writer.getDefaultWriteParam();
            boolean first = true;
            for (float[] f : frames) {
                BufferedImage img = toImage(f, c, h, w, scale);
                IIOMetadata md = writer.getDefaultImageMetadata(new ImageTypeSpecifier(img), param);
                String fmt = md.getNativeMetadataFormatName();
                IIOMetadataNode root = (IIOMetadataNode) md.getAsTree(fmt);
                IIOMetadataNode gce = child(root, "GraphicControlExtension");
                gce.setAttribute("disposalMethod", "none");
                gce.setAttribute("userInputFlag", "FALSE");
                gce.setAttribute("transparentColorFlag", "FALSE");
                gce.setAttribute("delayTime", Integer.toString(delay));
                gce.setAttribute("transparentColorIndex", "0");
                if (first) { // loop forever (NETSCAPE2.0 extension, once)
                    IIOMetadataNode apps = child(root, "ApplicationExtensions");
                    IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
                    app.setAttribute("applicationID", "NETSCAPE");
                    app.setAttribute("authenticationCode", "2.0");
                    app.setUserObject(new byte[]{1, 0, 0});
                    apps.appendChild(app);
                    first = false;
                }
                md.setFromTree(fmt, root);
                writer.writeToSequence(new IIOImage(img, null, md), param);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++)
            if (root.item(i).getNodeName().equalsIgnoreCase(name)) return (IIOMetadataNode) root.item(i);
        IIOMetadataNode n = new IIOMetadataNode(name);
        root.appendChild(n);
        return n;
    }

    private static BufferedImage toImage(float[] f, int c, int h, int w, int scale) {
        BufferedImage img = new BufferedImage(w * scale, h * scale, BufferedImage.TYPE_INT_RGB);
        int n = h * w;
        for (int y = 0; y < h * scale; y++)
            for (int x = 0; x < w * scale; x++) {
                int i = (y / scale) * w + x / scale;
                int r = byteOf(f[i]), g = c == 3 ? byteOf(f[n + i]) : r, b = c == 3 ? byteOf(f[2 * n + i]) : r;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        return img;
    }

    private static int byteOf(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255)));
    }
}
