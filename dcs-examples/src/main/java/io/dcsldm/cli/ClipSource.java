package io.dcsldm.cli;

import io.dcsldm.train.video.Clips;
import io.dcsldm.train.video.MovingMnist;
import io.dcsldm.video.Clip;
import io.dcsldm.video.ClipReader;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The clip a video command works on, at its input frame rate, plus the reference frames to score a
 * decode at another frame rate against:
 * <ul>
 * <li>{@code moving-mnist:N} — scene {@code N} of the evaluation scenes (MNIST test digits), rendered
 * exactly at any frame rate: the reference is the exact render;</li>
 * <li>a video file (FFmpeg) or a folder of PNG/JPEG frames: grey or RGB as the model, centre-cropped
 * square and area-resized; the reference at {@code native / k} fps is the native frames averaged in groups
 * of {@code k} (a temporal box filter, like area downsampling in space); other rates have no reference.</li>
 * </ul>
 */
final class ClipSource {
    final String description;
    final float[][] input;
    final double inFps;
    private final MovingMnist.Clip scene;
    private final float[][] nativeFrames;
    private final double nativeFps;
    private final int size;

    private ClipSource(String description, float[][] input, double inFps, MovingMnist.Clip scene, float[][] nativeFrames,
                       double nativeFps, int size) {
        this.description = description;
        this.input = input;
        this.inFps = inFps;
        this.scene = scene;
        this.nativeFrames = nativeFrames;
        this.nativeFps = nativeFps;
        this.size = size;
    }

    /**
     * @param spec {@code moving-mnist:N}, a video file or a frame folder
     * @param inFps input frame rate; 0 = the file's own (required for folders and Moving MNIST)
     * @param seconds clip duration
     * @param start first frame of a file/folder
     * @param size square frame size
     * @param channels the model's channels
     * @param scenes the evaluation scenes (for {@code moving-mnist:N}); their duration is replaced by {@code seconds}
     */
    static ClipSource open(CommandLine cmd, String spec, double inFps, double seconds, int start, int size, int channels, MovingMnist scenes) {
        if (spec.startsWith("moving-mnist:")) {
            long index;
            try {
                index = Long.parseLong(spec.substring("moving-mnist:".length()));
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(cmd, "bad --input '" + spec + "': expected moving-mnist:<scene index>");
            }
            if (!(inFps > 0)) throw new CommandLine.ParameterException(cmd, "--in-fps is needed for " + spec);
            MovingMnist.Options o = new MovingMnist.Options();
            o.digits = scenes.options().digits;
            o.digitSize = scenes.options().digitSize;
            o.minSpeed = scenes.options().minSpeed;
            o.maxSpeed = scenes.options().maxSpeed;
            o.duration = seconds;
            MovingMnist.Clip clip = new MovingMnist(scenes.digitImages(), scenes.seed(), o).clip(index);
            return new ClipSource(spec + " (Moving MNIST evaluation scene " + index + ", " + seconds + " s, rendered exactly)",
                    clip.render(inFps, size), inFps, clip, null, 0, size);
        }
        Path path = Path.of(spec);
        if (!Files.exists(path)) throw new CommandLine.ParameterException(cmd, "--input " + spec + ": no such file or folder (or moving-mnist:N)");
        double nat;
        if (Files.isDirectory(path)) {
            if (!(inFps > 0)) throw new CommandLine.ParameterException(cmd, "--in-fps is needed for the frame folder " + spec);
            nat = inFps;
        } else {
            nat = ClipReader.probe(path).fps();
        }
        int frames = (int) Math.round(seconds * nat);
        if (Math.abs(frames - seconds * nat) > 1e-6 || frames < 1)
            throw new CommandLine.ParameterException(cmd, seconds + " s at the clip's " + nat + " fps is not a whole number of frames");
        Clip c = ClipReader.read(path, new ClipReader.Options().channels(channels).start(start).maxFrames(frames).size(size, size).fps(nat));
        if (c.frameCount() < frames)
            throw new IllegalArgumentException(spec + " has only " + c.frameCount() + " frames from frame " + start + ", " + frames + " needed for "
                    + seconds + " s");
        double in = inFps > 0 ? inFps : nat;
        float[][] input = c.frames();
        if (in != nat) input = Clips.temporalAverage(input, factor(cmd, nat, in, "--in-fps"));
        return new ClipSource(c.source() + (in != nat ? ", averaged to " + in + " fps" : ""), input, in, null, c.frames(), nat, size);
    }

    /** Reference frames at {@code fps}, or null when there is none (a real clip at a rate that does not divide its own). */
    float[][] reference(double fps) {
        if (scene != null) return scene.render(fps, size);
        if (fps == nativeFps) return nativeFrames;
        double k = nativeFps / fps;
        if (Math.abs(k - Math.round(k)) > 1e-9 || Math.round(k) < 1) return null;
        return Clips.temporalAverage(nativeFrames, (int) Math.round(k));
    }

    private static int factor(CommandLine cmd, double nat, double want, String opt) {
        double k = nat / want;
        if (Math.abs(k - Math.round(k)) > 1e-9 || Math.round(k) < 1)
            throw new CommandLine.ParameterException(cmd, opt + " " + want + " must divide the clip's own " + nat + " fps (frames are averaged in groups)");
        return (int) Math.round(k);
    }
}
