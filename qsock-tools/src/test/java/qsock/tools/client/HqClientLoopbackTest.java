package qsock.tools.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicSocket;
import qsock.socket.StreamMessage;
import qsock.tools.hq.HqInterop;
import qsock.tools.server.ApplicationHandler;
import qsock.tools.server.LoopbackServer;
import qsock.tools.server.QsockServer;
import qsock.tools.server.RecordingObserver;

/** The hq-interop client against qsock servers over real UDP on 127.0.0.1 (issue 9, findings 8 and 9). */
class HqClientLoopbackTest {

    @TempDir
    Path temp;

    private static HqClient connect(int port) throws IOException {
        return HqClient.connect("127.0.0.1", port, LoopbackServer.clientConfig(), LoopbackServer.timeout());
    }

    private static List<Path> filesIn(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            return files.toList();
        }
    }

    /** The QUIC interop runner's multiplexing case: 1,999 small files over one connection. */
    @Test
    void fetchesTwoThousandSmallFilesWithRequestsInFlightTogether() throws Exception {
        int files = 1999;
        Path www = Files.createDirectories(temp.resolve("www"));
        Path downloads = Files.createDirectories(temp.resolve("downloads"));
        Random random = new Random(8);
        byte[][] contents = new byte[files][];
        for (int i = 0; i < files; i++) {
            contents[i] = new byte[random.nextInt(3000)];
            random.nextBytes(contents[i]);
            Files.write(www.resolve("f" + i), contents[i]);
        }
        // The server holds the first responses back until 50 requests are in flight at once: a client that waits
        // for each response before the next request never gets there (the gate then gives up after 20 s).
        int together = 50;
        RecordingObserver observer = new RecordingObserver(together, 20);
        try (LoopbackServer server = new LoopbackServer(www, observer); HqClient client = connect(server.server().port())) {
            List<HqUrl> urls = new ArrayList<>();
            for (int i = 0; i < files; i++) {
                urls.add(new HqUrl("127.0.0.1", server.server().port(), "/f" + i));
            }
            List<FetchResult> results = client.fetchAll(urls, downloads, HqClient.DEFAULT_MAX_CONCURRENT, r -> { });
            assertEquals(files, results.size());
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < files; i++) {
                FetchResult result = results.get(i);
                assertTrue(result.ok(), "/f" + i);
                assertEquals(urls.get(i), result.url());
                assertArrayEquals(sha256.digest(contents[i]), result.sha256(), "/f" + i);
                assertArrayEquals(contents[i], Files.readAllBytes(downloads.resolve("f" + i)), "/f" + i);
            }
            assertEquals(files, filesIn(downloads).size(), "no temporary file is left");
        }
        assertFalse(observer.gateGaveUp(), "the client waited for responses before sending more requests");
        assertTrue(observer.maxInFlight() >= together, "at most " + observer.maxInFlight() + " requests in flight");
        assertEquals(files, observer.complete());
    }

    /** How the test server ends a response it has begun. */
    private enum Ending { CONNECTION_CLOSE, STREAM_RESET }

    /**
     * A server that answers one hq-interop request with 100,000 bytes and then, once the client has taken some of
     * them ({@code partway}), ends the response without its FIN.
     */
    private static QsockServer cutOffServer(Ending ending, CountDownLatch partway) throws IOException {
        ApplicationHandler handler = (QuicSocket connection, qsock.tools.server.Traffic traffic) -> {
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            StreamMessage request = connection.receive(buffer);
            connection.send(ByteBuffer.wrap(new byte[100_000]), request.streamId(), 0);
            try {
                partway.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (ending == Ending.CONNECTION_CLOSE) {
                connection.close(0x1f4, "going\naway");
                return;
            }
            connection.resetStream(request.streamId(), HqInterop.SERVER_ERROR);
            try {
                while (true) {
                    buffer.clear();
                    connection.receive(buffer);
                }
            } catch (ClosedConnectionException e) {
                // The client is done.
            }
        };
        return QsockServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                LoopbackServer.serverConfig(), Map.of(HqInterop.ALPN, handler), line -> { });
    }

    /** A progress sink that says when the first body bytes arrived. */
    private static PrintWriter signalling(CountDownLatch partway) {
        return new PrintWriter(new Writer() {
            @Override
            public void write(char[] chars, int off, int len) {
                partway.countDown();
            }

            @Override
            public void flush() { }

            @Override
            public void close() { }
        });
    }

    @Test
    void aDownloadCutOffByTheConnectionLeavesNoFileAndTheOlderOneIntact() throws Exception {
        Path downloads = Files.createDirectories(temp.resolve("downloads"));
        Files.writeString(downloads.resolve("f.bin"), "the copy from yesterday");
        CountDownLatch partway = new CountDownLatch(1);
        IOException e;
        try (QsockServer server = cutOffServer(Ending.CONNECTION_CLOSE, partway); HqClient client = connect(server.port())) {
            HqUrl url = new HqUrl("127.0.0.1", server.port(), "/f.bin");
            e = assertThrows(IOException.class, () -> client.fetch(url, downloads, signalling(partway)));
            assertEquals(0, partway.getCount(), "the connection ended partway through the body");
        }
        assertEquals(List.of(downloads.resolve("f.bin")), filesIn(downloads), "no partial or temporary file");
        assertEquals("the copy from yesterday", Files.readString(downloads.resolve("f.bin")));
        assertEquals("the connection ended with 1 of 1 file(s) not fetched: the server closed the connection: "
                + "peer application close 500: going\\naway", e.getMessage());
    }

    @Test
    void aDownloadResetPartwayLeavesNoFileAndTheOlderOneIntact() throws Exception {
        Path downloads = Files.createDirectories(temp.resolve("downloads"));
        Files.writeString(downloads.resolve("f.bin"), "the copy from yesterday");
        CountDownLatch partway = new CountDownLatch(1);
        try (QsockServer server = cutOffServer(Ending.STREAM_RESET, partway); HqClient client = connect(server.port())) {
            HqUrl url = new HqUrl("127.0.0.1", server.port(), "/f.bin");
            FetchResult result = client.fetch(url, downloads, signalling(partway));
            assertEquals(0, partway.getCount(), "the response was reset partway through the body");
            assertFalse(result.ok());
            assertEquals(HqInterop.SERVER_ERROR, result.resetCode());
            assertNull(result.file());
        }
        assertEquals(List.of(downloads.resolve("f.bin")), filesIn(downloads), "no partial or temporary file");
        assertEquals("the copy from yesterday", Files.readString(downloads.resolve("f.bin")));
    }
}
