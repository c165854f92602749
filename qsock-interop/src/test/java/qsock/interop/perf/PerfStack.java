package qsock.interop.perf;

import java.io.IOException;

/**
 * One QUIC stack as both ends of {@code qsock perf}'s protocol on loopback: a server that counts throughput
 * streams and echoes request/response streams, and a client of one connection to it. The protocol is
 * qsock-tools' {@code qsock.tools.perf.PerfProtocol}: ALPN {@value #ALPN}; a bidirectional stream starts with
 * {@code 'T'} (the server answers the byte count at the FIN as an 8-byte big-endian integer with its own FIN)
 * or {@code 'R'} (the server echoes every byte).
 */
interface PerfStack extends AutoCloseable {

    /** The ALPN of qsock perf. */
    String ALPN = "qsock-perf";
    /** The first byte of a throughput stream. */
    byte THROUGHPUT = 'T';
    /** The first byte of a request/response stream. */
    byte REQUEST_RESPONSE = 'R';

    /** A client connection of this stack to its server. */
    interface Connection extends AutoCloseable {

        /**
         * Sends {@code total} bytes on a new stream in writes of {@code messageSize} and waits for the server's
         * count, at most until {@code deadlineNanos} ({@link System#nanoTime()} clock).
         *
         * @return the nanoseconds from the first byte to the count
         * @throws StalledException when the deadline passed first
         */
        long throughput(long total, int messageSize, long deadlineNanos) throws IOException, StalledException;

        /**
         * Runs {@code count} round trips of {@code size} bytes each way on a new stream, each after the previous
         * response arrived whole.
         *
         * @param samples receives each round trip's nanoseconds
         * @return the nanoseconds of the whole run
         */
        long requestResponse(int count, int size, long[] samples, long deadlineNanos)
                throws IOException, StalledException;

        @Override
        void close();
    }

    /** Connects a new client to this stack's server (the handshake included). */
    Connection connect() throws IOException;

    /** The largest UDP payload this stack sends here, as configured or as fixed by the stack. */
    String datagramSize();

    @Override
    void close();

    /** A transfer that did not finish before its deadline: Kwik's stalls, or a hang of any stack. */
    final class StalledException extends Exception {
        private static final long serialVersionUID = 1L;

        /** @param progress what had been done when the deadline passed */
        StalledException(String progress) {
            super(progress);
        }
    }
}
