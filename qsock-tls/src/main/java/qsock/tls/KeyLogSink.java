package qsock.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Receives key log lines in the NSS key log format that Wireshark reads (the SSLKEYLOGFILE convention):
 * {@code <label> <client random hex> <secret hex>}. Whoever holds these lines can decrypt the
 * connection: configure a sink only for debugging.
 */
@FunctionalInterface
public interface KeyLogSink {

    /** Receives one line, without its line terminator. May be called from any thread. */
    void log(String line);

    /**
     * {@return a sink appending to {@code file}} Lines from concurrent connections are written whole, one
     * at a time. An I/O failure surfaces as {@link UncheckedIOException} to the engine's caller.
     */
    static KeyLogSink appendingTo(Path file) {
        return line -> {
            synchronized (KeyLogSink.class) {
                try {
                    Files.writeString(file, line + "\n", StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND, StandardOpenOption.WRITE);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write key log " + file, e);
                }
            }
        };
    }

    /** {@return a sink for the file named by the SSLKEYLOGFILE environment variable, or null if unset} */
    static KeyLogSink fromEnvironment() {
        String name = System.getenv("SSLKEYLOGFILE");
        return name == null || name.isBlank() ? null : appendingTo(Path.of(name));
    }
}
