package qsock.tools.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.tls.QuicHandshake;
import qsock.tools.perf.PerfClient;
import qsock.tools.perf.PerfProtocol;
import qsock.tools.perf.RequestResponseResult;
import qsock.tools.perf.ThroughputResult;

/** The echo and perf protocols of a qsock server over real UDP on 127.0.0.1. */
@Timeout(120)
class EchoAndPerfLoopbackTest {

    @TempDir
    Path temp;
    private LoopbackServer server;

    @BeforeEach
    void start() throws Exception {
        server = new LoopbackServer(temp);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void echoesEveryStreamOnItself() throws Exception {
        try (QuicSocket socket = QuicSocket.open()) {
            socket.connect(server.server().localAddress());
            QuicHandshake.clientHandshake(socket, LoopbackServer.clientConfig(EchoHandler.ALPN), LoopbackServer.timeout());
            assertEquals(EchoHandler.ALPN, socket.applicationProtocol());
            Random random = new Random(9);
            for (int i = 0; i < 20; i++) {
                byte[] message = new byte[1 + random.nextInt(5000)];
                random.nextBytes(message);
                long id = socket.openStream(StreamFlags.NEW);
                try (OutputStream out = socket.outputStream(id)) {
                    out.write(message);
                }
                try (InputStream in = socket.inputStream(id)) {
                    assertArrayEquals(message, in.readAllBytes(), "stream " + id);
                }
            }
        }
        ConnectionLogLine line = server.nextLine();
        assertEquals(EchoHandler.ALPN, line.applicationProtocol());
        assertEquals(line.bytesReceived(), line.bytesSent());
    }

    /**
     * A client that resets streams, some after asking the server to stop sending on them (so the server's part of the
     * stream is reset before the client's RESET_STREAM reaches it), costs only those streams: the echo of a later
     * stream still comes back and the connection ends with the client's close. Found by the soak's stream-churn
     * clients: the handler's reset back threw on a stream already reset and ended the whole connection.
     */
    @Test
    void streamsTheClientResetsEndOnlyThemselves() throws Exception {
        try (QuicSocket socket = QuicSocket.open()) {
            socket.connect(server.server().localAddress());
            QuicHandshake.clientHandshake(socket, LoopbackServer.clientConfig(EchoHandler.ALPN), LoopbackServer.timeout());
            for (int i = 0; i < 50; i++) {
                long id = socket.openStream(StreamFlags.NEW);
                socket.send(java.nio.ByteBuffer.allocate(10), id, 0);
                if (i % 2 == 0) {
                    socket.stopSending(id, 8);
                }
                socket.resetStream(id, 7);
            }
            byte[] message = "still echoed".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            long id = socket.openStream(StreamFlags.NEW);
            try (OutputStream out = socket.outputStream(id)) {
                out.write(message);
            }
            try (InputStream in = socket.inputStream(id)) {
                assertArrayEquals(message, in.readAllBytes());
            }
        }
        ConnectionLogLine line = server.nextLine();
        assertTrue(line.format().contains("peer application close"), line.format());
    }

    @Test
    void perfMeasuresThroughputAndRequestResponse() throws Exception {
        try (PerfClient client = PerfClient.connect(server.server().localAddress(), "localhost",
                LoopbackServer.clientConfig(PerfProtocol.ALPN), LoopbackServer.timeout())) {
            ThroughputResult bulk = client.throughput(4 << 20, 16 * 1024);
            assertEquals(4 << 20, bulk.bytes());
            assertTrue(bulk.mibPerSecond() > 0);
            ThroughputResult odd = client.throughput(100_001, 4096);
            assertEquals(100_001, odd.bytes(), "a last message shorter than the others counts whole");
            RequestResponseResult rr = client.requestResponse(200, 1024);
            assertEquals(200, rr.latency().count());
            assertTrue(rr.latency().p50Nanos() > 0 && rr.latency().p50Nanos() <= rr.latency().maxNanos());
            assertTrue(rr.perSecond() > 0);
        }
        ConnectionLogLine line = server.nextLine();
        assertEquals(PerfProtocol.ALPN, line.applicationProtocol());
        // 2 throughput streams and 200 KiB echoed: mode bytes and counts included.
        assertEquals((4 << 20) + 100_001 + 200 * 1024 + 3, line.bytesReceived());
        assertEquals(2 * Long.BYTES + 200 * 1024, line.bytesSent());
    }
}
