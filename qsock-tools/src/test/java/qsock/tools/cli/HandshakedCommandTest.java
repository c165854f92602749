package qsock.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.socket.HandshakeRequest;
import qsock.socket.HandshakeService;
import qsock.socket.QuicSocket;

/**
 * {@code qsock handshaked --config FILE --socket PATH}: listens, runs a PSK handshake of both ends of a loopback
 * connection for applications that name its socket, and removes the socket when it stops; a bad configuration stops
 * it at once with the file's name.
 */
@Timeout(60)
class HandshakedCommandTest {

    private static final String KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    @TempDir
    Path temp;

    @Test
    void missingConfigurationFailsNamingTheFile() {
        CommandRun run = CommandRun.of("handshaked", "--config", temp.resolve("absent.conf").toString(),
                "--socket", temp.resolve("hsd.sock").toString());
        assertNotEquals(0, run.status(), run.both());
        assertTrue(run.err().contains("absent.conf"), run.both());
        assertFalse(Files.exists(temp.resolve("hsd.sock")));
    }

    @Test
    void daemonRunsHandshakesForApplicationsUntilStopped() throws Exception {
        Files.writeString(temp.resolve("psk.keys"), "app-1:" + KEY + "\n");
        Path config = temp.resolve("handshake.conf");
        Files.writeString(config, """
                [authenticate]
                keyrings = psk.keys
                [authenticate.client]
                alpn = echo
                [authenticate.server]
                alpn = echo
                """);
        Path socket = temp.resolve("hsd.sock");
        AtomicReference<CommandRun> result = new AtomicReference<>();
        Thread command = new Thread(() -> result.set(CommandRun.of("handshaked", "--config", config.toString(),
                "--socket", socket.toString())), "handshaked-under-test");
        command.start();
        try {
            // Bounded: 200 looks, 25 ms apart.
            for (int i = 0; i < 200 && !Files.exists(socket); i++) {
                Thread.sleep(25);
            }
            assertTrue(Files.exists(socket), "the daemon made its socket");
            HandshakeService service = HandshakeService.remote(socket);
            try (QuicSocket listener = QuicSocket.open().bind(new InetSocketAddress("127.0.0.1", 0));
                 ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                listener.listen(4);
                Future<QuicSocket> server = threads.submit(() -> service.serverHandshake(listener.accept(),
                        HandshakeRequest.psk("app-1"), Duration.ofSeconds(20)));
                try (QuicSocket client = QuicSocket.open()) {
                    client.connect(listener.localAddress());
                    service.clientHandshake(client, HandshakeRequest.psk("app-1"), Duration.ofSeconds(20));
                    assertTrue(client.state().isEstablished(), client.state().toString());
                    assertTrue(server.get().state().isEstablished(), server.get().state().toString());
                }
                server.get().close();
            }
        } finally {
            command.interrupt();
            command.join(TimeUnit.SECONDS.toMillis(20));
        }
        CommandRun run = result.get();
        assertEquals(0, run.status(), run.both());
        assertTrue(run.out().contains("listening on " + socket), run.both());
        assertTrue(run.out().contains("2 established"), run.both());
        assertFalse(Files.exists(socket), "the daemon removed its socket");
    }
}
