package io.dcsldm.train.loop;

import io.dcsldm.train.data.Batches;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Step → (epoch, position) is Batches.epoch(n, batchSize, seed, epoch, dropLast = true), in any query order. */
class BatchOrderTest {
    @Test
    void stepsWalkEpochsOfBatches() {
        int n = 30, bs = 7; // 4 batches per epoch, 2 samples dropped each epoch
        BatchOrder order = new BatchOrder(n, bs, 5);
        assertEquals(4, order.batchesPerEpoch());
        for (int epoch = 0; epoch < 3; epoch++) {
            List<int[]> expected = Batches.epoch(n, bs, 5, epoch, true);
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                int[] got = order.indices(epoch * 4L + i);
                assertArrayEquals(expected.get(i), got);
                for (int x : got) seen.add(x);
                assertEquals(epoch, order.epochOf(epoch * 4L + i));
            }
            assertEquals(28, seen.size(), "no sample twice within an epoch");
        }
        // a fresh instance queried out of order (a resumed run) gives the same batches
        BatchOrder resumed = new BatchOrder(n, bs, 5);
        assertArrayEquals(order.indices(9), resumed.indices(9));
        assertArrayEquals(order.indices(2), resumed.indices(2));
    }

    @Test
    void datasetSmallerThanABatchIsAClearError() {
        TrainingException e = assertThrows(TrainingException.class, () -> new BatchOrder(5, 8, 0));
        assertEquals("the dataset has 5 samples, fewer than one batch (train.batchSize = 8)", e.getMessage());
    }
}
