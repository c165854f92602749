package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.ClientTickets;
import qsock.tls.Credential;
import qsock.tls.QuicHandshake;
import qsock.tls.ServerTickets;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsEngine;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.ticket.InMemoryTicketStore;

/**
 * 0-RTT through real sockets on loopback (RFC 9001 §4.6): a first connection leaves tickets that allow early data;
 * the second starts its handshake with {@link QuicHandshake#startClientHandshake}, sends its request before the
 * handshake completes, then finishes it and reads the answer. A server that accepts early data and one whose policy
 * rejects it answer the same request; the client learns which it was.
 */
class QuicSocketEarlyDataTest {

    private static TlsServerConfig serverTls(boolean acceptEarlyData) {
        return TlsServerConfig.builder(new Credential(TestPki.chain(Loopback.PKI), TestPki.leafKey(Loopback.PKI)))
                .applicationProtocols("echo").tickets(ServerTickets.defaults().withEarlyData(true,
                        acceptEarlyData ? ServerTickets.EarlyDataPolicy.ACCEPT : (alpn, sni, params) -> false))
                .build();
    }

    private static TlsClientConfig clientTls(InMemoryTicketStore store) {
        return TlsClientConfig.builder().serverName("localhost").applicationProtocols("echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(Loopback.PKI))))
                .tickets(ClientTickets.defaults().withStore(store).withEarlyData(true)).build();
    }

    /**
     * Serves one connection: reads the request on the first stream to its end, answers it upper-cased; {@return
     * whether the server took early data: null when none was offered}
     */
    private static Future<Boolean> serveOne(Loopback loopback, TlsServerConfig tls) {
        return loopback.background(() -> {
            try (QuicSocket s = loopback.listener.accept()) {
                QuicHandshake.serverHandshake(s, tls, Loopback.HANDSHAKE_TIMEOUT);
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                ByteBuffer in = ByteBuffer.allocate(4096);
                StreamMessage m;
                do {
                    in.clear();
                    m = s.receive(in);
                    request.write(in.array(), 0, m.length());
                } while (!m.fin());
                byte[] answer = request.toString(StandardCharsets.US_ASCII).toUpperCase()
                        .getBytes(StandardCharsets.US_ASCII);
                s.send(ByteBuffer.wrap(answer), m.streamId(), StreamFlags.FIN);
                // The answer must be acknowledged before the socket closes.
                Waits.until("answer acknowledged", () -> s.sendBuffered() == 0);
                return s.earlyDataAccepted();
            }
        });
    }

    private static byte[] readAll(QuicSocket socket) throws Exception {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        ByteBuffer in = ByteBuffer.allocate(4096);
        StreamMessage m;
        do {
            in.clear();
            m = socket.receive(in);
            answer.write(in.array(), 0, m.length());
        } while (!m.fin());
        return answer.toByteArray();
    }

    @ParameterizedTest(name = "server accepts early data: {0}")
    @ValueSource(booleans = {true, false})
    void theSecondConnectionSendsItsRequestAsZeroRttAndGetsTheAnswer(boolean accept) throws Exception {
        InMemoryTicketStore store = new InMemoryTicketStore();
        TlsClientConfig client = clientTls(store);
        TlsServerConfig server = serverTls(accept);
        String request = "get /index.html ".repeat(200);
        byte[] expected = request.toUpperCase().getBytes(StandardCharsets.US_ASCII);
        try (Loopback loopback = Loopback.listen("127.0.0.1")) {
            // The first connection: a full handshake, no early data; its tickets reach the store.
            Future<Boolean> first = serveOne(loopback, server);
            try (QuicSocket socket = QuicSocket.open(ConnectionConfig.defaults())) {
                socket.connect(loopback.address);
                QuicHandshake.ClientHandshake handshake = QuicHandshake.startClientHandshake(socket, client,
                        Loopback.HANDSHAKE_TIMEOUT);
                assertFalse(handshake.earlyData(), "no ticket yet");
                assertFalse(socket.canSendEarlyData());
                handshake.finish();
                assertNull(socket.earlyDataAccepted());
                socket.send(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)), -1,
                        StreamFlags.NEW | StreamFlags.FIN);
                assertArrayEquals(expected, readAll(socket));
                assertNull(first.get());
                Waits.until("a ticket kept", () -> store.size("localhost") > 0);
            }
            // The second: the request leaves before the handshake completes.
            Future<Boolean> second = serveOne(loopback, server);
            try (QuicSocket socket = QuicSocket.open(ConnectionConfig.defaults())) {
                socket.connect(loopback.address);
                QuicHandshake.ClientHandshake handshake = QuicHandshake.startClientHandshake(socket, client,
                        Loopback.HANDSHAKE_TIMEOUT);
                assertTrue(handshake.earlyData(), "the ticket allows early data");
                assertFalse(socket.state().isEstablished());
                // DONTWAIT: taken at once, as 0-RTT, without waiting for the handshake (which nobody drives yet).
                int sent = socket.send(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)), -1,
                        StreamFlags.NEW | StreamFlags.FIN | StreamFlags.DONTWAIT);
                assertEquals(request.length(), sent);
                TlsEngine engine = handshake.finish();
                assertTrue(engine.resumed());
                assertEquals(accept, socket.earlyDataAccepted());
                assertEquals(accept, handshake.earlyDataAccepted());
                // Accepted or not, the answer is complete: rejected early data was sent again.
                assertArrayEquals(expected, readAll(socket));
                assertEquals(accept, second.get(), "the server's view");
            }
        }
    }
}
