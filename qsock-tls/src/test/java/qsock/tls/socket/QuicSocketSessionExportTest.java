package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.Role;
import qsock.core.params.TransportParameters;
import qsock.socket.PeerTransportParameters;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
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
import qsock.tls.ticket.ClientTicket;
import qsock.tls.ticket.InMemoryTicketStore;

/**
 * The socket draft's Appendix D in Java, over real sockets on loopback: a first client connection, through a Retry
 * (the listener validates every address), reads the server's transport parameters
 * ({@link QuicSocketOptions#REMOTE_TRANSPORT_PARAMETERS}) and the NEW_TOKEN token ({@link QuicSocketOptions#TOKEN}),
 * and its session tickets leave its store as bytes ({@link ClientTicket#encode()}). A second client with nothing but
 * those bytes (fresh stores, as a new process has) sets the token and loads the ticket: it skips the Retry, resumes,
 * and its request sent as 0-RTT is accepted.
 */
class QuicSocketSessionExportTest {

    private static TlsServerConfig serverTls() {
        return TlsServerConfig.builder(new Credential(TestPki.chain(Loopback.PKI), TestPki.leafKey(Loopback.PKI)))
                .applicationProtocols("echo")
                .tickets(ServerTickets.defaults().withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT)).build();
    }

    private static TlsClientConfig clientTls(InMemoryTicketStore store) {
        return TlsClientConfig.builder().serverName("localhost").applicationProtocols("echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(Loopback.PKI))))
                .tickets(ClientTickets.defaults().withStore(store).withEarlyData(true)).build();
    }

    /** Serves one connection: echoes the first stream's request upper-cased; {@return whether it took early data} */
    private static Future<Boolean> serveOne(Loopback loopback, TlsServerConfig tls) {
        return loopback.background(() -> {
            try (QuicSocket s = loopback.listener.accept()) {
                QuicHandshake.serverHandshake(s, tls, Loopback.HANDSHAKE_TIMEOUT);
                byte[] request = readAll(s);
                s.send(ByteBuffer.wrap(new String(request, StandardCharsets.US_ASCII).toUpperCase()
                        .getBytes(StandardCharsets.US_ASCII)), 0, StreamFlags.FIN);
                // The client closes once it has the answer (and, on the first connection, the ticket and token). Closing
                // here first could end the connection while the client's driver still finishes its handshake, which
                // QuicHandshake then reports as a failure.
                Waits.until("the client closed", () -> s.state().isClosingOrClosed());
                return s.earlyDataAccepted();
            }
        });
    }

    private static byte[] readAll(QuicSocket socket) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer in = ByteBuffer.allocate(4096);
        StreamMessage m;
        do {
            in.clear();
            m = socket.receive(in);
            all.write(in.array(), 0, m.length());
        } while (!m.fin());
        return all.toByteArray();
    }

    @Test
    void aSessionAndTokenExportedFromOneSocketResumeWithZeroRttWithoutRetryInAFreshOne() throws Exception {
        TlsServerConfig server = serverTls();
        String request = "get /index.html";
        byte[] expected = request.toUpperCase().getBytes(StandardCharsets.US_ASCII);
        List<byte[]> savedTickets = new ArrayList<>();
        byte[] savedToken;
        try (Loopback loopback = Loopback.listen("127.0.0.1")) {
            loopback.listener.setOption(QuicSocketOptions.VALIDATE_PEER_ADDRESS, true);
            loopback.listener.listen(16);

            // The first "process": a full handshake after a Retry; it saves the session and the token.
            InMemoryTicketStore firstStore = new InMemoryTicketStore();
            Future<Boolean> first = serveOne(loopback, server);
            try (QuicSocket socket = QuicSocket.open(ConnectionConfig.defaults())) {
                assertNull(socket.getOption(QuicSocketOptions.TOKEN));
                socket.connect(loopback.address);
                assertNull(socket.getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS), "no handshake yet");
                QuicHandshake.clientHandshake(socket, clientTls(firstStore), Loopback.HANDSHAKE_TIMEOUT);
                assertEquals(1, socket.statistics().retries(), "the listener validated the address with a Retry");
                PeerTransportParameters remote = socket.getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS);
                assertNotNull(remote);
                ConnectionConfig defaults = ConnectionConfig.defaults();
                assertEquals(defaults.initialMaxData(), remote.maxData());
                assertEquals(defaults.maxStreamsBidi(), remote.maxStreamsBidi());
                assertTrue(remote.statelessReset());
                assertThrows(IllegalStateException.class,
                        () -> socket.setOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS, remote),
                        "the remembered parameters are set before the handshake");

                socket.send(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)), -1,
                        StreamFlags.NEW | StreamFlags.FIN);
                assertArrayEquals(expected, readAll(socket));
                Waits.until("a ticket and a NEW_TOKEN token", () -> firstStore.size("localhost") > 0
                        && socket.getOption(QuicSocketOptions.TOKEN) != null);
                savedToken = socket.getOption(QuicSocketOptions.TOKEN);
                for (ClientTicket t : firstStore.takeAll("localhost", System.currentTimeMillis())) {
                    // The parameters remembered for 0-RTT travel in the ticket: the same the socket reported.
                    TransportParameters remembered = TransportParameters.decode(
                            ByteBuffer.wrap(t.serverTransportParameters()), Role.SERVER);
                    assertEquals(remote.maxData(), remembered.initialMaxData());
                    savedTickets.add(t.encode());
                }
            }
            assertNull(first.get(), "no early data on the first connection");
            assertFalse(savedTickets.isEmpty());

            // The second "process": fresh stores, only the saved bytes.
            InMemoryTicketStore secondStore = new InMemoryTicketStore();
            for (byte[] form : savedTickets) {
                secondStore.store("localhost", ClientTicket.decode(form, System.currentTimeMillis()));
            }
            Future<Boolean> second = serveOne(loopback, server);
            try (QuicSocket socket = QuicSocket.open(ConnectionConfig.defaults())) {
                socket.setOption(QuicSocketOptions.TOKEN, savedToken);
                assertArrayEquals(savedToken, socket.getOption(QuicSocketOptions.TOKEN));
                socket.connect(loopback.address);
                assertNull(socket.getOption(QuicSocketOptions.TOKEN), "connect took the token: it serves once");
                assertThrows(java.nio.channels.AlreadyConnectedException.class,
                        () -> socket.setOption(QuicSocketOptions.TOKEN, savedToken), "the Initial's token is set");
                QuicHandshake.ClientHandshake handshake = QuicHandshake.startClientHandshake(socket,
                        clientTls(secondStore), Loopback.HANDSHAKE_TIMEOUT);
                assertTrue(handshake.earlyData(), "the loaded ticket allows early data");
                int sent = socket.send(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)), -1,
                        StreamFlags.NEW | StreamFlags.FIN | StreamFlags.DONTWAIT);
                assertEquals(request.length(), sent);
                TlsEngine engine = handshake.finish();
                assertTrue(engine.resumed());
                assertEquals(0, socket.statistics().retries(), "the saved token validated the address");
                assertArrayEquals(expected, readAll(socket));
                assertEquals(Boolean.TRUE, socket.earlyDataAccepted());
            }
            assertEquals(Boolean.TRUE, second.get(), "the server took the early data");
        }
    }

    @Test
    void theTokenOptionIsBounded() throws Exception {
        try (QuicSocket socket = QuicSocket.open(ConnectionConfig.defaults())) {
            assertThrows(IllegalArgumentException.class, () -> socket.setOption(QuicSocketOptions.TOKEN, new byte[0]));
            assertThrows(IllegalArgumentException.class,
                    () -> socket.setOption(QuicSocketOptions.TOKEN, new byte[513]));
            byte[] token = new byte[512];
            token[0] = 7;
            socket.setOption(QuicSocketOptions.TOKEN, token);
            token[0] = 8;
            assertEquals(7, socket.getOption(QuicSocketOptions.TOKEN)[0], "a copy was kept");
            socket.setOption(QuicSocketOptions.TOKEN, null);
            assertNull(socket.getOption(QuicSocketOptions.TOKEN));
        }
    }
}
