package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.tls.QuicHandshake;

/**
 * qsock's Flight Recorder events (issue 17, "JFR"): a recording that enables them sees each side's handshake, with
 * its role, ALPN and time, and each side's connection end, with its cause and bytes, as {@code jfr print} would.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JfrEventsTest {

    @TempDir
    Path temp;

    @Test
    void aRecordingSeesBothHandshakesAndBothConnectionEnds() throws Exception {
        Path file = temp.resolve("qsock.jfr");
        List<RecordedEvent> events;
        // Other tests' connections may end while this one records: this test's are told apart by their ALPN
        // (hq-interop, which no other test of the class asks for) and by their I/O threads' names (qsock-io-PORT).
        String clientThread;
        String serverThread;
        try (Recording recording = new Recording()) {
            recording.enable("qsock.Handshake");
            recording.enable("qsock.ConnectionClose");
            recording.start();
            try (Loopback loopback = Loopback.listen("127.0.0.1")) {
                serverThread = "qsock-io-" + loopback.address.getPort();
                Future<QuicSocket> accepted = loopback.background(() -> {
                    QuicSocket s = loopback.listener.accept();
                    QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                    return s;
                });
                QuicSocket client = QuicSocket.open(ConnectionConfig.defaults());
                client.connect(loopback.address);
                QuicHandshake.clientHandshake(client, qsock.tls.TlsClientConfig.builder().serverName("localhost")
                        .applicationProtocols("hq-interop").certificateValidator(
                                qsock.tls.cert.CertificateValidator.forTrustedCertificates(
                                        List.of(qsock.tls.cert.TestPki.ca(Loopback.PKI)))).build(),
                        Loopback.HANDSHAKE_TIMEOUT);
                clientThread = "qsock-io-" + ((InetSocketAddress) client.localAddress()).getPort();
                QuicSocket server = accepted.get();
                client.close();
                server.close();
            }
            // Each side's end is recorded once its endpoint forgot the connection: after the closing or draining
            // period (three PTOs, RFC 9000 §10.2).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                recording.dump(file);
                events = RecordingFile.readAllEvents(file);
                long closes = events.stream().filter(e -> e.getEventType().getName().equals("qsock.ConnectionClose")
                        && (onThread(e, clientThread) || onThread(e, serverThread))).count();
                if (closes >= 2 || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(50);
            }
            recording.stop();
        }
        List<RecordedEvent> handshakes = events.stream()
                .filter(e -> e.getEventType().getName().equals("qsock.Handshake")
                        && "hq-interop".equals(e.getString("alpn"))).toList();
        assertEquals(2, handshakes.size(), "one handshake event per side: " + handshakes);
        assertEquals(List.of("client", "server"), handshakes.stream().map(e -> e.getString("role")).sorted().toList());
        for (RecordedEvent h : handshakes) {
            assertEquals("V1", h.getString("version"));
            assertTrue(h.getLong("handshakeTime") > 0, "a handshake takes time: " + h);
        }
        List<RecordedEvent> closes = events.stream()
                .filter(e -> e.getEventType().getName().equals("qsock.ConnectionClose")).toList();
        assertTrue(closes.stream().anyMatch(e -> onThread(e, clientThread) && e.getString("role").equals("client")
                && e.getString("cause").equals("LOCAL_CLOSE") && e.getBoolean("established")
                && e.getLong("bytesSent") > 0), "the client's end: " + closes);
        assertTrue(closes.stream().anyMatch(e -> onThread(e, serverThread) && e.getString("role").equals("server")
                && (e.getString("cause").equals("PEER_CLOSE") || e.getString("cause").equals("LOCAL_CLOSE"))
                && e.getBoolean("established")), "the server's end: " + closes);
    }

    private static boolean onThread(RecordedEvent e, String name) {
        return e.getThread() != null && name.equals(e.getThread().getJavaName());
    }

    /**
     * A path that goes dark for a second mid-transfer: the sender's data waits while its probes back off, and once the
     * path is back and it sends again, a qsock.Stall event says how long it sent nothing, with its window and flight.
     */
    @Test
    void aSenderThatWaitsOnADarkPathRecordsAStall() throws Exception {
        Path file = temp.resolve("stall.jfr");
        List<RecordedEvent> stalls;
        try (Recording recording = new Recording();
             Loopback loopback = Loopback.listen("127.0.0.1");
             DarkRelay relay = new DarkRelay(loopback.address)) {
            recording.enable("qsock.Stall");
            recording.start();
            Future<QuicSocket> accepted = loopback.background(() -> {
                QuicSocket s = loopback.listener.accept();
                QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                return s;
            });
            try (QuicSocket client = QuicSocket.open(ConnectionConfig.defaults())) {
                client.connect(relay.front());
                QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                try (QuicSocket server = accepted.get()) {
                    int total = 4 << 20;
                    Future<?> sent = loopback.background(() -> {
                        server.send(ByteBuffer.wrap(new byte[total]), -1, StreamFlags.NEW | StreamFlags.FIN);
                        return null;
                    });
                    ByteBuffer in = ByteBuffer.allocate(64 * 1024);
                    long received = 0;
                    boolean darkened = false;
                    while (true) {
                        in.clear();
                        boolean fin = client.receive(in).fin();
                        received += in.position();
                        if (!darkened && received > 256 * 1024) {
                            darkened = true;
                            relay.darkFor(1_000);
                        }
                        if (fin) {
                            break;
                        }
                    }
                    assertEquals(total, received);
                    sent.get(30, TimeUnit.SECONDS);
                }
            }
            recording.stop();
            recording.dump(file);
            stalls = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("qsock.Stall")).toList();
        }
        assertTrue(stalls.stream().anyMatch(e -> e.getString("role").equals("server")
                        && e.getLong("stalledFor") >= 100_000_000L && e.getLong("congestionWindow") > 0),
                "the server's stall on the dark path: " + stalls);
    }

    /** A relay between a client and a server that can drop everything for a while, both ways. */
    private static final class DarkRelay implements AutoCloseable {
        private final DatagramChannel front;
        private final DatagramChannel back;
        private final InetSocketAddress server;
        private volatile SocketAddress client;
        private volatile long darkUntil;
        private final Thread up;
        private final Thread down;

        DarkRelay(InetSocketAddress server) throws java.io.IOException {
            this.server = server;
            front = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            back = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            up = Thread.ofPlatform().daemon().start(() -> pump(true));
            down = Thread.ofPlatform().daemon().start(() -> pump(false));
        }

        InetSocketAddress front() throws java.io.IOException {
            return (InetSocketAddress) front.getLocalAddress();
        }

        void darkFor(long millis) {
            darkUntil = System.nanoTime() + millis * 1_000_000L;
        }

        private void pump(boolean toServer) {
            ByteBuffer buf = ByteBuffer.allocate(65_536);
            DatagramChannel in = toServer ? front : back;
            while (in.isOpen()) {
                try {
                    buf.clear();
                    SocketAddress from = in.receive(buf);
                    buf.flip();
                    if (System.nanoTime() - darkUntil < 0) {
                        continue; // the path is dark: lost
                    }
                    if (toServer) {
                        client = from;
                        back.send(buf, server);
                    } else if (client != null) {
                        front.send(buf, client);
                    }
                } catch (java.io.IOException e) {
                    return; // closed
                }
            }
        }

        @Override
        public void close() throws Exception {
            front.close();
            back.close();
            up.join(5_000);
            down.join(5_000);
        }
    }
}
