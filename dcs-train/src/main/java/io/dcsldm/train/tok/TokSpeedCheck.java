package io.dcsldm.train.tok;

import io.dcsldm.core.optim.AdamW;
import io.dcsldm.core.runtime.StepWorkspace;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.tok.TokConfig;
import io.dcsldm.train.data.Batches;
import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.Resample;

/** Scratch: throughput and early loss of the tokenizer objective. */
public final class TokSpeedCheck {
    public static void main(String[] a) {
        TokConfig cfg = new TokConfig();
        cfg.width = Integer.parseInt(a.length > 0 ? a[0] : "128");
        cfg.pixelWidth = Integer.parseInt(a.length > 1 ? a[1] : "64");
        int batch = Integer.parseInt(a.length > 2 ? a[2] : "32");
        int steps = Integer.parseInt(a.length > 3 ? a[3] : "30");
        ImageSet train = Resample.padTo(Datasets.load("fashion-mnist:train", 8000), 32, 32, Resample.PadMode.ZERO);
        DcsTokenizer tok = new DcsTokenizer(cfg, 1);
        System.out.println("params " + tok.params().count());
        TokenizerObjective obj = new TokenizerObjective(tok, new int[]{16, 32, 64});
        AdamW opt = new AdamW(tok.params().all(), 1e-3, 0.9, 0.99, 1e-8, 0.0);
        StepWorkspace ws = new StepWorkspace("tok");
        var order = Batches.epoch(train.size(), batch, 1, 0, true);
        long t0 = System.nanoTime();
        double avg = 0;
        for (int s = 0; s < steps; s++) {
            ImageSet b = train.select(order.get(s % order.size()));
            final long st = s;
            double loss = ws.run(() -> {
                tok.params().zeroGrads();
                double l = obj.forwardBackward(b, 1, st);
                io.dcsldm.core.optim.GradClip.clip(tok.params().all(), 1.0);
                opt.step(st, 1e-3 * Math.min(1.0, (st + 1) / 20.0));
                return l;
            });
            avg = s == 0 ? loss : 0.9 * avg + 0.1 * loss;
            if (s == 4) io.dcsldm.core.runtime.Profiler.reset();
            if (s % 10 == 9) System.out.printf("step %d loss %.4f  %.0f ms/step%n", s + 1, avg, (System.nanoTime() - t0) / 1e6 / (s + 1));
        }
        System.out.println(io.dcsldm.core.runtime.Profiler.report());
    }
}
