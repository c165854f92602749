package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.core.connection.QuicConnection;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.ConnectionCloseFrame;
import qsock.core.frame.FrameEncoder;
import qsock.core.frame.PingFrame;
import qsock.core.wire.ConnectionId;

/**
 * A server opens a new client's first Initial before it makes anything of it (RFC 9001 §5.2, §5.5): what does
 * not decrypt, random bytes or an Initial whose connection IDs were corrupted on the way (the AEAD covers the
 * header), creates no connection, no route, nothing to accept, and is answered with nothing.
 */
class InitialAuthenticationTest {

    private static final long NOW = 1_000_000_000L;
    private static final byte[] HELLO = "the start of a ClientHello".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static QuicEndpoint server() {
        QuicEndpoint e = new QuicEndpoint(new EndpointConfig(ConnectionConfig.defaults(), new byte[32]),
                new SplittableRandom(1));
        e.listen(16);
        return e;
    }

    private static InetSocketAddress address(int i) {
        try {
            return new InetSocketAddress(
                    InetAddress.getByAddress(new byte[] {10, 2, (byte) (i >> 8), (byte) i}), 40_000 + i % 20_000);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ConnectionId id(SplittableRandom r, int length) {
        byte[] b = new byte[length];
        r.nextBytes(b);
        return ConnectionId.of(b);
    }

    private static void assertNothingMadeAndNothingSent(QuicEndpoint server, String what) {
        assertEquals(0, server.connectionCount(), what + ": no connection");
        assertEquals(0, server.acceptQueueLength(), what + ": nothing to accept");
        assertEquals(0, server.halfOpenConnections(), what);
        assertNull(server.pollDatagram(ByteBuffer.allocate(1500), NOW), what + ": nothing sent");
    }

    @Test
    void initialsWithARandomPayloadMakeNothingAndGetNoAnswer() {
        QuicEndpoint server = server();
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 2_000; i++) {
            // A well-formed long header of a supported version, then random bytes to the end of the datagram.
            ByteBuffer d = ClientPackets.initialWithCrypto(id(r, 8 + r.nextInt(13)), id(r, r.nextInt(21)), 0, 0, HELLO);
            int headerEnd = 1 + 4 + 1 + d.get(5) + 1 + d.get(6 + d.get(5)) + 1 + 2;
            for (int j = headerEnd; j < d.limit(); j++) {
                d.put(j, (byte) r.nextInt());
            }
            server.handleDatagram(address(i), d, NOW);
        }
        assertNothingMadeAndNothingSent(server, "2000 random-payload Initials");
        assertEquals(2_000, server.initialsUndecryptable());
        // A real client still gets in.
        server.handleDatagram(address(1), ClientPackets.initialWithCrypto(id(r, 8), id(r, 8), 0, 0, HELLO), NOW);
        assertNotNull(server.accept());
    }

    @Test
    void anInitialWhoseDestinationConnectionIdWasCorruptedMakesNothing() {
        QuicEndpoint server = server();
        SplittableRandom r = new SplittableRandom(3);
        ConnectionId dcid = id(r, 8);
        ConnectionId scid = id(r, 8);
        for (int bit = 0; bit < 8 * dcid.length(); bit++) {
            ByteBuffer d = ClientPackets.initialWithCrypto(dcid, scid, 0, 0, HELLO);
            flip(d, 6 + bit / 8, bit % 8);
            server.handleDatagram(address(1), d, NOW);
        }
        assertNothingMadeAndNothingSent(server, "Initials with a corrupted Destination Connection ID");
        // The client's next, intact Initial makes the connection with the right ID.
        server.handleDatagram(address(1), ClientPackets.initialWithCrypto(dcid, scid, 1, 0, HELLO), NOW);
        QuicConnection c = server.accept();
        assertEquals(dcid, c.originalDestinationId());
        assertEquals(1, server.connectionCount());
    }

    @Test
    void anInitialWhoseSourceConnectionIdWasCorruptedIsNotBelieved() {
        QuicEndpoint server = server();
        SplittableRandom r = new SplittableRandom(4);
        ConnectionId dcid = id(r, 8);
        ConnectionId scid = id(r, 8);
        int scidOffset = 6 + dcid.length() + 1;
        for (int bit = 0; bit < 8 * scid.length(); bit++) {
            ByteBuffer d = ClientPackets.initialWithCrypto(dcid, scid, 0, 0, HELLO);
            flip(d, scidOffset + bit / 8, bit % 8);
            server.handleDatagram(address(1), d, NOW);
        }
        assertNothingMadeAndNothingSent(server, "Initials with a corrupted Source Connection ID");
        // RFC 9000 §7.3: the real Initial's ID is the one the client's transport parameters will confirm.
        server.handleDatagram(address(1), ClientPackets.initialWithCrypto(dcid, scid, 1, 0, HELLO), NOW);
        assertEquals(scid, server.accept().peerId());
    }

    @Test
    void anInitialCorruptedInAnyBitMakesNoConnection() {
        QuicEndpoint server = server();
        SplittableRandom r = new SplittableRandom(5);
        ConnectionId dcid = id(r, 8);
        ConnectionId scid = id(r, 8);
        int headerBits = 8 * (1 + 4 + 1 + 8 + 1 + 8 + 1 + 2 + 2);
        for (int bit = 0; bit < headerBits + 400; bit++) {
            // Every bit of the header, then bits drawn from the protected payload.
            int at = bit < headerBits ? bit : headerBits + r.nextInt(8 * (1200 - headerBits / 8));
            ByteBuffer d = ClientPackets.initialWithCrypto(dcid, scid, 0, 0, HELLO);
            flip(d, at / 8, at % 8);
            server.handleDatagram(address(1), d, NOW);
            assertEquals(0, server.connectionCount(), "bit " + at + " flipped");
            assertNull(server.accept(), "bit " + at + " flipped");
            drain(server);
        }
    }

    @Test
    void anInitialThatCarriesNoCryptoFrameStartsNothing() {
        QuicEndpoint server = server();
        SplittableRandom r = new SplittableRandom(6);
        // RFC 9000 §17.2.2: a client's first packet carries the start of its first handshake message. A PING
        // alone, or a CONNECTION_CLOSE (a client giving up on a connection we dropped), is no such start.
        server.handleDatagram(address(1), ClientPackets.initial(id(r, 8), id(r, 8), 0,
                b -> FrameEncoder.encode(b, PingFrame.INSTANCE)), NOW);
        server.handleDatagram(address(2), ClientPackets.initial(id(r, 8), id(r, 8), 0,
                b -> FrameEncoder.encode(b, new ConnectionCloseFrame(TransportErrorCode.NO_ERROR, 0, ByteBuffer.allocate(0)))), NOW);
        assertNothingMadeAndNothingSent(server, "Initials without CRYPTO");
        assertEquals(2, server.initialsWithoutCrypto());
        assertEquals(0, server.initialsUndecryptable(), "they did open");
    }

    private static void flip(ByteBuffer d, int index, int bit) {
        d.put(index, (byte) (d.get(index) ^ (1 << bit)));
    }

    private static void drain(QuicEndpoint server) {
        ByteBuffer out = ByteBuffer.allocate(1500);
        for (int i = 0; i < 100 && server.pollDatagram(out.clear(), NOW) != null; i++) {
            // Version Negotiation for a corrupted version field, a reset for a corrupted form bit
        }
    }
}
