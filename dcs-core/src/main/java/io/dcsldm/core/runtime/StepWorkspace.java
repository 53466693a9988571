package io.dcsldm.core.runtime;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.Supplier;

/**
 * One reused ND4J workspace per kind of step. Fresh off-heap memory is very expensive on these machines
 * (≈3 ns/byte on first touch), so every temporary of a training or sampling step is carved from one arena
 * that learns its size on the first loop and is reset, not freed, between steps. Anything that must
 * outlive the step (parameters, gradients, optimizer state, caches) is allocated detached.
 */
public final class StepWorkspace {
    private static final WorkspaceConfiguration CONFIG = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.STRICT)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();

    private final String id;

    public StepWorkspace(String id) { this.id = id; }

    /** Runs {@code body} inside the workspace; arrays it returns must be detached or used before the next run. */
    public <T> T run(Supplier<T> body) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, id)) {
            return body.get();
        }
    }

    public void run(Runnable body) {
        run(() -> { body.run(); return null; });
    }

    /** Copies {@code x} out of any workspace (for results that must survive the step). */
    public static org.nd4j.linalg.api.ndarray.INDArray detach(org.nd4j.linalg.api.ndarray.INDArray x) {
        return x.isAttached() ? x.detach() : x;
    }
}
