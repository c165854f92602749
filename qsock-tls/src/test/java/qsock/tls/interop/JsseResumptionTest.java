package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.ClientTickets;
import qsock.tls.ServerTickets;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.extension.PreSharedKeyClientHello;
import qsock.tls.extension.PreSharedKeyServerHello;
import qsock.tls.extension.PskKeyExchangeModes;
import qsock.tls.message.HandshakeType;
import qsock.tls.ticket.InMemoryTicketStore;

/**
 * Session resumption (RFC 8446 §4.6.1, §2.2) against the JDK's SunJSSE over loopback TCP, in both roles: a
 * JSSE server (which sends a NewSessionTicket after the client's Finished) resumed by the qsock client
 * connecting twice with one ticket store; the qsock server resumed by a JSSE client connecting twice from one
 * SSLContext, whose client session cache is keyed by host and port. And the two ways a ticket is not
 * accepted: one sealed by another qsock server offered by JSSE, one from another JSSE server offered by qsock;
 * each ends in a full handshake (RFC 8446 §4.2.11: a server that does not accept the PSK goes on without it).
 *
 * <p>SunJSSE sends a NewSessionTicket only to a client whose ClientHello lists psk_dhe_ke in
 * psk_key_exchange_modes (RFC 8446 §4.2.9: servers SHOULD NOT send tickets incompatible with the advertised
 * modes; JSSE logs "abort session resumption, no supported psk_dhe_ke PSK key exchange mode"): the qsock
 * client, keeping tickets, advertises its modes even before it has a ticket to offer (these tests found it
 * sending them only with a PSK).
 *
 * <p>Resumption shows on JSSE's side too: an SSLSession made from a ticket keeps the creation time of the
 * session the ticket came from (its id is new).
 */
@Timeout(60)
class JsseResumptionTest extends PeerTestBase {

    /** What a JSSE server saw on one connection: the bytes the client sent, and its session. */
    private record Served(byte[] received, SSLSession session) {}

    /** Serves one connection on {@code listener}: reads two bytes, answers with their reverse. */
    private Future<Served> jsseServe(SSLServerSocket listener) {
        return peers.submit(() -> {
            try (SSLSocket socket = (SSLSocket) listener.accept()) {
                socket.setSoTimeout(QsockEndpoints.SOCKET_TIMEOUT_MILLIS);
                byte[] received = socket.getInputStream().readNBytes(2);
                socket.getOutputStream().write(new byte[] {received[1], received[0]});
                socket.getOutputStream().flush();
                return new Served(received, socket.getSession());
            }
        });
    }

    /**
     * One qsock client connection that sends two bytes and reads the answer; reading takes the JSSE server's
     * NewSessionTicket, which comes before the answer.
     */
    private static TlsRecordLayer qsockExchange(int port, TlsClientConfig config, long seed, byte a, byte b)
            throws Exception {
        TlsRecordLayer client = QsockEndpoints.connect(port, config, seed);
        try (client) {
            client.handshake();
            client.write(new byte[] {a, b});
            assertArrayEquals(new byte[] {b, a}, client.read(2));
        }
        return client;
    }

