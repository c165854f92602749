package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.ClientTickets;
import qsock.tls.Credential;
import qsock.tls.QuicHandshake;
import qsock.tls.ServerTickets;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.ticket.InMemoryTicketStore;

/**
 * 0.5-RTT data through real sockets on loopback (RFC 9001 §4.1.1, §5.7): a server whose listener is configured for
 * it ({@link ConnectionConfig#halfRttData()}) starts its handshake with {@link QuicHandshake#startServerHandshake},
 * reads the client's request and answers it; the client reads the whole answer before the server calls
 * {@code finish()}. The request may come wholly in 0-RTT, or partly in 1-RTT after the client's handshake: the socket
 * goes on with the server's handshake meanwhile, so that part becomes readable without {@code finish()}. (When the
 * answer leaves on the wire is the simulation's to show: HalfRttSimulationTest.)
 */
class QuicSocketHalfRttTest {

    private static final TlsServerConfig SERVER_TLS = TlsServerConfig.builder(
                    new Credential(TestPki.chain(Loopback.PKI), TestPki.leafKey(Loopback.PKI)))
            .applicationProtocols("echo")
            .tickets(ServerTickets.defaults().withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT)).build();

    private static TlsClientConfig clientTls(InMemoryTicketStore store) {
        return TlsClientConfig.builder().serverName("localhost").applicationProtocols("echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(Loopback.PKI))))
                .tickets(ClientTickets.defaults().withStore(store).withEarlyData(true)).build();
    }

    private static byte[] readAll(QuicSocket socket, ByteArrayOutputStream into) throws Exception {
        ByteBuffer in = ByteBuffer.allocate(4096);
        StreamMessage m;
        do {
            in.clear();
            m = socket.receive(in);
            into.write(in.array(), 0, m.length());
        } while (!m.fin());
        return into.toByteArray();
    }

    /** What the server saw of one connection: whether the client read the answer before the server's finish(). */
    private record Served(boolean halfRtt, boolean readBeforeFinish, Boolean earlyData) {}

    /**
     * Serves one connection: starts the handshake, reads the request to its end, answers it upper-cased, waits until
     * {@code clientRead} (bounded), and only then finishes the handshake.
     */
    private static Future<Served> serveOne(Loopback loopback, CountDownLatch clientRead) {
        return loopback.background(() -> {
            try (QuicSocket s = loopback.listener.accept()) {
                // Every wait ends: a server that could not send before its handshake completes times out.
                s.setOption(QuicSocketOptions.TIMEOUT, Loopback.HANDSHAKE_TIMEOUT);
                QuicHandshake.ServerHandshake handshake = QuicHandshake.startServerHandshake(s, SERVER_TLS,
                        Loopback.HANDSHAKE_TIMEOUT);
                boolean halfRtt = handshake.halfRtt();
                byte[] request = readAll(s, new ByteArrayOutputStream());
                byte[] answer = new String(request, StandardCharsets.US_ASCII).toUpperCase()
                        .getBytes(StandardCharsets.US_ASCII);
                s.send(ByteBuffer.wrap(answer), 0, StreamFlags.FIN);
                // Bounded: a server that could not answer before finish() leaves the client waiting in vain.
                boolean read = clientRead.await(Loopback.HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                handshake.finish();
                Waits.until("answer acknowledged", () -> s.sendBuffered() == 0);
                return new Served(halfRtt, read, handshake.earlyDataAccepted());
            }
        });
    }

    /**
     * @param restInOneRtt whether the client sends the second half of its request after its handshake, in 1-RTT:
     *     the server, reading before {@code finish()}, gets it only because the socket completes its handshake
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "rest of the request in 1-RTT: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aZeroRttRequestIsAnsweredBeforeTheServerCallsFinish(boolean restInOneRtt) throws Exception {
        InMemoryTicketStore store = new InMemoryTicketStore();
        TlsClientConfig client = clientTls(store);
        String request = "get /index.html ".repeat(100);
        byte[] expected = request.toUpperCase().getBytes(StandardCharsets.US_ASCII);
        try (Loopback loopback = Loopback.listen("127.0.0.1", ConnectionConfig.builder().halfRttData(true).build(),
                16)) {
            // The first connection, for a ticket: a full handshake, whose request comes in 1-RTT after it.
            Future<Boolean> first = loopback.background(() -> {
                try (QuicSocket s = loopback.listener.accept()) {
                    QuicHandshake.serverHandshake(s, SERVER_TLS, Loopback.HANDSHAKE_TIMEOUT);
                    byte[] got = readAll(s, new ByteArrayOutputStream());
                    s.send(ByteBuffer.wrap(new String(got, StandardCharsets.US_ASCII).toUpperCase()
                            .getBytes(StandardCharsets.US_ASCII)), 0, StreamFlags.FIN);
                    Waits.until("answer acknowledged", () -> s.sendBuffered() == 0);
                    return true;
                }
            });
            try (QuicSocket socket = QuicSocket.open(ConnectionConfig.defaults())) {
                socket.connect(loopback.address);
                QuicHandshake.clientHandshake(socket, client, Loopback.HANDSHAKE_TIMEOUT);
                socket.send(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)), -1,
                        StreamFlags.NEW | StreamFlags.FIN);
                assertArrayEquals(expected, readAll(socket, new ByteArrayOutputStream()));
                assertTrue(first.get(30, TimeUnit.SECONDS));
                Waits.until("a ticket kept", () -> store.size("localhost") > 0);
            }
            // The second: the request leaves as 0-RTT, the answer as 0.5-RTT.
            CountDownLatch read = new CountDownLatch(1);
            Future<Served> second = serveOne(loopback, read);
            try (QuicSocket socket = QuicSocket.open(ConnectionConfig.defaults())) {
                socket.setOption(QuicSocketOptions.TIMEOUT, Loopback.HANDSHAKE_TIMEOUT);
                socket.connect(loopback.address);
                QuicHandshake.ClientHandshake handshake = QuicHandshake.startClientHandshake(socket, client,
                        Loopback.HANDSHAKE_TIMEOUT);
                assertTrue(handshake.earlyData(), "the ticket allows early data");
                byte[] bytes = request.getBytes(StandardCharsets.US_ASCII);
                int early = restInOneRtt ? bytes.length / 2 : bytes.length;
                socket.send(ByteBuffer.wrap(bytes, 0, early), -1, StreamFlags.NEW
                        | (restInOneRtt ? 0 : StreamFlags.FIN) | StreamFlags.DONTWAIT);
                handshake.finish();
                if (restInOneRtt) {
                    socket.send(ByteBuffer.wrap(bytes, early, bytes.length - early), 0, StreamFlags.FIN);
                }
                assertArrayEquals(expected, readAll(socket, new ByteArrayOutputStream()));
                read.countDown();
                Served served = second.get(30, TimeUnit.SECONDS);
                assertTrue(served.halfRtt(), "the server may send 0.5-RTT data");
                assertEquals(Boolean.TRUE, served.earlyData());
                assertTrue(served.readBeforeFinish(), "the client had the whole answer before the server's finish()");
            }
        }
    }

    @Test
    void offByDefaultTheServerHandshakeIsCompleteBeforeStartServerHandshakeReturns() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1")) {
            Future<Boolean> served = loopback.background(() -> {
                try (QuicSocket s = loopback.listener.accept()) {
                    QuicHandshake.ServerHandshake handshake = QuicHandshake.startServerHandshake(s, SERVER_TLS,
                            Loopback.HANDSHAKE_TIMEOUT);
                    boolean halfRtt = handshake.halfRtt();
                    boolean established = s.state().isEstablished();
                    handshake.finish();
                    return !halfRtt && established;
                }
            });
            try (QuicSocket socket = QuicSocket.open(ConnectionConfig.defaults())) {
                socket.connect(loopback.address);
                QuicHandshake.clientHandshake(socket, clientTls(new InMemoryTicketStore()), Loopback.HANDSHAKE_TIMEOUT);
                assertTrue(served.get(30, TimeUnit.SECONDS));
                assertFalse(socket.canSendHalfRtt(), "never on a client");
            }
        }
    }
}
