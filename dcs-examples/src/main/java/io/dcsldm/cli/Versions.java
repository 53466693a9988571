package io.dcsldm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/** Version strings, read from resources so that {@code --version} does not start ND4J. */
public final class Versions implements CommandLine.IVersionProvider {

    /** This project's version, filtered in from the pom. */
    public static String dcs() {
        return load("/io/dcsldm/cli/version.properties").getProperty("version", "unknown");
    }

    /** The ND4J version on the class path (from nd4j-api's Maven metadata). */
    public static String nd4j() {
        return load("/META-INF/maven/org.nd4j/nd4j-api/pom.properties").getProperty("version", "unknown");
    }

    private static Properties load(String resource) {
        Properties p = new Properties();
        try (InputStream in = Versions.class.getResourceAsStream(resource)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
        return p;
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "dcs " + dcs(),
            "ND4J " + nd4j() + ", Java " + System.getProperty("java.version")
                    + " (" + System.getProperty("java.vm.name") + ")"
        };
    }
}
