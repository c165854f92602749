package qsock.tools.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.core.error.StreamResetException;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;
import qsock.tools.client.FetchResult;
import qsock.tools.client.HqClient;
import qsock.tools.client.HqUrl;
import qsock.tools.hq.HqInterop;

/** A qsock server and the hq-interop client over real UDP on 127.0.0.1, in one JVM. */
@Timeout(120)
class HqInteropLoopbackTest {

    @TempDir
    Path temp;
    private Path www;
    private Path downloads;
    private LoopbackServer server;

    @BeforeEach
    void start() throws Exception {
        www = Files.createDirectories(temp.resolve("www"));
        downloads = Files.createDirectories(temp.resolve("downloads"));
        Files.writeString(temp.resolve("secret.txt"), "not served");
        server = new LoopbackServer(www);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static byte[] randomFile(Path file, int size, long seed) throws Exception {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private HqUrl url(String path) {
        return new HqUrl("127.0.0.1", server.server().port(), path);
    }

    private HqClient connect() throws Exception {
        return HqClient.connect("127.0.0.1", server.server().port(), LoopbackServer.clientConfig(),
                LoopbackServer.timeout());
    }

    @Test
    void fetchesSeveralFilesOnOneConnectionWithMatchingSha256() throws Exception {
        byte[] big = randomFile(www.resolve("big.bin"), 8 << 20, 1);
        byte[] small = randomFile(www.resolve("dir/small.txt"), 1000, 2);
        byte[] empty = randomFile(www.resolve("empty"), 0, 3);
        try (HqClient client = connect()) {
            FetchResult a = client.fetch(url("/big.bin"), downloads, null);
            FetchResult b = client.fetch(url("/dir/small.txt"), downloads, null);
            FetchResult c = client.fetch(url("/empty"), downloads, null);
            assertTrue(a.ok() && b.ok() && c.ok());
            assertArrayEquals(big, a.sha256());
            assertArrayEquals(small, b.sha256());
            assertArrayEquals(empty, c.sha256());
            assertEquals(8 << 20, a.bytes());
            assertArrayEquals(Files.readAllBytes(www.resolve("big.bin")), Files.readAllBytes(downloads.resolve("big.bin")));
            assertEquals(0, Files.size(downloads.resolve("empty")));
        }
        ConnectionLogLine line = server.nextLine();
        assertEquals(HqInterop.ALPN, line.applicationProtocol());
        assertEquals((8 << 20) + 1000, line.bytesSent());
        assertTrue(line.format().contains("alpn=hq-interop suite=TLS_"), line.format());
        assertTrue(line.outcome().startsWith("closed"), line.outcome());
    }

    @Test
    void missingFilesAndEscapesAreResetAsNotFound() throws Exception {
        randomFile(www.resolve("present"), 10, 4);
        try (HqClient client = connect()) {
            for (String path : new String[] {"/missing", "/../secret.txt", "/%2e%2e/secret.txt", "/"}) {
                FetchResult result = client.fetch(url(path), downloads, null);
                assertFalse(result.ok(), path);
                assertEquals(HqInterop.NOT_FOUND, result.resetCode(), path);
            }
            assertFalse(Files.exists(downloads.resolve("missing")), "a refused download leaves no file");
            try (var left = Files.list(downloads)) {
                assertEquals(List.of(), left.toList(), "nor a temporary file");
            }
            assertTrue(client.fetch(url("/present"), downloads, null).ok(), "the connection serves on after refusals");
        }
    }

    /** Opens a raw hq-interop connection, sends {@code request} on a new stream and returns the response. */
    private byte[] rawExchange(byte[] request, int flags) throws Exception {
        try (QuicSocket socket = QuicSocket.open()) {
            socket.connect(server.server().localAddress());
            QuicHandshake.clientHandshake(socket, LoopbackServer.clientConfig(HqInterop.ALPN), LoopbackServer.timeout());
            long id = socket.openStream(StreamFlags.NEW);
            socket.send(ByteBuffer.wrap(request), id, flags);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            while (true) {
                buffer.clear();
                StreamMessage m = socket.receive(buffer);
                body.write(buffer.array(), 0, m.length());
                if (m.fin()) {
                    return body.toByteArray();
                }
            }
        }
    }

    @Test
    void servesManyRequestsInFlightAtOnceOnOneConnection() throws Exception {
        int files = 12;
        byte[][] hashes = new byte[files][];
        for (int i = 0; i < files; i++) {
            hashes[i] = randomFile(www.resolve("f" + i), 50_000 * (i + 1), 100 + i);
        }
        MessageDigest[] digests = new MessageDigest[files];
        long[] ids = new long[files];
        try (QuicSocket socket = QuicSocket.open()) {
            socket.connect(server.server().localAddress());
            QuicHandshake.clientHandshake(socket, LoopbackServer.clientConfig(HqInterop.ALPN), LoopbackServer.timeout());
            // Every request is out before any response is read: the server answers them side by side.
            for (int i = 0; i < files; i++) {
                ids[i] = socket.openStream(StreamFlags.NEW);
                digests[i] = MessageDigest.getInstance("SHA-256");
                socket.send(ByteBuffer.wrap(new qsock.tools.hq.HqRequest("/f" + i).encode()), ids[i], StreamFlags.FIN);
            }
            int finished = 0;
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (finished < files) {
                buffer.clear();
                StreamMessage m = socket.receive(buffer);
                int index = java.util.Arrays.binarySearch(ids, m.streamId());
                assertTrue(index >= 0, "data on a stream we did not open: " + m.streamId());
                digests[index].update(buffer.array(), 0, m.length());
                if (m.fin()) {
                    finished++;
                }
            }
        }
        for (int i = 0; i < files; i++) {
            assertArrayEquals(hashes[i], digests[i].digest(), "file " + i);
        }
    }

    @Test
    void aClientOfferingNoServedProtocolFailsTheHandshakeAndIsLogged() throws Exception {
        try (QuicSocket socket = QuicSocket.open()) {
            socket.connect(server.server().localAddress());
            assertThrows(java.io.IOException.class, () -> QuicHandshake.clientHandshake(socket,
                    LoopbackServer.clientConfig("h3"), LoopbackServer.timeout()));
        }
        ConnectionLogLine line = server.nextLine();
        assertEquals(null, line.applicationProtocol());
        assertTrue(line.outcome().startsWith("failed: ") && line.outcome().contains("no_application_protocol"),
                line.outcome());
    }

    @Test
    void aRequestEndsAtItsLineEndEvenWithoutFin() throws Exception {
        Files.writeString(www.resolve("hello.txt"), "hello over QUIC");
        byte[] body = rawExchange("GET /hello.txt\r\n".getBytes(StandardCharsets.US_ASCII), 0);
        assertEquals("hello over QUIC", new String(body, StandardCharsets.UTF_8));
        body = rawExchange("GET /hello.txt".getBytes(StandardCharsets.US_ASCII), StreamFlags.FIN);
        assertEquals("hello over QUIC", new String(body, StandardCharsets.UTF_8));
    }

    @Test
    void aMalformedRequestIsResetAsBadRequest() throws Exception {
        StreamResetException e = assertThrows(StreamResetException.class,
                () -> rawExchange("PUT /x\r\n".getBytes(StandardCharsets.US_ASCII), StreamFlags.FIN));
        assertEquals(HqInterop.BAD_REQUEST, e.errorCode());
        byte[] tooLong = new byte[20_000];
        java.util.Arrays.fill(tooLong, (byte) 'a');
        e = assertThrows(StreamResetException.class, () -> rawExchange(tooLong, 0));
        assertEquals(HqInterop.BAD_REQUEST, e.errorCode());
    }
}
