package qsock.interop.peer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tech.kwik.core.log.FileLogger;
import tech.kwik.core.log.Logger;

/** What both Kwik peers share. */
final class Kwik {
    static final int SOCKET_BUFFER = 4 << 20;
    static final long STREAM_BUFFER = 4L << 20;
    static final long CONNECTION_BUFFER = 16L << 20;
    /** As {@code Quiche.IDLE_TIMEOUT_SECONDS}. */
    static final int IDLE_TIMEOUT_SECONDS = 120;
    /** The max_udp_payload_size Kwik 0.10.8 advertises, not configurable. */
    static final int MAX_UDP_PAYLOAD = 1500;

    private Kwik() {}

    /**
     * A Kwik log in a new temporary file, with errors, warnings and info; packets and loss recovery only with
     * {@code -Dqsock.interop.kwikPackets=true} (too many for every run, but what tells a stall's story).
     */
    static Logger logger(String name, Path[] file) {
        try {
            Path f = Files.createTempFile("kwik-" + name + "-", ".log");
            FileLogger log = new FileLogger(f.toFile());
            log.logWarning(true);
            log.logInfo(true);
            if (Boolean.getBoolean("qsock.interop.kwikPackets")) {
                log.logPackets(true);
                log.logRecovery(true);
            }
            file[0] = f;
            return log;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return Kwik's name for {@code v}} */
    static tech.kwik.core.QuicConnection.QuicVersion version(qsock.api.QuicVersion v) {
        return tech.kwik.core.QuicConnection.QuicVersion.valueOf(v.name());
    }
}
