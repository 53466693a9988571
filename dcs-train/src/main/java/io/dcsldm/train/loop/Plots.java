package io.dcsldm.train.loop;

import com.fasterxml.jackson.databind.JsonNode;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code plots/loss.png} (training loss per logged step; log scale while every loss is positive) and {@code plots/eval.png}
 * (one panel per evaluation metric; written once an evaluation returned a metric), drawn
 * from the rows of {@code metrics.jsonl} with XChart, headless. Each file is written to a temporary file
 * and renamed, so a viewer never sees half a PNG. A plotting failure is logged, never fatal.
 */
final class Plots {
    private static final Logger log = LoggerFactory.getLogger(Plots.class);

    /** Keys of an eval row that are not metrics. */
    private static final java.util.Set<String> NOT_METRICS = java.util.Set.of("type", "step", "ms");

    private Plots() {
    }

    static void write(Path dir, List<JsonNode> rows) {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        try {
            Files.createDirectories(dir);
            List<Double> steps = new ArrayList<>();
            List<Double> loss = new ArrayList<>();
            Map<String, List<double[]>> eval = new LinkedHashMap<>();
            for (JsonNode row : rows) {
                String type = row.path("type").asText();
                double step = row.path("step").asDouble();
                if (type.equals("train") && row.path("loss").isNumber()) {
                    steps.add(step);
                    loss.add(row.path("loss").asDouble());
                } else if (type.equals("eval")) {
                    for (Iterator<Map.Entry<String, JsonNode>> it = row.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> f = it.next();
                        if (!NOT_METRICS.contains(f.getKey()) && f.getValue().isNumber()) {
                            eval.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(new double[]{step, f.getValue().asDouble()});
                        }
                    }
                }
            }
            if (!loss.isEmpty()) {
                XYChart chart = new XYChartBuilder().width(800).height(500).title("training loss")
                        .xAxisTitle("step").yAxisTitle("loss").build();
                chart.getStyler().setLegendVisible(false);
                boolean positive = loss.stream().allMatch(v -> v > 0);
                chart.getStyler().setYAxisLogarithmic(positive);
                chart.addSeries("loss", steps, loss).setMarker(SeriesMarkers.NONE);
                save(chart, dir.resolve("loss.png"));
            }
            if (!eval.isEmpty()) {
                // one panel per metric, stacked: metrics of different scales stay readable
                List<BufferedImage> panels = new ArrayList<>();
                for (Map.Entry<String, List<double[]>> e : eval.entrySet()) {
                    XYChart chart = new XYChartBuilder().width(800).height(300)
                            .title(e.getKey() + " (EMA weights)").xAxisTitle("step").yAxisTitle(e.getKey()).build();
                    chart.getStyler().setLegendVisible(false);
                    double[] x = e.getValue().stream().mapToDouble(p -> p[0]).toArray();
                    double[] y = e.getValue().stream().mapToDouble(p -> p[1]).toArray();
                    chart.addSeries(e.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
                    panels.add(BitmapEncoder.getBufferedImage(chart));
                }
                BufferedImage all = new BufferedImage(800, 300 * panels.size(), BufferedImage.TYPE_INT_RGB);
                Graphics2D g = all.createGraphics();
                for (int i = 0; i < panels.size(); i++) {
                    g.drawImage(panels.get(i), 0, 300 * i, null);
                }
                g.dispose();
                ByteArrayOutputStream png = new ByteArrayOutputStream();
                ImageIO.write(all, "png", png);
                save(png.toByteArray(), dir.resolve("eval.png"));
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not write plots to {}: {}", dir, e.toString());
        }
    }

    private static void save(XYChart chart, Path file) throws IOException {
        save(BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG), file);
    }

    private static void save(byte[] png, Path file) throws IOException {
        Path tmp = file.resolveSibling(".tmp-" + file.getFileName());
        Files.write(tmp, png);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