    @Test
    void qsockClientResumesWithJsseServersTicket() throws Exception {
        SSLContext context = Jsse.context("ecdsa-p256");
        InMemoryTicketStore store = new InMemoryTicketStore();
        TlsClientConfig config = QsockEndpoints.client("ecdsa-p256")
                .tickets(ClientTickets.defaults().withStore(store)).build();
        try (SSLServerSocket listener = Jsse.listen(context, Jsse.parameters(context, Jsse.TLS13, null, null))) {
            Future<Served> firstRun = jsseServe(listener);
            TlsRecordLayer first = qsockExchange(listener.getLocalPort(), config, 101, (byte) 1, (byte) 2);
            Served firstServed = firstRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertFalse(first.engine().resumed());
            // RFC 8446 §4.2.9: without the modes, a server may (and SunJSSE does) send no ticket.
            assertTrue(first.clientHello().extension(PskKeyExchangeModes.class).isPresent(),
                    "the qsock client advertised psk_key_exchange_modes");
            assertTrue(store.size("localhost") >= 1, "the JSSE server's ticket was kept");

            Future<Served> secondRun = jsseServe(listener);
            TlsRecordLayer second = qsockExchange(listener.getLocalPort(), config, 102, (byte) 3, (byte) 4);
            Served secondServed = secondRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertArrayEquals(new byte[] {3, 4}, secondServed.received());
            assertTrue(second.engine().resumed());
            assertTrue(second.completion().resumed());
            // The JSSE server chose the ticket's PSK (RFC 8446 §4.2.11) and so sent no Certificate or
            // CertificateVerify (§2.2).
            assertEquals(0, second.serverHello().extension(PreSharedKeyServerHello.class).orElseThrow()
                    .selectedIdentity());
            assertEquals(List.of(HandshakeType.ENCRYPTED_EXTENSIONS, HandshakeType.FINISHED),
                    OpenSslClientAuthTest.types(second.handshakeMessagesReceived(EncryptionLevel.HANDSHAKE)));
            assertEquals(firstServed.session().getCreationTime(), secondServed.session().getCreationTime(),
                    "the JSSE server resumed the first session");
        }
    }

    /**
     * Two JSSE client connections from one context to {@code listener}, one after the other; each sends two
     * bytes and reads the answer, which comes after the qsock server's NewSessionTicket: JSSE has taken the
     * ticket into its session cache before it closes the first connection.
     */
    private Future<List<SSLSession>> jsseConnectTwice(SSLContext context, ServerSocket listener) {
        SSLParameters parameters = Jsse.parameters(context, Jsse.TLS13, null, null);
        return peers.submit(() -> {
            List<SSLSession> sessions = new ArrayList<>();
            for (byte b = 5; b < 9; b += 2) {
                try (SSLSocket socket = Jsse.connect(context, listener.getLocalPort(), parameters)) {
                    socket.getOutputStream().write(new byte[] {b, (byte) (b + 1)});
                    socket.getOutputStream().flush();
                    assertArrayEquals(new byte[] {(byte) (b + 1), b}, socket.getInputStream().readNBytes(2));
                    sessions.add(socket.getSession());
                }
            }
            return sessions;
        });
    }

    /** Serves one JSSE client connection with the qsock server: reads two bytes, answers with their reverse. */
    private static TlsRecordLayer qsockServe(ServerSocket listener, TlsServerConfig config, long seed)
            throws Exception {
        TlsRecordLayer server = QsockEndpoints.accept(listener, config, seed);
        try (server) {
            server.handshake();
            byte[] up = server.read(2);
            server.write(new byte[] {up[1], up[0]});
        }
        return server;
    }

