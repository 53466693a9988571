package io.dcsldm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcsldm.train.video.VideoEval;
import io.dcsldm.train.video.VideoTokenizerModel;
import io.dcsldm.train.video.VideoTokenizerTask;
import io.dcsldm.video.ClipReader;
import io.dcsldm.video.Clip;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dcs eval-video}: the video tokenizer's acceptance numbers — Moving MNIST PSNR encoded at 8 fps
 * and decoded at 8/16/32 fps against exact renders, latent shape across frame rates and resolutions,
 * image PSNR of the same checkpoint, and a real clip at its own and half its frame rate.
 */
@Command(name = "eval-video", description = "Evaluate a video tokenizer: PSNR across frame rates against exact renders, images, a real clip.")
public final class EvalVideoCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", defaultValue = "models/tok-video.dcs", description = "Video tokenizer file (default ${DEFAULT-VALUE})")
    Path checkpoint;

    @Option(names = "--clips", defaultValue = "64", description = "Moving MNIST evaluation scenes (default ${DEFAULT-VALUE})")
    int clips;

    @Option(names = "--pca-clips", defaultValue = "1500", description = "Training scenes the PCA reference (same floats per "
            + "temporal patch as the latent's level prefixes) is fitted on; 0 skips it (default ${DEFAULT-VALUE})")
    int pcaClips;

    @Option(names = "--real", defaultValue = "/usr/share/doc/opencv-doc/examples/data/vtest.avi",
            description = "Real clip (video file); skipped with a note when absent (default ${DEFAULT-VALUE})")
    Path real;

    @Option(names = "--real-windows", defaultValue = "4", description = "One-clip-duration windows of the real clip, evenly spaced (default ${DEFAULT-VALUE})")
    int windows;

    @Option(names = "--json", description = "Print one JSON object on stdout")
    boolean json;

    @Override
    public Integer call() throws Exception {
        VideoTokenizerModel.Loaded m = VideoTokenizerModel.load(checkpoint);
        VideoTokenizerTask task = new VideoTokenizerTask(m.config(), m.tokenizer());
        Map<String, Object> r = new LinkedHashMap<>(VideoEval.evaluate(task, clips, pcaClips));
        int size = m.config().video.nativeSize, c = m.config().model.channels, levels = m.config().model.levels;
        double secs = m.config().video.duration;
        if (Files.isRegularFile(real)) {
            ClipReader.Info info = ClipReader.probe(real);
            int frames = (int) Math.round(secs * info.fps());
            double nat = 0, half = 0;
            int used = 0;
            for (int w = 0; w < windows; w++) {
                int start = (int) ((long) w * Math.max(0, info.frames() - frames) / Math.max(1, windows - 1));
                Clip clip = ClipReader.read(real, new ClipReader.Options().channels(c).start(start).maxFrames(frames).size(size, size));
                if (clip.frameCount() < frames) continue;
                Map<String, Double> p = VideoEval.realClipPsnr(task.videoTokenizer(), clip.frames(), size, size, clip.fps(), levels);
                nat += p.get("native");
                half += p.get("half_fps");
                used++;
            }
            Map<String, Double> p = new LinkedHashMap<>();
            p.put("native", used > 0 ? nat / used : Double.NaN);
            p.put("half_fps", used > 0 ? half / used : Double.NaN);
            r.put("real_clip_psnr", p);
            r.put("real_clip", real + " (" + info.width() + "x" + info.height() + " at " + info.fps() + " fps; " + used + " windows of "
                    + frames + " frames, grey, centre-cropped square, area-resized to " + size + "x" + size
                    + "; half_fps reference = frame pairs averaged)");
        } else {
            r.put("real_clip_psnr", null);
            r.put("real_clip", real + " absent (Debian package opencv-doc provides vtest.avi)");
        }
        r.put("checkpoint", checkpoint.toString());
        String line = new ObjectMapper().writeValueAsString(r);
        if (json) System.out.println(line);
        else System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(r));
        return 0;
    }
}
