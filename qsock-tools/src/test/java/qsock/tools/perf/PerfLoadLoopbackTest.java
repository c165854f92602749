package qsock.tools.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.tools.server.ConnectionLogLine;
import qsock.tools.server.LoopbackServer;

/** The many-connection measurements of qsock perf over real UDP on 127.0.0.1: they finish and count exactly. */
@Timeout(120)
class PerfLoadLoopbackTest {

    private static final long DEADLINE = 60_000_000_000L;

    @TempDir
    Path temp;
    private LoopbackServer server;
    private PerfLoad.Connector connector;

    @BeforeEach
    void start() throws Exception {
        server = new LoopbackServer(temp);
        connector = () -> PerfClient.connect(server.server().localAddress(), "localhost",
                LoopbackServer.clientConfig(PerfProtocol.ALPN), LoopbackServer.timeout());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void handshakesCompleteEveryConnectionAndTimeEach() throws Exception {
        HandshakeResult result = PerfLoad.handshakes(connector, 12, 3, System.nanoTime() + DEADLINE);
        assertEquals(12, result.latency().count());
        assertEquals(3, result.parallel());
        assertTrue(result.latency().p50Nanos() > 0 && result.latency().p99Nanos() <= result.latency().maxNanos());
        // Every handshake was a connection of its own that the server completed and served (one empty count).
        for (int i = 0; i < 12; i++) {
            ConnectionLogLine line = server.nextLine();
            assertEquals(PerfProtocol.ALPN, line.applicationProtocol(), line.format());
            assertEquals(1, line.bytesReceived(), line.format());
            assertEquals(Long.BYTES, line.bytesSent(), line.format());
        }
        assertTrue(result.toString().startsWith("handshakes: 12 in "), result.toString());
    }

    @Test
    void concurrentConnectionsEachSendTheirShareExactly() throws Exception {
        long total = 1_000_003; // not a multiple of 5: the remainder goes to the first connections
        ConcurrentResult result = PerfLoad.concurrent(connector, 5, total, 16 * 1024, System.nanoTime() + DEADLINE);
        assertEquals(5, result.connections());
        assertEquals(total, result.bytes());
        assertTrue(result.mibPerSecond() > 0);
        List<Long> received = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ConnectionLogLine line = server.nextLine();
            assertEquals(Long.BYTES, line.bytesSent(), "one count per connection");
            received.add(line.bytesReceived() - 1); // the stream's mode byte
        }
        Collections.sort(received);
        assertEquals(List.of(200_000L, 200_000L, 200_001L, 200_001L, 200_001L), received);
        assertTrue(result.toString().startsWith("concurrent: 5 connections, 1.0 MiB in "), result.toString());
    }

    @Test
    void aPassedDeadlineEndsTheRunWithAnError() {
        assertThrows(IOException.class,
                () -> PerfLoad.concurrent(connector, 3, 1 << 20, 16 * 1024, System.nanoTime() - 1));
        assertThrows(IOException.class, () -> PerfLoad.handshakes(connector, 5, 2, System.nanoTime() - 1));
    }
}
