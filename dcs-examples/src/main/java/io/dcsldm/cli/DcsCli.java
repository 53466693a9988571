package io.dcsldm.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * The {@code dcs} command: entry point of the fat jar and of the {@code ./dcs} launcher.
 *
 * <p>Subcommands are listed in {@link Subcommands#ALL}. Exit codes: 0 success, 1 runtime failure,
 * 2 usage error. Every failure prints one line {@code error: <message>} on stderr; the stack trace
 * follows only with {@code --verbose} or {@code DCS_DEBUG=1}.
 */
@Command(
        name = "dcs",
        scope = ScopeType.INHERIT,          // --help/--version reach every subcommand
        mixinStandardHelpOptions = true,
        versionProvider = Versions.class,
        usageHelpAutoWidth = true,
        description = "DCS-LDM on the JVM: latent diffusion whose latent size follows content complexity, not scale.",
        footerHeading = "%n",
        footer = {"Exit codes: 0 ok, 1 runtime error, 2 usage error.",
                  "Environment: DCS_DEBUG=1 prints stack traces (like --verbose)."})
public final class DcsCli implements Callable<Integer> {

    public static final int EXIT_OK = CommandLine.ExitCode.OK;            // 0
    public static final int EXIT_RUNTIME = CommandLine.ExitCode.SOFTWARE; // 1
    public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;      // 2

    static final String VERBOSE = "--verbose";

    /** Environment lookup; tests replace it so a developer's own DCS_DEBUG does not change results. */
    static UnaryOperator<String> getenv = System::getenv;

    /** Read by the exception handler through the parse result; the field only documents the option. */
    @Option(names = VERBOSE, scope = ScopeType.INHERIT,
            description = "Print stack traces of errors (same as DCS_DEBUG=1).")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code dcs} without a subcommand: print the usage on stderr and report a usage error. */
    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        spec.commandLine().usage(err);
        err.println("error: missing command");
        return EXIT_USAGE;
    }

    /** A fully configured command line: all subcommands and the one-line error handlers. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new DcsCli());
        for (Class<?> c : Subcommands.ALL) {
            cl.addSubcommand(c);
        }
        cl.setParameterExceptionHandler(DcsCli::onUsageError);
        cl.setExecutionExceptionHandler(DcsCli::onRuntimeError);
        return cl;
    }

    /** Runs {@code dcs args} in-process and returns the exit code (used by tests). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        try {
            return execute(cl, args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * {@code cl.execute(args)}, plus the one-line report for {@link Error}s (e.g. ND4J's
     * {@code ExceptionInInitializerError} when no backend loads), which picocli does not hand to
     * the execution exception handler.
     */
    public static int execute(CommandLine cl, String... args) {
        try {
            return cl.execute(args);
        } catch (Throwable t) {
            return report(t, cl.getErr(), debug(null, args));
        }
    }

    public static void main(String[] args) {
        int code = execute(commandLine(), args);
        System.out.flush();
        System.exit(code);
    }

    // ---------------------------------------------------------------- error handling

    private static int onUsageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        StringBuilder line = new StringBuilder("error: ").append(oneLine(ex.getMessage()));
        if (ex instanceof CommandLine.UnmatchedArgumentException) {
            List<String> suggestions = ((CommandLine.UnmatchedArgumentException) ex).getSuggestions();
            if (!suggestions.isEmpty()) {
                line.append("; did you mean ").append(String.join(" or ", suggestions)).append('?');
            }
        }
        line.append(" (see '").append(cmd.getCommandSpec().qualifiedName()).append(" --help')");
        PrintWriter err = cmd.getErr();
        err.println(line);
        if (debug(null, args)) {
            ex.printStackTrace(err);
        }
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput(); // 2
    }

    /**
     * Exceptions whose message is written for the user; anything else is reported with its type,
     * because for e.g. {@code NoSuchFileException} the message alone is just a path.
     */
    private static final Set<Class<? extends Throwable>> USER_FACING = Set.of(
            IllegalArgumentException.class, IllegalStateException.class, UnsupportedOperationException.class);

    private static int onRuntimeError(Exception ex, CommandLine cmd, ParseResult parseResult) {
        return report(ex, cmd.getErr(), debug(parseResult, null));
    }

    /** Prints {@code error: <one line>} (and the stack trace if asked) and returns exit code 1. */
    static int report(Throwable t, PrintWriter err, boolean debug) {
        err.println("error: " + describe(t, debug));
        if (debug) {
            t.printStackTrace(err);
        }
        err.flush();
        return EXIT_RUNTIME;
    }

    /** The one-line description of a failure: the first cause that says more than its wrapper. */
    static String describe(Throwable t, boolean debug) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getClass().getSimpleName().equals("NoAvailableBackendException")) {
                return "ND4J found no usable backend (a -Pcuda build needs an NVIDIA GPU, its driver and the"
                        + " CUDA 11.6 runtime, see docs/gpu.md; unset DCS_CUDA for the CPU build)";
            }
        }
        Throwable w = t;
        while (w.getCause() != null && w.getCause() != w && isWrapper(w)) {
            w = w.getCause();
        }
        Throwable c = w;
        boolean userFacing = c.getMessage() != null && USER_FACING.stream().anyMatch(k -> k.isInstance(c));
        if (userFacing) {
            return oneLine(c.getMessage());
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + oneLine(c.getMessage()))
                + (debug ? "" : " (--verbose for the stack trace)");
    }

    /** Wrappers add no information: reflective/initializer wrappers, or {@code new X(cause)}. */
    private static boolean isWrapper(Throwable t) {
        return t instanceof ExceptionInInitializerError
                || t instanceof java.lang.reflect.InvocationTargetException
                || t instanceof java.lang.reflect.UndeclaredThrowableException
                || t instanceof java.util.concurrent.ExecutionException
                || t.getMessage() == null
                || t.getMessage().equals(t.getCause().toString());
    }

    /** {@code --verbose} anywhere on the command line, or {@code DCS_DEBUG} set to 1/true. */
    static boolean debug(ParseResult parseResult, String[] rawArgs) {
        String env = getenv.apply("DCS_DEBUG");
        if (env != null && (env.equals("1") || env.equalsIgnoreCase("true"))) {
            return true;
        }
        for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
            if (pr.hasMatchedOption(VERBOSE)) {
                return true;
            }
        }
        // usage errors have no reliable parse result: fall back to the raw arguments
        return rawArgs != null && Arrays.asList(rawArgs).contains(VERBOSE);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
