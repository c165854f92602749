package qsock.tools.perf;

import java.util.Locale;

/**
 * Handshakes measured by {@code qsock perf --mode handshakes}: {@code parallel} clients, each connecting (a new UDP
 * socket, the full handshake), running one empty stream the server answers, and closing, one connection after
 * another.
 *
 * @param latency each handshake's time, from opening the client's socket to the handshake's completion
 * @param parallel the clients running at once
 * @param nanos the whole run, from the first connect to the last close
 */
public record HandshakeResult(LatencySummary latency, int parallel, long nanos) {

    /** {@return completed handshakes per second} */
    public double perSecond() {
        return latency.count() * 1e9 / nanos;
    }

    /** The line scripts/perf-compare reads; PeerPerf in qsock-interop prints the same for the other stacks. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "handshakes: %d in %.3f s with %d parallel clients: %.0f handshakes/s, "
                        + "latency n=%d p50=%.1f us p99=%.1f us max=%.1f us", latency.count(), nanos / 1e9, parallel,
                perSecond(), latency.count(), latency.p50Nanos() / 1e3, latency.p99Nanos() / 1e3,
                latency.maxNanos() / 1e3);
    }
}
