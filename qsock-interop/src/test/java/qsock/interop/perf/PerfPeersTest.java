package qsock.interop.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import java.util.Arrays;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stacks scripts/perf-compare measures besides qsock run every measurement to completion over loopback, with
 * exact byte counts (each throughput call fails unless the server counted exactly what was sent) and the result
 * lines the script reads. Small volumes; nothing is timed.
 */
@Timeout(180)
class PerfPeersTest {

    private static final long DEADLINE = 60_000_000_000L;

    @Test
    void quicheOverNettyNio() throws Exception {
        try (QuichePerf stack = new QuichePerf(false)) {
            runsEveryMeasurement(stack);
        }
    }

    @Test
    void quicheOverNettyEpollWithGso() throws Exception {
        assumeTrue(Epoll.isAvailable(), "Netty's epoll transport is for Linux");
        try (QuichePerf stack = new QuichePerf(true)) {
            assertTrue(stack.datagramSize().contains("GSO"), stack.datagramSize());
            runsEveryMeasurement(stack);
        }
    }

    @Test
    void tlsOverTcp() throws Exception {
        try (TlsTcpPerf stack = new TlsTcpPerf()) {
            runsEveryMeasurement(stack);
        }
    }

    @Test
    void kwik() throws Exception {
        try (KwikPerf stack = new KwikPerf()) {
            runsEveryMeasurement(stack);
        }
    }

    private static void runsEveryMeasurement(PerfStack stack) throws Exception {
        try (PerfStack.Connection c = stack.connect()) {
            assertTrue(c.throughput(1_000_003, 16 * 1024, System.nanoTime() + DEADLINE) > 0);
            assertTrue(c.throughput(0, 1, System.nanoTime() + DEADLINE) > 0, "an empty stream is answered too");
            long[] samples = new long[50];
            c.requestResponse(50, 1024, samples, System.nanoTime() + DEADLINE);
            assertTrue(Arrays.stream(samples).allMatch(s -> s > 0), Arrays.toString(samples));
        }
        String handshakes = PeerPerf.handshakes(stack, 6, 2, System.nanoTime() + DEADLINE);
        assertTrue(Pattern.compile("^handshakes: 6 in [0-9.]+ s with 2 parallel clients: [0-9]+ handshakes/s, "
                + "latency n=6 p50=[0-9.]+ us p99=[0-9.]+ us").matcher(handshakes).find(), handshakes);
        // 4 connections, the odd total split 250001, 250001, 250001, 250000: each share's count checked exactly.
        String concurrent = PeerPerf.concurrent(stack, 4, 1_000_003, 16 * 1024, System.nanoTime() + DEADLINE);
        assertTrue(Pattern.compile("^concurrent: 4 connections, 1\\.0 MiB in [0-9.]+ s: [0-9.]+ MiB/s")
                .matcher(concurrent).find(), concurrent);
        assertEquals(-1, concurrent.indexOf("NaN"), concurrent);
    }
}
