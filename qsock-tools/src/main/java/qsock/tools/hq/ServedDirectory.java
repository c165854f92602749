package qsock.tools.hq;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The directory a server serves, and the one rule that keeps requests inside it: a request path names a
 * regular file under the root, after {@code .} and {@code ..} are refused and symbolic links are resolved.
 * Anything else (a missing file, a directory, a path leaving the root by {@code ..} or by a link) is "not
 * found": the server does not tell a client which of these it hit.
 */
public final class ServedDirectory {

    private final Path root;

    /** Serves {@code root}, which must be an existing directory. */
    public ServedDirectory(Path root) throws IOException {
        this.root = root.toRealPath();
        if (!Files.isDirectory(this.root)) {
            throw new IOException(root + " is not a directory");
        }
    }

    /** {@return the served directory, as a real path} */
    public Path root() {
        return root;
    }

    /** {@return the regular file that {@code requestPath} names under the root, or empty when there is none} */
    public Optional<Path> resolve(String requestPath) {
        if (!requestPath.startsWith("/") || requestPath.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        Path candidate = root;
        for (String segment : requestPath.substring(1).split("/", -1)) {
            if (segment.isEmpty()) {
                continue;
            }
            // Refused outright rather than normalized away: no legitimate client sends them.
            if (segment.equals(".") || segment.equals("..")) {
                return Optional.empty();
            }
            try {
                candidate = candidate.resolve(segment);
            } catch (InvalidPathException e) {
                return Optional.empty();
            }
        }
        if (candidate.equals(root)) {
            return Optional.empty();
        }
        try {
            // A symbolic link may point anywhere: judge where it leads, not its name.
            Path real = candidate.toRealPath();
            if (!real.startsWith(root) || !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)
                    || !Files.isReadable(real)) {
                return Optional.empty();
            }
            return Optional.of(real);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
