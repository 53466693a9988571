package io.dcsldm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcsldm.tok.Latent;
import io.dcsldm.tok.VideoTokenizer;
import io.dcsldm.train.video.Clips;
import io.dcsldm.train.video.MovingMnist;
import io.dcsldm.train.video.VideoTokenizerModel;
import io.dcsldm.train.data.Datasets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code dcs reconstruct-video}: encode a clip at one frame rate, decode it at another; frame strips and GIFs. */
@Command(name = "reconstruct-video", description = "Encode a clip at --in-fps and decode it at --out-fps: frame strip PNG and animated GIFs.")
public final class ReconstructVideoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", defaultValue = "models/tok-video.dcs", description = "Video tokenizer file (default ${DEFAULT-VALUE})")
    Path checkpoint;

    @Option(names = "--input", required = true, description = "A video file (e.g. vtest.avi), a folder of PNG/JPEG frames, or moving-mnist:N")
    String input;

    @Option(names = "--in-fps", defaultValue = "0", description = "Input frame rate (default: the file's own; required for folders and moving-mnist)")
    double inFps;

    @Option(names = "--out-fps", required = true, description = "Output frame rate (any rate whose frames fill the clip)")
    double outFps;

    @Option(names = "--size", defaultValue = "32", description = "Square frame size, input and output (default ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--out-size", defaultValue = "0", description = "Output frame size if different from --size")
    int outSize;

    @Option(names = "--seconds", defaultValue = "0", description = "Clip duration (default: the model's training duration)")
    double seconds;

    @Option(names = "--start", defaultValue = "0", description = "First frame of a file or folder (default ${DEFAULT-VALUE})")
    int start;

    @Option(names = "--levels", defaultValue = "0", description = "Levels to decode (0 = all)")
    int levels;

    @Option(names = "--out", required = true, description = "Output directory: frames.png, input.gif, output.gif")
    Path out;

    @Option(names = "--json", description = "Print one JSON object on stdout")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        VideoTokenizerModel.Loaded m = VideoTokenizerModel.load(checkpoint);
        VideoTokenizer tok = m.video();
        int c = m.config().model.channels, os = outSize > 0 ? outSize : size;
        double secs = seconds > 0 ? seconds : m.config().video.duration;
        int l = levels > 0 ? levels : m.config().model.levels;
        if (l > m.config().model.levels) throw new CommandLine.ParameterException(cmd, "--levels " + l + ": the model has " + m.config().model.levels);
        MovingMnist scenes = new MovingMnist(Datasets.load(m.config().video.evalDigits), m.config().video.seed + 1, m.config().sceneOptions());
        ClipSource src = ClipSource.open(cmd, input, inFps, secs, start, size, c, scenes);
        Latent z = tok.encode(Clips.toINDArray(src.input, c, size, size), src.inFps).prefix(l);
        float[][] dec = Clips.toArrays(tok.decode(z, outFps, os, os))[0];
        float[][] ref = os == size ? src.reference(outFps) : null;

        int cell = Math.max(64, 2 * Math.max(size, os));
        VideoFiles.strip(out.resolve("input.png"), List.<float[][]>of(src.input), c, size, size, cell);
        VideoFiles.strip(out.resolve("output.png"), List.<float[][]>of(dec), c, os, os, cell);
        if (ref != null) VideoFiles.strip(out.resolve("frames.png"), List.<float[][]>of(ref, dec), c, os, os, cell);
        else VideoFiles.strip(out.resolve("frames.png"), List.<float[][]>of(dec), c, os, os, cell);
        int scale = Math.max(1, 128 / Math.max(size, os));
        VideoFiles.gif(out.resolve("input.gif"), src.input, c, size, size, src.inFps, scale);
        VideoFiles.gif(out.resolve("output.gif"), dec, c, os, os, outFps, scale);

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("input", src.description);
        r.put("in_fps", src.inFps);
        r.put("out_fps", outFps);
        r.put("in_frames", src.input.length);
        r.put("out_frames", dec.length);
        r.put("size", size);
        r.put("out_size", os);
        r.put("levels", l);
        r.put("latent_shape", new long[]{z.tokens().size(1), z.tokens().size(2)});
        r.put("psnr", ref != null ? Clips.psnr(dec, ref) : null);
        r.put("reference", ref == null ? "none at this rate/size" : (input.startsWith("moving-mnist:") ? "exact render at " + outFps + " fps"
                : (outFps == src.inFps ? "the input frames" : "original frames averaged to " + outFps + " fps")));
        r.put("out", out.toString());
        String line = new ObjectMapper().writeValueAsString(r);
        if (json) System.out.println(line);
        System.err.printf("reconstruct-video: %d frames at %s fps -> %d frames at %s fps, %dx%d, %d levels%s; wrote %s (frames.png: %s), input.gif, output.gif%n",
                src.input.length, src.inFps, dec.length, outFps, os, os, l,
                ref != null ? String.format(", PSNR %.2f dB vs %s", Clips.psnr(dec, ref), r.get("reference")) : "", out,
                ref != null ? "reference row above the decoded row" : "decoded row");
        return 0;
    }
}
