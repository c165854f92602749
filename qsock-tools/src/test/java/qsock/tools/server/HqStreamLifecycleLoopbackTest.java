package qsock.tools.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qsock.api.ConnectionConfig;
import qsock.core.error.StreamResetException;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;
import qsock.tools.TransportDefaults;
import qsock.tools.hq.HqInterop;

/**
 * How the hq-interop server ends streams the client gives up on, and what it holds for streams the client does
 * not read (issue 9, findings 10 and 2), over real UDP on 127.0.0.1.
 */
class HqStreamLifecycleLoopbackTest {

    /** The client's code for a request it cancels (HTTP/3's H3_REQUEST_CANCELLED). */
    private static final long CANCELLED = 0x10c;
    private static final int LARGE = 4 << 20;

    @TempDir
    Path temp;
    private Path www;
    private byte[] small;
    private final RecordingObserver observer = new RecordingObserver();
    private LoopbackServer server;

    @BeforeEach
    void start() throws Exception {
        www = Files.createDirectories(temp.resolve("www"));
        byte[] large = new byte[LARGE];
        new Random(1).nextBytes(large);
        Files.write(www.resolve("large"), large);
        small = new byte[5000];
        new Random(2).nextBytes(small);
        Files.write(www.resolve("small"), small);
        server = new LoopbackServer(www, observer);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A connected hq-interop client whose blocking calls give up after 10 s instead of hanging the test. */
    private QuicSocket connect() throws Exception {
        QuicSocket socket = QuicSocket.open(ConnectionConfig.defaults());
        socket.setOption(QuicSocketOptions.TIMEOUT, Duration.ofSeconds(10));
        socket.connect(server.server().localAddress());
        QuicHandshake.clientHandshake(socket, LoopbackServer.clientConfig(HqInterop.ALPN), LoopbackServer.timeout());
        return socket;
    }

    /** Opens the next stream; a wait for credit that times out fails with what the server's responses did. */
    private long openOrExplain(QuicSocket socket, long request) throws Exception {
        try {
            return socket.openStream(0);
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("request " + request + ": no stream credit came back in 10 s; responses started "
                    + observer.started() + ", ended " + observer.ended() + "; client " + socket.statistics(), e);
        }
    }

    private static ByteBuffer request(String path) {
        return ByteBuffer.wrap(("GET " + path + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** Fetches {@code /small} on a new stream, skipping the resets of the streams given up before. */
    private static byte[] fetchSmall(QuicSocket socket) throws Exception {
        long id = socket.openStream(0);
        socket.send(request("/small"), id, StreamFlags.FIN);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        while (true) {
            buffer.clear();
            StreamMessage m;
            try {
                m = socket.receive(buffer);
            } catch (StreamResetException e) {
                assertTrue(e.streamId() != id, "the last request was reset");
                continue;
            }
            if (m.streamId() == id) {
                body.write(buffer.array(), 0, m.length());
                if (m.fin()) {
                    return body.toByteArray();
                }
            }
        }
    }

    private static long streamLimit() {
        return TransportDefaults.connectionConfig().maxStreamsBidi();
    }

    @Test
    void requestsTheClientResetsGiveTheirStreamsBack() throws Exception {
        long requests = 3 * streamLimit();
        try (QuicSocket socket = connect()) {
            for (long i = 0; i < requests; i++) {
                // Blocks (then times out) once the server's stream limit is reached, unless streams come back.
                long id = openOrExplain(socket, i);
                socket.send(request("/large"), id, 0);
                socket.resetStream(id, CANCELLED);
            }
            assertArrayEquals(small, fetchSmall(socket), "the last request still gets its file");
        }
        // Every response the server started has stopped: no thread and no buffer is left behind for them.
        RecordingObserver.awaitTrue("every response ending", 20, () -> observer.ended() == observer.started());
        assertTrue(observer.started() >= 1, "the server started responses before the resets arrived");
    }

    @Test
    void requestsTheClientStopsGiveTheirStreamsBack() throws Exception {
        long requests = 3 * streamLimit();
        try (QuicSocket socket = connect()) {
            for (long i = 0; i < requests; i++) {
                long id = openOrExplain(socket, i);
                // No FIN: only the server's own STOP_SENDING ends the request half.
                socket.send(request("/large"), id, 0);
                socket.stopSending(id, CANCELLED);
            }
            assertArrayEquals(small, fetchSmall(socket), "the last request still gets its file");
        }
        RecordingObserver.awaitTrue("every response ending", 20, () -> observer.ended() == observer.started());
    }

    @Test
    void aClientThatReadsNothingPinsNoBufferAndItsResponsesCloseTheirFiles() throws Exception {
        int streams = (int) streamLimit();
        try (QuicSocket socket = connect()) {
            for (int i = 0; i < streams; i++) {
                long id = socket.openStream(0);
                socket.send(request("/large"), id, StreamFlags.FIN);
            }
            RecordingObserver.awaitTrue("every response starting", 20, () -> observer.started() == streams);
        }
        // The client left without reading a byte; every response ends with the connection.
        RecordingObserver.awaitTrue("every response ending", 20, () -> observer.ended() == streams);
        // The responses sent their files with sendFile (no buffer of the handler's) and kept them open while the
        // transport might read them again; with the connection gone, every file is closed.
        assertEquals(0, server.hq().openFiles(), "every response closed its file");
        assertEquals(0, observer.complete(), "no response could complete without the client reading");
    }
}
