package io.dcsldm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Runs the dcs command line in-process and checks its contract: output formats and exit codes. */
class DcsCliTest {

    @BeforeEach
    void ignoreDevelopersDcsDebug() {
        DcsCli.getenv = name -> "DCS_DEBUG".equals(name) ? null : System.getenv(name);
    }

    @AfterEach
    void restoreEnv() {
        DcsCli.getenv = System::getenv;
    }

    @Test
    void dcsDebugEnvPrintsTheStackTrace() {
        DcsCli.getenv = name -> "DCS_DEBUG".equals(name) ? "1" : System.getenv(name);
        Run r = run(withTestCommands(), "boom");
        assertEquals(1, r.code());
        assertEquals("error: the thing broke", r.errLines().get(0));
        assertTrue(r.err().contains("at io.dcsldm.cli.DcsCliTest$Boom.call"), r.err());
    }

    /** Captured result of one in-process run. */
    record Run(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    static Run run(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = DcsCli.execute(cl, args);
        return new Run(code, out.toString(), err.toString());
    }

    static Run dcs(String... args) {
        return run(DcsCli.commandLine(), args);
    }

    @Test
    void envJsonIsOneLineWithTheDocumentedKeys() throws Exception {
        Run r = dcs("env", "--json");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(1, lines.size(), "one JSON line on stdout: " + r.out());
        JsonNode json = new ObjectMapper().readTree(lines.get(0));
        for (String key : List.of("dcsVersion", "nd4jVersion", "backend", "blasVendor", "blasMaxThreads",
                "ompMaxThreads", "nd4jMaxThreads", "nd4jMaxMasterThreads", "dataType", "javaVersion",
                "cores", "maxHeapBytes", "javacppMaxBytes", "javacppMaxPhysicalBytes",
                "ompWaitPolicy", "ompNumThreads")) {
            assertTrue(json.has(key), "missing key " + key + " in " + lines.get(0));
        }
        assertTrue(json.get("backend").asText().startsWith("org.nd4j."), json.get("backend").asText());
        assertEquals("1.0.0-M2.1", json.get("nd4jVersion").asText());
        assertTrue(json.get("cores").asInt() >= 1);
        assertTrue(json.get("maxHeapBytes").asLong() > 0);
        assertTrue(json.get("ompMaxThreads").asInt() >= 1);
        assertEquals("FLOAT", json.get("dataType").asText());
        assertEquals(System.getProperty("java.version"), json.get("javaVersion").asText());
    }

    @Test
    void envTableMentionsBackend() {
        Run r = dcs("env");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("backend"), r.out());
        assertTrue(r.out().contains("ompWaitPolicy"), r.out());
    }

    @Test
    void unknownSubcommandIsAOneLineUsageError() {
        Run r = dcs("nosuchcmd");
        assertEquals(2, r.code());
        assertEquals("", r.out());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().startsWith("error: "), r.err());
        assertTrue(r.err().contains("nosuchcmd"), r.err());
    }

    @Test
    void unknownOptionIsAOneLineUsageError() {
        for (String[] args : List.of(new String[] {"--nosuchoption"}, new String[] {"env", "--nosuchoption"})) {
            Run r = dcs(args);
            assertEquals(2, r.code(), String.join(" ", args));
            assertEquals(1, r.errLines().size(), r.err());
            assertTrue(r.err().startsWith("error: Unknown option: '--nosuchoption'"), r.err());
        }
    }

    @Test
    void missingCommandIsAUsageError() {
        Run r = dcs();
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Usage: dcs"), r.err());
    }

    @Test
    void versionComesFromThePom() {
        Run r = dcs("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("dcs " + Versions.dcs()), r.out());
        assertFalse(Versions.dcs().contains("${"), "version.properties was not filtered");
    }

    @Test
    void helpListsEnv() {
        Run r = dcs("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("env"), r.out());
    }

    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("the thing\nbroke");
        }
    }

    @Command(name = "npe")
    static final class Npe implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new NullPointerException();
        }
    }

    @Command(name = "badarg")
    static final class BadArg implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            throw new CommandLine.ParameterException(spec.commandLine(), "--steps must be positive");
        }
    }

    @Command(name = "initfail")
    static final class InitFail implements Callable<Integer> {
        @Override
        public Integer call() {
            // what a failing static initialiser (e.g. ND4J without a backend) looks like
            throw new ExceptionInInitializerError(new RuntimeException(new java.io.IOException("disk on fire")));
        }
    }

    @Command(name = "wrapped")
    static final class Wrapped implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new RuntimeException(new IllegalArgumentException("latent has 3 levels, asked for 5"));
        }
    }

    private static CommandLine withTestCommands() {
        CommandLine cl = DcsCli.commandLine();
        cl.addSubcommand(new Boom());
        cl.addSubcommand(new Npe());
        cl.addSubcommand(new BadArg());
        cl.addSubcommand(new InitFail());
        cl.addSubcommand(new Wrapped());
        return cl;
    }

    @Test
    void runtimeErrorIsOneLineAndExitsOne() {
        Run r = run(withTestCommands(), "boom");
        assertEquals(1, r.code());
        assertEquals(List.of("error: the thing broke"), r.errLines());
    }

    @Test
    void unexpectedExceptionNamesItsType() {
        Run r = run(withTestCommands(), "npe");
        assertEquals(1, r.code());
        assertEquals(1, r.errLines().size(), r.err());
        assertEquals(List.of("error: NullPointerException (--verbose for the stack trace)"), r.errLines());
    }

    @Test
    void errorsAreUnwrappedToTheInformativeCause() {
        Run r = run(withTestCommands(), "initfail");
        assertEquals(1, r.code());
        assertEquals(List.of("error: IOException: disk on fire (--verbose for the stack trace)"), r.errLines());

        r = run(withTestCommands(), "wrapped");
        assertEquals(1, r.code());
        assertEquals(List.of("error: latent has 3 levels, asked for 5"), r.errLines());
    }

    @Test
    void verbosePrintsTheStackTrace() {
        for (String[] args : List.of(new String[] {"--verbose", "boom"}, new String[] {"boom", "--verbose"})) {
            Run r = run(withTestCommands(), args);
            assertEquals(1, r.code());
            assertEquals("error: the thing broke", r.errLines().get(0));
            assertTrue(r.errLines().size() > 2, r.err());
            assertTrue(r.err().contains("at io.dcsldm.cli.DcsCliTest$Boom.call"), r.err());
        }
    }

    @Test
    void parameterExceptionFromACommandIsAUsageError() {
        Run r = run(withTestCommands(), "badarg");
        assertEquals(2, r.code());
        assertEquals(List.of("error: --steps must be positive (see 'dcs badarg --help')"), r.errLines());
    }
}
