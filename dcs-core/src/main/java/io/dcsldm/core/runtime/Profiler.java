package io.dcsldm.core.runtime;

import java.util.Map;
import java.util.TreeMap;

/**
 * Wall-time per named section, off unless {@code -Ddcs.profile=true}. For finding where a step's time
 * goes when tuning; costs one volatile read per section when off.
 */
public final class Profiler {
    private static final boolean ENABLED = Boolean.getBoolean("dcs.profile");
    private static final Map<String, long[]> TOTALS = new TreeMap<>();

    private Profiler() {}

    public static long start() { return ENABLED ? System.nanoTime() : 0; }

    public static void stop(String section, long start) {
        if (!ENABLED) return;
        long dt = System.nanoTime() - start;
        synchronized (TOTALS) {
            long[] t = TOTALS.computeIfAbsent(section, k -> new long[2]);
            t[0] += dt;
            t[1]++;
        }
    }

    /** Ends {@code section} (begun at {@code start}) and starts the next one: {@code t = lap("a", t)}. */
    public static long lap(String section, long start) {
        stop(section, start);
        return start();
    }

    /** Sections, total ms and calls, largest first. */
    public static String report() {
        StringBuilder sb = new StringBuilder();
        synchronized (TOTALS) {
            TOTALS.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                    .forEach(e -> sb.append(String.format("%-28s %9.1f ms %7d calls%n", e.getKey(), e.getValue()[0] / 1e6, e.getValue()[1])));
        }
        return sb.toString();
    }

    public static void reset() {
        synchronized (TOTALS) { TOTALS.clear(); }
    }
}
