package io.dcsldm.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The named parameters of one model, in creation order. Modules register their tensors here under a
 * dotted prefix ({@link #scope}); the optimizer, EMA, checkpoints and gradient checks all see the model
 * through this one list, so a parameter can never be missed by one of them.
 *
 * <p>Initialisation draws from one seeded ND4J generator owned by the store, in creation order, so the
 * same seed and architecture give bit-identical weights.</p>
 */
public final class ParamStore {
    private final DataType dataType;
    private final Random rng;
    private final Map<String, Param> params = new LinkedHashMap<>();

    public ParamStore(DataType dataType, long seed) {
        this.dataType = dataType;
        this.rng = Nd4j.getRandomFactory().getNewRandomInstance(io.dcsldm.core.runtime.Rng.nativeSeed(seed));
    }


    public DataType dataType() { return dataType; }

    /** A view that prefixes every name with {@code prefix + "."}. */
    public Scope scope(String prefix) { return new Scope(this, prefix); }

    /** Normal(0, std²) initialised parameter. */
    public Param normal(String name, double std, boolean decay, long... shape) {
        INDArray v = detached(() -> Nd4j.createUninitialized(dataType, shape));
        Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.random.impl.GaussianDistribution(v, 0.0, std), rng);
        return register(name, v, decay);
    }

    /** Uniform(−a, a) initialised parameter (Xavier-uniform when a = sqrt(6 / (fanIn + fanOut))). */
    public Param uniform(String name, double a, boolean decay, long... shape) {
        INDArray v = detached(() -> Nd4j.createUninitialized(dataType, shape));
        Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.random.impl.UniformDistribution(v, -a, a), rng);
        return register(name, v, decay);
    }

    public Param constant(String name, double value, boolean decay, long... shape) {
        INDArray v = detached(() -> Nd4j.valueArrayOf(shape, value, dataType));
        return register(name, v, decay);
    }

    private Param register(String name, INDArray value, boolean decay) {
        if (params.containsKey(name)) throw new IllegalArgumentException("duplicate parameter name " + name);
        INDArray grad = detached(() -> Nd4j.zeros(dataType, value.shape()));
        Param p = new Param(name, value, grad, decay);
        params.put(name, p);
        return p;
    }

    private static INDArray detached(java.util.function.Supplier<INDArray> make) {
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return make.get();
        }
    }

    public List<Param> all() { return Collections.unmodifiableList(new ArrayList<>(params.values())); }

    public Param get(String name) {
        Param p = params.get(name);
        if (p == null) throw new IllegalArgumentException("no parameter named " + name);
        return p;
    }

    public boolean contains(String name) { return params.containsKey(name); }

    public long count() {
        long n = 0;
        for (Param p : params.values()) n += p.size();
        return n;
    }

    public void zeroGrads() {
        for (Param p : params.values()) p.grad().assign(0);
    }

    /** Name → value, in creation order (what a checkpoint stores). */
    public Map<String, INDArray> values() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (Param p : params.values()) m.put(p.name(), p.value());
        return m;
    }

    /**
     * A name prefix over a store; modules take one and never see their siblings' names.
     *
     * <p>A {@link #shared() shared} scope returns the existing parameter when a name is already registered
     * (same shape required) instead of failing. Two module instances built on the same shared scope use
     * one set of weights but keep separate activations, so a step can run the same layer on several
     * inputs (e.g. the patchifier once per input resolution) and the gradients add up in one buffer.</p>
     */
    public record Scope(ParamStore store, String prefix, boolean isShared) {
        public Scope(ParamStore store, String prefix) { this(store, prefix, false); }
        public Scope scope(String sub) { return new Scope(store, prefix + "." + sub, isShared); }
        public Scope shared() { return new Scope(store, prefix, true); }
        public String name(String local) { return prefix + "." + local; }
        public Param normal(String local, double std, boolean decay, long... shape) {
            Param p = existing(local, shape);
            return p != null ? p : store.normal(name(local), std, decay, shape);
        }
        public Param uniform(String local, double a, boolean decay, long... shape) {
            Param p = existing(local, shape);
            return p != null ? p : store.uniform(name(local), a, decay, shape);
        }
        public Param constant(String local, double v, boolean decay, long... shape) {
            Param p = existing(local, shape);
            return p != null ? p : store.constant(name(local), v, decay, shape);
        }
        public DataType dataType() { return store.dataType(); }

        private Param existing(String local, long[] shape) {
            if (!isShared || !store.contains(name(local))) return null;
            Param p = store.get(name(local));
            if (!java.util.Arrays.equals(p.value().shape(), shape))
                throw new IllegalArgumentException("shared parameter " + name(local) + " has shape "
                        + java.util.Arrays.toString(p.value().shape()) + ", requested " + java.util.Arrays.toString(shape));
            return p;
        }
    }
}
