package io.dcsldm.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Locates the repository checkout so commands can find shipped data and models
 * ({@code data/...}, {@code models/...}) whatever the caller's working directory.
 *
 * <p>The {@code ./dcs} launcher passes {@code -Ddcs.repo=<repo root>}. Without it (IDE, tests,
 * {@code java -jar}) the working directory and its parents are searched for the root pom.
 */
public final class Repo {
    public static final String PROPERTY = "dcs.repo";

    private Repo() {}

    /** The repository root, if it can be found. */
    public static Optional<Path> root() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Optional.of(Path.of(prop).toAbsolutePath().normalize());
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("dcs-examples"))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Resolves a repo-relative path, failing with a readable message when the repo is unknown. */
    public static Path resolve(String relative) {
        return root().map(r -> r.resolve(relative)).orElseThrow(() -> new IllegalStateException(
                "cannot locate the dcs repository to find '" + relative
                        + "': run through ./dcs or pass -D" + PROPERTY + "=<repo root>"));
    }
}
