package io.dcsldm.tok;

import io.dcsldm.core.runtime.Profiler;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;

/**
 * The pixel side of one training step, after the decoder: for each group of samples that share a target
 * rendering, gather their decoded tokens, turn them into pixels, take the loss {@code l1Weight·L1 + MSE}
 * (mean per sample on the [0, 1] scale, each sample weighing {@code 1/B}) and send its gradient back into
 * the decoded tokens. {@link DcsTokenizer} and {@link VideoTokenizer} both train through this one routine,
 * so that an image trained as a one-frame clip runs the image path's computation to the bit.
 */
final class TargetGroupDecoding {
    private TargetGroupDecoding() {}

    /**
     * The depatchifier path of one target group, opened per group: it keeps its forward's activations for its
     * backward.
     */
    interface Group {
        /**
         * The group's decoded tokens in per-patch order {@code [n·G·L·m, D]} and its samples' level counts →
         * the prediction on the [0, 1] scale, unclamped, shaped like the group's stacked targets.
         */
        INDArray forward(INDArray rows, int[] levels);

        /** Gradient w.r.t. the prediction → gradient w.r.t. the rows given to {@link #forward}. */
        INDArray backward(INDArray dPred);
    }

    /** Opens the path of the group of samples {@code members} (indices into the batch) whose stacked targets are {@code target}. */
    interface GroupOpener {
        Group open(List<Integer> members, INDArray target);
    }

    /** The summed loss and its gradient w.r.t. the decoded tokens, shaped like {@code perPatch}. */
    record Result(double loss, INDArray dPerPatch) {}

    /**
     * @param perPatch      decoded tokens of the whole batch in per-patch order, samples in encoder order
     * @param rowsPerSample rows of {@code perPatch} per sample ({@code G·L·m})
     * @param position      sample index → its place in encoder order
     * @param groups        sample indices grouped by target rendering, in the order the groups are run
     * @param targets       a group's stacked targets
     * @param levelsOf      sample index → its level count
     * @param weight        scale of the gradients (the loss is not scaled)
     * @param profile       prefix of the profiler sections ({@code <profile>.lpa.fwd}, {@code <profile>.lpa.bwd})
     */
    static Result run(INDArray perPatch, long rowsPerSample, int[] position, Collection<List<Integer>> groups,
                      Function<List<Integer>, INDArray> targets, IntUnaryOperator levelsOf, double weight, double l1Weight,
                      String profile, GroupOpener opener) {
        int b = position.length;
        INDArray dPerPatch = Nd4j.zeros(perPatch.dataType(), perPatch.shape());
        double loss = 0;
        long t = Profiler.start();
        for (List<Integer> members : groups) {
            int n = members.size();
            INDArray target = targets.apply(members);
            INDArray[] rows = new INDArray[n];
            int[] levels = new int[n];
            for (int i = 0; i < n; i++) {
                rows[i] = perPatch.get(rowsOf(position[members.get(i)], rowsPerSample), NDArrayIndex.all());
                levels[i] = levelsOf.applyAsInt(members.get(i));
            }
            Group group = opener.open(members, target);
            INDArray pred = group.forward(n == 1 ? rows[0] : Nd4j.concat(0, rows), levels);
            t = Profiler.lap(profile + ".lpa.fwd", t);
            INDArray diff = pred.subi(target);
            double per = diff.length() / n;
            loss += (l1Weight * Transforms.abs(diff, true).sumNumber().doubleValue() + diff.mul(diff).sumNumber().doubleValue()) / per / b;
            // d/d(model output in [−1, 1]) = d/dpred01 · 0.5
            INDArray dPred = Transforms.sign(diff, true).muli(l1Weight).addi(diff.mul(2.0)).muli(weight * 0.5 / per / b);
            INDArray dRows = group.backward(dPred);
            for (int i = 0; i < n; i++)
                dPerPatch.get(rowsOf(position[members.get(i)], rowsPerSample), NDArrayIndex.all())
                        .assign(dRows.get(rowsOf(i, rowsPerSample), NDArrayIndex.all()));
            t = Profiler.lap(profile + ".lpa.bwd", t);
        }
        return new Result(loss, dPerPatch);
    }

    /** The rows of the {@code i}-th sample. */
    private static org.nd4j.linalg.indexing.INDArrayIndex rowsOf(long i, long rowsPerSample) {
        return NDArrayIndex.interval(i * rowsPerSample, (i + 1) * rowsPerSample);
    }

    /**
     * With a linear code (model.linearCode): a target group's members' latent floats, gathered from the batch's
     * {@code [B, floats]} in encoder order, with every coordinate beyond each member's level count zeroed; and
     * the mask that zeroed them, for the backward.
     */
    record LinearPrefix(INDArray z, INDArray keep) {
        /** {@code rows[i]}: member {@code i}'s row in {@code zFlat}; {@code levels[i]}: its level count. */
        static LinearPrefix gather(INDArray zFlat, int[] rows, int[] levels, TokenLayout layout, int channels) {
            int n = rows.length;
            long floats = zFlat.columns();
            INDArray keep = Nd4j.zeros(zFlat.dataType(), n, floats), z = Nd4j.createUninitialized(zFlat.dataType(), n, floats);
            for (int i = 0; i < n; i++) {
                keep.get(NDArrayIndex.point(i), NDArrayIndex.interval(0, (long) layout.tokens(levels[i]) * channels)).assign(1.0);
                z.putRow(i, zFlat.getRow(rows[i]));
            }
            return new LinearPrefix(z.muli(keep), keep);
        }

        /** Masks the members' gradient {@code dz: [n, floats]} and writes it into {@code dzAll}'s rows. */
        void scatter(INDArray dz, INDArray dzAll, int[] rows) {
            dz.muli(keep);
            for (int i = 0; i < rows.length; i++) dzAll.putRow(rows[i], dz.getRow(i));
        }
    }
}
