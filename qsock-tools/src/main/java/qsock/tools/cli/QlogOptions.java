package qsock.tools.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;

/**
 * {@code --qlog-dir DIR}, which {@code qsock server}, {@code qsock client} and {@code qsock perf} share: every
 * connection writes its qlog trace there ({@link QuicSocketOptions#QLOG_DIR}). Without the option, the system
 * property {@code QLOGDIR} and then the environment variable {@code QLOGDIR} (the QUIC interop runner's) name the
 * directory; with none of them, no qlog is written.
 */
public final class QlogOptions {

    /** The system property and environment variable read when {@code --qlog-dir} is not given. */
    static final String VARIABLE = "QLOGDIR";

    @Option(names = "--qlog-dir", paramLabel = "DIR",
            description = "Write each connection's qlog (JSON-SEQ, <ODCID>_<client|server>.sqlog, for qvis) to DIR "
                    + "(default: the QLOGDIR system property or environment variable; none without them).")
    Path directory;

    /** {@return the directory qlog goes to: --qlog-dir, else QLOGDIR (property, then environment), else null} */
    public Path directory() {
        if (directory != null) {
            return directory;
        }
        String named = System.getProperty(VARIABLE);
        if (named == null || named.isBlank()) {
            named = System.getenv(VARIABLE);
        }
        return named == null || named.isBlank() ? null : Path.of(named);
    }

    /** Sets {@link QuicSocketOptions#QLOG_DIR} on {@code socket} (before it connects or listens) if a directory is named. */
    public void applyTo(QuicSocket socket) throws java.io.IOException {
        Path dir = directory();
        if (dir != null) {
            socket.setOption(QuicSocketOptions.QLOG_DIR, dir);
        }
    }
}
