package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.api.QuicVersion;
import qsock.api.Role;
import qsock.api.TokenKeys;
import qsock.core.connection.QuicConnection;
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketProtection;
import qsock.core.crypto.RetryIntegrity;
import qsock.core.error.ConnectionError;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.FrameEncoder;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.packet.PacketNumber;
import qsock.core.packet.PacketParser;
import qsock.core.packet.PacketType;
import qsock.core.packet.ParseStatus;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.wire.ConnectionId;

/**
 * Server address validation with Retry (RFC 9000 §8.1.2, §17.2.5): on demand and past a threshold of unvalidated
 * connections, stateless under a flood, with tokens that must be valid for the address that brings them.
 */
class RetryTest {

    private static final long NOW = 1_000 * SECOND;
    private static final byte[] KEY = new byte[32];
    private static final byte[] HELLO = {1, 0, 0, 4, 1, 2, 3, 4};

    private static InetSocketAddress address(int i, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 9, (byte) (i >> 8), (byte) i}), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static QuicEndpoint server(AddressValidation validation) {
        QuicEndpoint server = new QuicEndpoint(new EndpointConfig(ConnectionConfig.defaults(), new byte[32]),
                new SplittableRandom(5));
        server.listen(1024);
        server.setAddressValidation(validation.withKeys(TokenKeys.of(KEY)));
        return server;
    }

    private static ConnectionId cid(SplittableRandom r) {
        byte[] b = new byte[8];
        r.nextBytes(b);
        return ConnectionId.of(b);
    }

    /** {@return a 1200-byte client Initial for {@code dcid} carrying {@code token} (or none) and a CRYPTO frame} */
    private static ByteBuffer initial(ConnectionId dcid, ConnectionId scid, byte[] token) {
        ByteBuffer b = ByteBuffer.allocate(1200);
        int pnOffset = PacketHeaderWriter.writeLongHeader(b, QuicVersion.V1, PacketType.INITIAL, dcid, scid,
                token == null ? null : ByteBuffer.wrap(token), 0, 2, 2, true);
        FrameEncoder.writeCryptoHeader(b, 0, HELLO.length);
        b.put(HELLO);
        FrameEncoder.writePadding(b, 1200 - 16 - b.position());
        PacketHeaderWriter.setLength(b, pnOffset, 2, 1200);
        PacketProtection.initial(QuicVersion.V1, dcid, Role.CLIENT).seal(b, 0, pnOffset, 2, 0, 1200 - 16);
        return b.position(0).limit(1200);
    }

    /** What the server sent: datagrams with their destinations. */
    private record Sent(InetSocketAddress to, ByteBuffer datagram) {}

    private static List<Sent> drain(QuicEndpoint server) {
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            ByteBuffer out = ByteBuffer.allocate(65_536);
            InetSocketAddress to = server.pollDatagram(out, NOW);
            if (to == null) {
                return sent;
            }
            sent.add(new Sent(to, out.flip()));
        }
        throw new AssertionError("the server kept sending");
    }

    /** Parses a Retry the server sent: checks its tag against {@code odcid}; {@return its header} */
    private static PacketHeaderView retry(ByteBuffer datagram, ConnectionId odcid) {
        PacketHeaderView view = new PacketHeaderView();
        assertEquals(ParseStatus.OK, PacketParser.parse(datagram, 0, 8, true, view));
        assertEquals(PacketType.RETRY, view.type());
        assertTrue(RetryIntegrity.verify(QuicVersion.V1, odcid, datagram.duplicate()), "integrity tag");
        return view;
    }

    @Test
    void retryOnDemandCompletesTheHandshakeWithTheRetryConnectionIdsAuthenticated() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(11).build();
        pair.server.endpoint.setAddressValidation(AddressValidation.defaults().withAlwaysRetry(true));
        pair.connect().confirm();
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        assertEquals(1, client.retries(), "the client followed one Retry");
        assertEquals(1, pair.server.endpoint.retriesSent());
        assertEquals(1, pair.server.endpoint.validatedByToken());
        assertEquals(1, pair.server.sessions.size(), "the tokenless Initial made no connection");
        // RFC 9000 §7.3: the client checked them (else TRANSPORT_PARAMETER_ERROR); they are what the Retry said.
        assertEquals(client.originalDestinationId(),
                client.peerTransportParameters().originalDestinationConnectionId());
        assertNotNull(client.peerTransportParameters().retrySourceConnectionId());
        assertEquals(client.originalDestinationId(), server.originalDestinationId());
        assertTrue(server.isAddressValidated(), "the token validated the client at once");
        assertEquals(ConnectionState.CONFIRMED, server.state(), pair.describe());
    }

    @Test
    void withoutRetryTheServerSendsNoneAndNamesNoRetrySource() throws Exception {
        ConnectionPair pair = ConnectionPair.established(12);
        assertEquals(0, pair.clientConnection().retries());
        assertEquals(0, pair.server.endpoint.retriesSent());
        assertNull(pair.clientConnection().peerTransportParameters().retrySourceConnectionId());
    }

    @Test
    void aFloodOfSpoofedInitialsCostsOneStatelessRetryEach() {
        QuicEndpoint server = server(AddressValidation.defaults().withAlwaysRetry(true));
        SplittableRandom r = new SplittableRandom(1);
        int flood = 500;
        for (int i = 0; i < flood; i++) {
            ConnectionId dcid = cid(r);
            server.handleDatagram(address(i, 40_000 + i), initial(dcid, cid(r), null), NOW);
            List<Sent> sent = drain(server);
            assertEquals(1, sent.size(), "one answer per Initial");
            assertEquals(address(i, 40_000 + i), sent.get(0).to());
            assertTrue(sent.get(0).datagram().remaining() < 1200 / 3, "smaller than what it answers");
            retry(sent.get(0).datagram(), dcid);
        }
        assertEquals(flood, server.retriesSent());
        assertEquals(0, server.connectionCount(), "no connection state");
        assertEquals(0, server.halfOpenConnections());
        assertNull(server.accept());
        assertEquals(Long.MAX_VALUE, server.nextDeadline(), "no timer either");
    }

    @Test
    void retryStartsOnceTheUnvalidatedHalfOpenConnectionsReachTheThreshold() {
        QuicEndpoint server = server(AddressValidation.defaults().withRetryThreshold(3));
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 10; i++) {
            server.handleDatagram(address(i, 5000), initial(cid(r), cid(r), null), NOW);
            drain(server);
        }
        assertEquals(3, server.connectionCount(), "three connections, then only Retries");
        assertEquals(7, server.retriesSent());
    }

    @Test
    void anInitialWithTheRetryTokenMakesAValidatedConnectionAndAnInvalidOneAnInvalidTokenClose() {
        QuicEndpoint server = server(AddressValidation.defaults().withAlwaysRetry(true));
        SplittableRandom r = new SplittableRandom(3);
        InetSocketAddress client = address(1, 6000);
        ConnectionId odcid = cid(r);
        ConnectionId scid = cid(r);
        server.handleDatagram(client, initial(odcid, scid, null), NOW);
        ByteBuffer retry = drain(server).get(0).datagram();
        PacketHeaderView view = retry(retry, odcid);
        byte[] token = view.token(retry);
        ConnectionId retrySource = view.scid(retry);

        // From another address, or to another connection ID, or too late: INVALID_TOKEN, and still no state.
        server.handleDatagram(address(2, 6000), initial(retrySource, scid, token), NOW);
        assertInvalidToken(drain(server), address(2, 6000), retrySource, scid);
        server.handleDatagram(address(1, 6001), initial(retrySource, scid, token), NOW);
        assertInvalidToken(drain(server), address(1, 6001), retrySource, scid);
        ConnectionId other = cid(r);
        server.handleDatagram(client, initial(other, scid, token), NOW);
        assertInvalidToken(drain(server), client, other, scid);
        server.handleDatagram(client, initial(retrySource, scid, token), NOW + 10 * SECOND + 1);
        assertInvalidToken(drain(server), client, retrySource, scid);
        byte[] forged = token.clone();
        forged[forged.length - 1] ^= 1;
        server.handleDatagram(client, initial(retrySource, scid, forged), NOW);
        assertInvalidToken(drain(server), client, retrySource, scid);
        assertEquals(5, server.invalidTokens());
        assertEquals(0, server.connectionCount());

        // The right one, in time: a connection whose address is validated, with the original IDs.
        server.handleDatagram(client, initial(retrySource, scid, token), NOW + SECOND);
        QuicConnection c = server.accept();
        assertNotNull(c);
        assertTrue(c.isAddressValidated());
        assertEquals(odcid, c.originalDestinationId());
        assertEquals(1, server.validatedByToken());
    }

    @Test
    void aTokenOfUnknownFormatIsAsNoToken() {
        QuicEndpoint server = server(AddressValidation.defaults().withAlwaysRetry(true));
        SplittableRandom r = new SplittableRandom(4);
        ConnectionId odcid = cid(r);
        byte[] junk = new byte[40];
        r.nextBytes(junk);
        junk[0] = 0x01;
        server.handleDatagram(address(1, 7000), initial(odcid, cid(r), junk), NOW);
        retry(drain(server).get(0).datagram(), odcid);
        assertEquals(0, server.invalidTokens());
        assertEquals(1, server.retriesSent());
    }

    /** The answer is one Initial to the client's Source Connection ID with CONNECTION_CLOSE(INVALID_TOKEN). */
    private static void assertInvalidToken(List<Sent> sent, InetSocketAddress to, ConnectionId dcid,
                                           ConnectionId clientSource) {
        assertEquals(1, sent.size());
        assertEquals(to, sent.get(0).to());
        ByteBuffer d = sent.get(0).datagram();
        PacketHeaderView view = new PacketHeaderView();
        assertEquals(ParseStatus.OK, PacketParser.parse(d, 0, 8, true, view));
        assertEquals(PacketType.INITIAL, view.type());
        assertEquals(clientSource, view.dcid(d));
        OpenedPacket opened = new OpenedPacket();
        int n = PacketProtection.initial(QuicVersion.V1, dcid, Role.SERVER).open(d, 0, view.pnOffset(),
                view.packetEnd(), PacketNumber.NONE, opened);
        assertTrue(n > 0, "sealed with the server's Initial keys of the Initial's DCID");
        int p = opened.payloadOffset();
        assertEquals(0x1c, d.get(p) & 0xff, "CONNECTION_CLOSE");
        assertEquals(TransportErrorCode.INVALID_TOKEN.value(), d.get(p + 1) & 0xff);
    }

    @Test
    void aClientWhoseRetryTokenExpiredHearsInvalidToken() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(13).build();
        pair.server.endpoint.setAddressValidation(AddressValidation.defaults().withAlwaysRetry(true));
        long start = pair.network.now();
        // The client's Initials after the Retry arrive only once its token expired.
        pair.network.filter(pair.client, pair.server, (index, datagram, now) -> index > 0 && now - start < 11 * SECOND);
        pair.connect();
        QuicConnection client = pair.clientConnection();
        pair.runUntil(() -> client.state().isClosingOrClosed(), 30 * SECOND, 100_000);
        ConnectionError error = client.closeError();
        assertEquals(TransportErrorCode.INVALID_TOKEN.value(), error.code(), String.valueOf(error));
        assertTrue(error.byPeer());
        assertEquals(1, client.retries());
        assertTrue(pair.server.sessions.isEmpty(), "the server kept nothing");
        assertTrue(pair.server.endpoint.invalidTokens() >= 1);
    }
}
