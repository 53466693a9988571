package io.dcsldm.train.loop;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Loads the batches of updates {@code from .. to-1} in order, on a background thread up to
 * {@code prefetch} batches ahead (a bounded queue), or on the caller's thread when {@code prefetch == 0}.
 * One producer and strict step order make the batches identical however far ahead the loader runs.
 * A loader failure is handed to the training thread and rethrown there by {@link #next}.
 */
final class BatchLoader<B> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchLoader.class);

    /** One queue entry: the batch of {@code step}, or the failure that replaced it. */
    private record Item<B>(long step, B batch, Throwable error) {
    }

    private final TrainTask<B> task;
    private final BatchOrder order;
    private final BlockingQueue<Item<B>> queue;
    private final Thread thread;

    BatchLoader(TrainTask<B> task, BatchOrder order, long from, long to, int prefetch) {
        this.task = task;
        this.order = order;
        if (prefetch == 0 || to <= from) {
            this.queue = null;
            this.thread = null;
            return;
        }
        this.queue = new ArrayBlockingQueue<>(prefetch);
        this.thread = new Thread(() -> produce(from, to), "dcs-batch-loader");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void produce(long from, long to) {
        try {
            for (long s = from; s < to; s++) {
                Item<B> item;
                try {
                    item = new Item<>(s, task.loadBatch(order.indices(s), s), null);
                } catch (Throwable t) {
                    item = new Item<>(s, null, t);
                }
                queue.put(item);
                if (item.error() != null) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed by the trainer: stop quietly
        }
    }

    /** The batch of update {@code step}; calls must come in order {@code from, from+1, ...}. */
    B next(long step) {
        if (queue == null) {
            try {
                return task.loadBatch(order.indices(step), step);
            } catch (RuntimeException | Error e) {
                throw failed(step, e);
            }
        }
        Item<B> item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TrainingException("interrupted while waiting for the batch of step " + (step + 1), e);
        }
        if (item.error() != null) {
            throw failed(item.step(), item.error());
        }
        if (item.step() != step) {
            throw new IllegalStateException("batch loader out of order: got step " + item.step() + ", expected " + step);
        }
        return item.batch();
    }

    private static TrainingException failed(long step, Throwable e) {
        String msg = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        return new TrainingException("loading the batch of step " + (step + 1) + " failed: " + msg, e);
    }

    @Override
    public void close() {
        if (thread == null) {
            return;
        }
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("the batch loader thread did not stop within 10 s (a loadBatch call is still running)");
        }
    }
}
