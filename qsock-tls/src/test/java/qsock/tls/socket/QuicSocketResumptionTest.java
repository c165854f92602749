package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
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
 * Session resumption through real sockets: the server's NewSessionTickets arrive after the handshake, at the 1-RTT
 * level (RFC 9001 §4.1.3), when the blocking handshake call has returned; the socket hands them to the TLS driver on
 * its I/O thread ({@link QuicSocket#setPostHandshakeReader}), the client's store keeps them, and the next connection
 * resumes.
 */
class QuicSocketResumptionTest {

    private static final int TICKETS = 3;

    /** One server, one ticket key for all its connections. */
    private final TlsServerConfig serverTls = TlsServerConfig.builder(
                    new Credential(TestPki.chain(Loopback.PKI), TestPki.leafKey(Loopback.PKI)))
            .applicationProtocols("echo").tickets(ServerTickets.defaults().withCount(TICKETS)).build();

    private static TlsClientConfig clientTls(ClientTickets tickets) {
        return TlsClientConfig.builder().serverName("localhost").applicationProtocols("echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(Loopback.PKI))))
                .tickets(tickets).build();
    }

    /** One connection: {@return the client's and the server's engines} The sockets are closed. */
    private TlsEngine[] connect(Loopback loopback, TlsClientConfig client, InMemoryTicketStore store,
                                       int ticketsAfter) throws Exception {
        Future<Object[]> accepted = loopback.background(() -> {
            QuicSocket s = loopback.listener.accept();
            return new Object[] {s, QuicHandshake.serverHandshake(s, serverTls, Loopback.HANDSHAKE_TIMEOUT)};
        });
        try (QuicSocket socket = QuicSocket.open(ConnectionConfig.defaults())) {
            socket.connect(loopback.address);
            TlsEngine engine = QuicHandshake.clientHandshake(socket, client, Loopback.HANDSHAKE_TIMEOUT);
            Object[] server = accepted.get();
            try (QuicSocket serverSocket = (QuicSocket) server[0]) {
                // The tickets come after the handshake; nobody reads on this connection, yet they are taken in.
                Waits.until(ticketsAfter + " tickets kept", () -> store.size("localhost") == ticketsAfter);
                // And the connection still works.
                socket.send(ByteBuffer.wrap(new byte[] {42}), -1, StreamFlags.NEW | StreamFlags.FIN);
                ByteBuffer in = ByteBuffer.allocate(8);
                serverSocket.receive(in);
                assertEquals(42, in.get(0));
                return new TlsEngine[] {engine, (TlsEngine) server[1]};
            }
        }
    }

    @Test
    void theTicketsOfAConnectionReachTheStoreAfterTheHandshakeAndTheNextConnectionResumes() throws Exception {
        InMemoryTicketStore store = new InMemoryTicketStore();
        TlsClientConfig client = clientTls(ClientTickets.defaults().withStore(store));
        try (Loopback loopback = Loopback.listen("127.0.0.1")) {
            TlsEngine[] first = connect(loopback, client, store, TICKETS);
            assertFalse(first[0].resumed(), "the first connection is a full handshake");
            // The second takes one ticket and is given three more.
            TlsEngine[] second = connect(loopback, client, store, 2 * TICKETS - 1);
            assertTrue(second[0].resumed(), "the client resumed");
            assertTrue(second[1].resumed(), "the server resumed");
            assertEquals(List.of(), second[0].peerCertificates(), "no certificate in a resumed handshake");
        }
    }
}
