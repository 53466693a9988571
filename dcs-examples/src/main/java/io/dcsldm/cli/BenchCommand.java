package io.dcsldm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcsldm.core.bench.BlockBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Map;
import java.util.concurrent.Callable;

/** {@code dcs bench block}: the foundation benchmark, a ratio against {@code Nd4j.gemm} measured in one run. */
@Command(name = "bench", description = "Benchmarks. 'block': a 4-block level-causal transformer training step vs Nd4j.gemm.")
public final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Which benchmark: block")
    String which;

    @Option(names = "--json", description = "Print one JSON line")
    boolean json;

    @Option(names = "--steps", defaultValue = "20", description = "Timed steps (default ${DEFAULT-VALUE})")
    int steps;

    @Override
    public Integer call() throws Exception {
        if (!which.equals("block")) throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "unknown benchmark '" + which + "' (known: block)");
        BlockBench.Shape s = BlockBench.Shape.standard();
        Map<String, Object> r = BlockBench.run(new BlockBench.Shape(s.batch(), s.tokens(), s.levels(), s.channels(), s.heads(), s.blocks(), steps, s.warmup()));
        if (json) System.out.println(new ObjectMapper().writeValueAsString(r));
        else r.forEach((k, v) -> System.out.printf("%-18s %s%n", k, v));
        return 0;
    }
}
