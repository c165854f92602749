package qsock.tls.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.function.Supplier;
import qsock.socket.HandshakeFailedException;
import qsock.socket.HandshakeFailure;
import qsock.tls.HandshakeServiceConfig;

/**
 * The handshake service's configuration file, read at first use and again whenever it changed (its modification
 * time or size), so that a fixed file is fixed at once for the next handshake. Thread-safe.
 */
public final class ServiceConfigFile {

    private final Supplier<Path> path;
    private final Object loadLock = new Object();
    private volatile Loaded loaded;

    /** A configuration and the state of its file when it was read. */
    private record Loaded(Path path, FileTime modified, long size, HandshakeServiceConfig config) {}

    /** @param path the file, asked at each use (a system property may name another) */
    public ServiceConfigFile(Supplier<Path> path) {
        this.path = path;
    }

    /** {@return the file the configuration is read from now} */
    public Path path() {
        return path.get();
    }

    /**
     * {@return the configuration, read again if its file changed}
     *
     * @throws HandshakeFailedException with {@link HandshakeFailure#LOCAL_CONFIGURATION} naming the file (and line)
     */
    public HandshakeServiceConfig config() throws HandshakeFailedException {
        Path file = path.get();
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            Loaded current = loaded;
            if (current != null && current.path().equals(file) && current.modified().equals(modified)
                    && current.size() == size) {
                return current.config();
            }
            synchronized (loadLock) {
                current = loaded;
                if (current != null && current.path().equals(file) && current.modified().equals(modified)
                        && current.size() == size) {
                    return current.config();
                }
                HandshakeServiceConfig config = HandshakeServiceConfig.load(file);
                loaded = new Loaded(file, modified, size, config);
                return config;
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new HandshakeFailedException(HandshakeFailure.LOCAL_CONFIGURATION,
                    "the handshake service's configuration " + file + " (system property "
                            + HandshakeServiceConfig.PROPERTY + "): " + e.getMessage(), e);
        }
    }
}
