package io.dcsldm.cli;

import java.util.List;
import picocli.CommandLine;

/**
 * The one place where {@code dcs} subcommands are registered.
 *
 * <p>To add a command: write a picocli {@code @Command(name = "...")} class in this package that
 * implements {@code Callable<Integer>} (return 0 on success) and add it to {@link #ALL}, one line
 * per command, keeping the list alphabetical so parallel additions merge cleanly.
 *
 * <p>Conventions (see docs/cli.md): machine-readable output behind {@code --json} as one JSON line
 * on stdout; progress and logs on stderr; throw {@link CommandLine.ParameterException} for bad user
 * input (exit 2) and {@link IllegalArgumentException}/{@link IllegalStateException} with a readable
 * message for runtime failures (exit 1, printed as one {@code error: ...} line).
 */
public final class Subcommands {
    private Subcommands() {}

    public static final List<Class<?>> ALL = List.of(
            BenchCommand.class,
            DemoCommand.class,
            EnvCommand.class,
            EvalDitCommand.class,
            EvalTokenizerCommand.class,
            EvalVideoCommand.class,
            EvalVideoDitCommand.class,
            GenerateCommand.class,
            ReconstructCommand.class,
            ReconstructVideoCommand.class,
            TrainClassifierCommand.class,
            TrainDitCommand.class,
            TrainTokenizerCommand.class,
            CommandLine.HelpCommand.class
    );
}
