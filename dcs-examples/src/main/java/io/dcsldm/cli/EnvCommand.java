package io.dcsldm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dcs env}: what this JVM and ND4J will run on. Useful first line of every bug report. */
@Command(name = "env",
        description = {"Print the runtime environment (ND4J backend, BLAS, threads, memory caps).",
                       "%nReports the ND4J backend and version, BLAS vendor, OpenMP/BLAS/ND4J",
                       "thread counts, Java version, cores, max heap, JavaCPP off-heap caps,",
                       "OMP_WAIT_POLICY, OMP_NUM_THREADS and the default data type.",
                       "Attach its output to bug reports."})
public final class EnvCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print one JSON line instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> env = collect();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(env));
        } else {
            int w = env.keySet().stream().mapToInt(String::length).max().orElse(0);
            for (Map.Entry<String, Object> e : env.entrySet()) {
                out.printf("%-" + w + "s  %s%n", e.getKey(), describe(e.getKey(), e.getValue()));
            }
        }
        out.flush();
        return DcsCli.EXIT_OK;
    }

    /**
     * The environment as an ordered map (byte counts as numbers, unset variables as null).
     * Other commands (e.g. benchmarks) can embed it in their JSON output. Initialises ND4J.
     */
    public static Map<String, Object> collect() {
        Map<String, Object> m = new LinkedHashMap<>();
        Runtime rt = Runtime.getRuntime();
        Environment nd4jEnv = Nd4j.getEnvironment();

        m.put("dcsVersion", Versions.dcs());
        m.put("nd4jVersion", Versions.nd4j());
        m.put("backend", Nd4j.getBackend().getClass().getName());
        m.put("cpuBackend", nd4jEnv.isCPU());
        m.put("blasVendor", String.valueOf(Nd4j.factory().blas().getBlasVendor()));
        m.put("blasMaxThreads", Nd4j.factory().blas().getMaxThreads());
        m.put("ompMaxThreads", NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
        m.put("nd4jMaxThreads", nd4jEnv.maxThreads());
        m.put("nd4jMaxMasterThreads", nd4jEnv.maxMasterThreads());
        m.put("dataType", String.valueOf(Nd4j.dataType()));
        m.put("defaultFloatType", String.valueOf(Nd4j.defaultFloatingPointType()));
        m.put("javaVersion", System.getProperty("java.version"));
        m.put("javaVm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version")
                + " " + System.getProperty("os.arch"));
        m.put("cores", rt.availableProcessors());
        m.put("maxHeapBytes", rt.maxMemory());
        m.put("javacppMaxBytes", Pointer.maxBytes());
        m.put("javacppMaxPhysicalBytes", Pointer.maxPhysicalBytes());
        m.put("totalPhysicalBytes", Pointer.totalPhysicalBytes());
        m.put("ompWaitPolicy", System.getenv("OMP_WAIT_POLICY"));
        m.put("ompNumThreads", System.getenv("OMP_NUM_THREADS"));
        m.put("repo", Repo.root().map(Object::toString).orElse(null));
        return m;
    }

    private static String describe(String key, Object value) {
        if (value == null) {
            return "(unset)";
        }
        if (key.endsWith("Bytes") && value instanceof Long) {
            long b = (Long) value;
            return b <= 0 ? b + " (no limit)" : Pointer.formatBytes(b) + " (" + b + ")";
        }
        return value.toString();
    }
}