    @Test
    void jsseClientResumesWithQsockServersTicket() throws Exception {
        SSLContext context = Jsse.context("ecdsa-p256");
        TlsServerConfig config = QsockEndpoints.server("ecdsa-p256").tickets(ServerTickets.defaults()).build();
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<List<SSLSession>> clientRun = jsseConnectTwice(context, listener);
            TlsRecordLayer first = qsockServe(listener, config, 103);
            TlsRecordLayer second = qsockServe(listener, config, 104);
            List<SSLSession> sessions = clientRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertFalse(first.engine().resumed());
            assertFalse(first.clientHello().extension(PreSharedKeyClientHello.class).isPresent());
            assertEquals(1, second.clientHello().extension(PreSharedKeyClientHello.class).orElseThrow()
                    .identities().size(), "JSSE offered the ticket");
            assertTrue(second.engine().resumed());
            assertTrue(second.completion().resumed());
            assertEquals(List.of(HandshakeType.ENCRYPTED_EXTENSIONS, HandshakeType.FINISHED),
                    OpenSslClientAuthTest.types(second.handshakeMessagesSent(EncryptionLevel.HANDSHAKE)));
            assertEquals(sessions.get(0).getCreationTime(), sessions.get(1).getCreationTime(),
                    "the JSSE client resumed the first session");
        }
    }

    @Test
    void jsseClientsTicketFromAnotherQsockServerGetsAFullHandshake() throws Exception {
        SSLContext context = Jsse.context("ecdsa-p256");
        // ServerTickets.defaults() makes a fresh random sealer key: the second server cannot open the first's.
        TlsServerConfig issuer = QsockEndpoints.server("ecdsa-p256").tickets(ServerTickets.defaults()).build();
        TlsServerConfig other = QsockEndpoints.server("ecdsa-p256").tickets(ServerTickets.defaults()).build();
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<List<SSLSession>> clientRun = jsseConnectTwice(context, listener);
            TlsRecordLayer first = qsockServe(listener, issuer, 105);
            TlsRecordLayer second = qsockServe(listener, other, 106);
            List<SSLSession> sessions = clientRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertFalse(first.engine().resumed());
            assertEquals(1, second.clientHello().extension(PreSharedKeyClientHello.class).orElseThrow()
                    .identities().size(), "JSSE offered the first server's ticket");
            assertFalse(second.engine().resumed());
            assertFalse(second.completion().resumed());
            assertFalse(second.serverHello().extension(PreSharedKeyServerHello.class).isPresent());
            assertEquals(List.of(HandshakeType.ENCRYPTED_EXTENSIONS, HandshakeType.CERTIFICATE,
                            HandshakeType.CERTIFICATE_VERIFY, HandshakeType.FINISHED),
                    OpenSslClientAuthTest.types(second.handshakeMessagesSent(EncryptionLevel.HANDSHAKE)));
            assertEquals(2, sessions.size());
        }
    }

    @Test
    void qsockClientsTicketFromAnotherJsseServerGetsAFullHandshake() throws Exception {
        // Two contexts, two session caches and two ticket keys: the second server cannot use the first's ticket.
        SSLContext issuer = Jsse.context("ecdsa-p256");
        SSLContext other = Jsse.context("ecdsa-p256");
        InMemoryTicketStore store = new InMemoryTicketStore();
        TlsClientConfig config = QsockEndpoints.client("ecdsa-p256")
                .tickets(ClientTickets.defaults().withStore(store)).build();
        try (SSLServerSocket firstListener = Jsse.listen(issuer, Jsse.parameters(issuer, Jsse.TLS13, null, null));
             SSLServerSocket secondListener = Jsse.listen(other, Jsse.parameters(other, Jsse.TLS13, null, null))) {
            Future<Served> firstRun = jsseServe(firstListener);
            qsockExchange(firstListener.getLocalPort(), config, 107, (byte) 1, (byte) 2);
            firstRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(store.size("localhost") >= 1, "the JSSE server's ticket was kept");

            Future<Served> secondRun = jsseServe(secondListener);
            TlsRecordLayer second = qsockExchange(secondListener.getLocalPort(), config, 108, (byte) 3, (byte) 4);
            assertArrayEquals(new byte[] {3, 4}, secondRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS).received());
            assertTrue(second.clientHello().extension(PreSharedKeyClientHello.class).isPresent(),
                    "qsock offered the first server's ticket");
            assertFalse(second.engine().resumed());
            assertFalse(second.completion().resumed());
            assertFalse(second.serverHello().extension(PreSharedKeyServerHello.class).isPresent());
            assertEquals(List.of(HandshakeType.ENCRYPTED_EXTENSIONS, HandshakeType.CERTIFICATE,
                            HandshakeType.CERTIFICATE_VERIFY, HandshakeType.FINISHED),
                    OpenSslClientAuthTest.types(second.handshakeMessagesReceived(EncryptionLevel.HANDSHAKE)));
        }
    }
}
