package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.core.cid.StatelessResetTokens;
import qsock.api.ConnectionConfig;
import qsock.core.error.ConnectionError;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketParser;
import qsock.core.packet.ParseStatus;
import qsock.api.QuicVersion;
import qsock.core.packet.VersionNegotiationPacket;
import qsock.core.wire.ConnectionId;

/** The endpoint's stateless duties: routing new clients to accept, Version Negotiation, resets, drops. */
class QuicEndpointTest {

    private static final long NOW = 1_000_000_000L;
    private static final byte[] KEY = new byte[32];
    private static final InetSocketAddress CLIENT = address(1);
    private static final InetSocketAddress SERVER = address(2);

    private static InetSocketAddress address(int last) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last}), 4433);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static QuicEndpoint server(int backlog) {
        QuicEndpoint e = new QuicEndpoint(new EndpointConfig(ConnectionConfig.defaults(), KEY),
                new SplittableRandom(1));
        e.listen(backlog);
        return e;
    }

    /** A client's first datagram: an Initial with a CRYPTO frame of {@code hello}, padded to 1200 bytes. */
    private static ByteBuffer clientInitial(long seed, byte[] hello) {
        QuicEndpoint client = new QuicEndpoint(EndpointConfig.defaults(), new SplittableRandom(seed));
        QuicConnection c = client.connect(SERVER, NOW);
        c.writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(hello), NOW);
        ByteBuffer out = ByteBuffer.allocate(1500);
        assertEquals(SERVER, client.pollDatagram(out, NOW));
        return out.flip();
    }

    @Test
    void aClientInitialIsQueuedForAcceptWithItsHandshakeBytes() {
        QuicEndpoint server = server(4);
        byte[] hello = "client hello bytes".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer datagram = clientInitial(2, hello);
        assertTrue(datagram.remaining() >= 1200, "a client Initial datagram is padded to 1200 bytes");
        server.handleDatagram(CLIENT, datagram, NOW);
        QuicConnection accepted = server.accept();
        assertNotNull(accepted);
        assertEquals(ConnectionState.HANDSHAKING, accepted.state());
        ByteBuffer read = ByteBuffer.allocate(100);
        assertEquals(EncryptionLevel.INITIAL, accepted.readHandshake(read));
        assertArrayEquals(hello, java.util.Arrays.copyOf(read.array(), read.position()));
        assertNull(server.accept());
    }

    @Test
    void aFullAcceptQueueDropsItsOldestConnectionForTheNewcomer() {
        QuicEndpoint server = server(2);
        QuicConnection[] queued = new QuicConnection[3];
        for (int i = 0; i < 3; i++) {
            server.handleDatagram(address(10 + i), clientInitial(10 + i, new byte[] {1}), NOW);
        }
        assertEquals(2, server.acceptQueueLength(), "the backlog bounds the queue");
        assertEquals(2, server.connectionCount(), "the dropped connection is gone, not left behind");
        assertEquals(1, server.halfOpenEvicted());
        assertEquals(0, server.connectionsRefused(), "the newcomer got in");
        queued[1] = server.accept();
        queued[2] = server.accept();
        assertNull(server.accept());
        assertEquals(address(11), server.peerAddress(queued[1]), "the oldest, from .10, went first");
        assertEquals(address(12), server.peerAddress(queued[2]));
    }

    @Test
    void anEndpointThatDoesNotListenCreatesNoConnection() {
        QuicEndpoint server = server(0);
        server.handleDatagram(CLIENT, clientInitial(3, new byte[] {1}), NOW);
        assertNull(server.accept());
        assertEquals(0, server.connectionCount());
    }

    @Test
    void anInitialInADatagramUnder1200BytesIsDropped() {
        QuicEndpoint server = server(4);
        ByteBuffer datagram = clientInitial(4, new byte[] {1});
        // Cut the padding: the Length field now points past the end, or the datagram is too small.
        ByteBuffer small = ByteBuffer.allocate(1199).put(datagram.slice(0, 1199)).flip();
        server.handleDatagram(CLIENT, small, NOW);
        assertNull(server.accept());
        assertEquals(1, server.datagramsDropped());
    }

    private static ByteBuffer unknownVersionDatagram(int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put((byte) 0xc0).putInt(0x1a2a3a4a);
        b.put((byte) 8).put(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        b.put((byte) 4).put(new byte[] {9, 9, 9, 9});
        return b.position(0);
    }

    @Test
    void anUnknownVersionIsAnsweredWithVersionNegotiationListingOurVersions() {
        QuicEndpoint server = server(4);
        server.handleDatagram(CLIENT, unknownVersionDatagram(1200), NOW);
        ByteBuffer out = ByteBuffer.allocate(1500);
        assertEquals(CLIENT, server.pollDatagram(out, NOW));
        out.flip();
        PacketHeaderView view = new PacketHeaderView();
        assertEquals(ParseStatus.VERSION_NEGOTIATION, PacketParser.parse(out, 0, 8, false, view));
        VersionNegotiationPacket vn = VersionNegotiationPacket.from(out, view);
        // RFC 9000 §17.2.1: the connection IDs are the client's, swapped.
        assertArrayEquals(new byte[] {9, 9, 9, 9}, vn.dcid());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, vn.scid());
        assertTrue(vn.lists(QuicVersion.V1.wireValue()));
        assertTrue(vn.lists(QuicVersion.V2.wireValue()));
        assertEquals(1, server.versionNegotiationsSent());
        assertEquals(0, server.connectionCount());
    }

    @Test
    void anUnknownVersionInASmallDatagramGetsNoAnswer() {
        QuicEndpoint server = server(4);
        server.handleDatagram(CLIENT, unknownVersionDatagram(1199), NOW);
        assertNull(server.pollDatagram(ByteBuffer.allocate(1500), NOW));
    }

    @Test
    void aShortHeaderPacketForNoConnectionGetsAStatelessResetWithTheTokenOfItsConnectionId() {
        QuicEndpoint server = server(4);
        byte[] dcid = {11, 12, 13, 14, 15, 16, 17, 18};
        ByteBuffer datagram = ByteBuffer.allocate(100);
        datagram.put((byte) 0x41).put(dcid);
        datagram.position(0);
        server.handleDatagram(CLIENT, datagram, NOW);
        ByteBuffer out = ByteBuffer.allocate(1500);
        assertEquals(CLIENT, server.pollDatagram(out, NOW));
        out.flip();
        // RFC 9000 §10.3: shorter than what triggered it, at least 21 bytes, and ending in the token.
        assertTrue(out.remaining() < 100 && out.remaining() >= 21, "reset of " + out.remaining() + " bytes");
        assertEquals(0x40, out.get(0) & 0xc0, "it looks like a short header packet");
        byte[] expected = new StatelessResetTokens(KEY).tokenFor(ConnectionId.of(dcid)).toByteArray();
        byte[] tail = new byte[16];
        out.get(out.limit() - 16, tail);
        assertArrayEquals(expected, tail);
        assertEquals(1, server.statelessResetsSent());
    }

    @Test
    void aDatagramTooShortToBeAnsweredWithAResetGetsNothing() {
        QuicEndpoint server = server(4);
        ByteBuffer datagram = ByteBuffer.allocate(29);
        datagram.put(0, (byte) 0x41);
        server.handleDatagram(CLIENT, datagram, NOW);
        assertNull(server.pollDatagram(ByteBuffer.allocate(1500), NOW));
    }

    @Test
    void aLongHeaderPacketOtherThanInitialForNoConnectionIsDropped() {
        QuicEndpoint server = server(4);
        ByteBuffer datagram = clientInitial(6, new byte[] {1});
        // Turn the Initial into a Handshake packet (v1 type bits 10): no connection may start with it.
        datagram.put(0, (byte) ((datagram.get(0) & 0xcf) | 0x20));
        server.handleDatagram(CLIENT, datagram, NOW);
        assertNull(server.accept());
        assertEquals(1, server.datagramsDropped());
        assertNull(server.pollDatagram(ByteBuffer.allocate(1500), NOW));
    }

    /** A client connection that sent its first Initial and got a Version Negotiation listing {@code versions}. */
    private static QuicConnection clientAnsweredWith(long seed, int... versions) {
        QuicEndpoint client = new QuicEndpoint(EndpointConfig.defaults(), new SplittableRandom(seed));
        QuicConnection c = client.connect(SERVER, NOW);
        c.writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(new byte[] {1}), NOW);
        ByteBuffer initial = ByteBuffer.allocate(1500);
        client.pollDatagram(initial, NOW);
        initial.flip();
        PacketHeaderView view = new PacketHeaderView();
        assertEquals(ParseStatus.OK, PacketParser.parse(initial, 0, 8, false, view));
        ByteBuffer vn = ByteBuffer.allocate(100);
        VersionNegotiationPacket.writeResponse(vn, initial, view, versions, 0);
        vn.flip();
        client.handleDatagram(SERVER, vn, NOW);
        return c;
    }

    @Test
    void aClientWhoseVersionTheServerLacksClosesOnVersionNegotiation() {
        QuicConnection c = clientAnsweredWith(7, 0x1a2a3a4a);
        assertEquals(ConnectionState.CLOSED, c.state());
        assertEquals(ConnectionError.Kind.VERSION_NEGOTIATION, c.closeError().kind());
    }

    @Test
    void aVersionNegotiationListingOurVersionIsIgnored() {
        QuicConnection c = clientAnsweredWith(8, QuicVersion.V1.wireValue());
        assertEquals(ConnectionState.HANDSHAKING, c.state(), "RFC 9000 §6.2: a VN listing our version is ignored");
    }
}
