package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.api.QuicVersion;
import qsock.api.Role;
import qsock.core.error.ConnectionError;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.HandshakeChannel;
import qsock.core.handshake.KeyDirection;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketParser;
import qsock.core.packet.ParseStatus;
import qsock.core.packet.VersionNegotiationPacket;
import qsock.core.params.TransportParameters;
import qsock.core.params.VersionInformation;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.FixedSecretHandshake;
import qsock.core.sim.quic.HandshakeFactory;

/**
 * Version negotiation on the fixed-secret pair: the client's start over after Version Negotiation (RFC 9000 §6.2,
 * RFC 9368 §2.1), compatible negotiation from version 1 to 2 (RFC 9368 §2.3, RFC 9369 §4), version 2 alone, and the
 * downgrade checks of version_information (RFC 9368 §4).
 */
class VersionNegotiationTest {

    private static final long MAX_STEPS = 100_000;

    private static ConnectionConfig versions(QuicVersion start, QuicVersion... versions) {
        return ConnectionConfig.builder().version(start).versions(versions).build();
    }

    /** Notes the long-header version of every datagram a host sends. */
    private static List<Integer> versionsSentBy(qsock.core.sim.quic.QuicSimHost host) {
        List<Integer> seen = new ArrayList<>();
        host.outgoingHook = (datagram, now) -> {
            if ((datagram.get(datagram.position()) & 0x80) != 0) {
                seen.add(datagram.getInt(datagram.position() + 1));
            }
        };
        return seen;
    }

    private static ConnectionPair run(ConnectionPair pair) throws Exception {
        pair.connect();
        pair.runUntil(() -> pair.bothConfirmed() || pair.client.first().connection.state().isClosingOrClosed(),
                10 * SECOND, MAX_STEPS);
        return pair;
    }

    @Test
    void aClientPreferringV1StartsOverInV2WhenTheServerSpeaksOnlyV2() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(1)
                .clientConfig(versions(QuicVersion.V1, QuicVersion.V1, QuicVersion.V2))
                .serverConfig(versions(QuicVersion.V2, QuicVersion.V2)).build();
        List<Integer> sent = versionsSentBy(pair.client);
        run(pair);
        assertTrue(pair.bothConfirmed(), pair.describe());
        assertEquals(1, pair.server.endpoint.versionNegotiationsSent());
        assertEquals(QuicVersion.V2, pair.clientConnection().version());
        assertEquals(QuicVersion.V2, pair.serverConnection().version());
        assertEquals(1, pair.clientConnection().handshakeAttempt(), "one new attempt after Version Negotiation");
        assertEquals(QuicVersion.V1.wireValue(), sent.getFirst(), "the first attempt was in version 1");
        assertEquals(QuicVersion.V2.wireValue(), sent.getLast());
        assertEquals(1, pair.server.sessions.size(), "the first attempt left nothing on the server");
    }

    @Test
    void aClientWithNoVersionOfTheServersEndsWithNoCommonVersion() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(2)
                .clientConfig(versions(QuicVersion.V1, QuicVersion.V1))
                .serverConfig(versions(QuicVersion.V2, QuicVersion.V2)).build();
        run(pair);
        QuicConnection client = pair.clientConnection();
        assertEquals(ConnectionState.CLOSED, client.state());
        assertEquals(ConnectionError.Kind.VERSION_NEGOTIATION, client.closeError().kind());
        // qsock-tools' ConnectionFailure puts "no QUIC version in common" in front of it.
        assertTrue(client.closeError().reason().contains("the server offers 0x6b3343cf, none of ours"),
                client.closeError().reason());
        assertEquals(0, client.handshakeAttempt());
    }

    @Test
    void aVersionNegotiationListingTheVersionTriedIsIgnoredEvenIfItListsAnotherOfOurs() {
        QuicConnection c = answeredWith(QuicVersion.V1.wireValue(), QuicVersion.V2.wireValue());
        assertEquals(ConnectionState.HANDSHAKING, c.state());
        assertEquals(QuicVersion.V1, c.version(), "RFC 9368 §4: a VN with the Original Version is ignored");
        assertEquals(0, c.handshakeAttempt());
    }

    @Test
    void aClientStartsOverOnceAndIgnoresTheNextVersionNegotiation() {
        QuicConnection c = answeredWith(QuicVersion.V2.wireValue());
        assertEquals(QuicVersion.V2, c.version());
        assertEquals(1, c.handshakeAttempt());
        // A second VN, for the new attempt's first flight, is ignored (RFC 9368 §4), even one listing no version of ours.
        c.writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(new byte[] {2}), 0);
        deliverVersionNegotiation(c, 0x1a2a3a4a);
        assertEquals(ConnectionState.HANDSHAKING, c.state());
        assertEquals(1, c.handshakeAttempt());
    }

    /** A default client (version 1 first, version 2 available) whose first Initial got a VN with {@code versions}. */
    private static QuicConnection answeredWith(int... versions) {
        QuicConnection c = QuicConnection.client(ConnectionConfig.defaults(), new java.util.SplittableRandom(5),
                new qsock.core.cid.StatelessResetTokens(new byte[32]), qsock.core.cid.ConnectionIdRegistry.NONE, 0);
        c.writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(new byte[] {1}), 0);
        deliverVersionNegotiation(c, versions);
        return c;
    }

    private static void deliverVersionNegotiation(QuicConnection c, int... versions) {
        ByteBuffer initial = ByteBuffer.allocate(1500);
        c.pollDatagram(initial, 0);
        initial.flip();
        PacketHeaderView view = new PacketHeaderView();
        assertEquals(ParseStatus.OK, PacketParser.parse(initial, 0, 8, false, view));
        ByteBuffer vn = ByteBuffer.allocate(100);
        VersionNegotiationPacket.writeResponse(vn, initial, view, versions, 0);
        c.handleDatagram(vn.flip(), 0);
    }

    @Test
    void aServerPreferringV2MovesAVersion1ClientToV2WithoutARoundTrip() throws Exception {
        // The client starts in version 1 (the most widely deployed, RFC 9368 §2.4) but prefers version 2.
        ConnectionPair pair = ConnectionPair.builder(3)
                .clientConfig(versions(QuicVersion.V1, QuicVersion.V2, QuicVersion.V1))
                .serverConfig(versions(QuicVersion.V2, QuicVersion.V2, QuicVersion.V1)).build();
        List<Integer> fromClient = versionsSentBy(pair.client);
        List<Integer> fromServer = versionsSentBy(pair.server);
        run(pair);
        assertTrue(pair.bothConfirmed(), pair.describe());
        assertEquals(0, pair.server.endpoint.versionNegotiationsSent());
        assertEquals(QuicVersion.V2, pair.clientConnection().version());
        assertEquals(QuicVersion.V2, pair.serverConnection().version());
        assertEquals(0, pair.clientConnection().handshakeAttempt());
        assertEquals(QuicVersion.V1.wireValue(), fromClient.getFirst(), "the client's first flight is version 1");
        assertEquals(QuicVersion.V2.wireValue(), fromClient.getLast(), "then it follows the server to version 2");
        assertTrue(fromServer.stream().allMatch(v -> v == QuicVersion.V2.wireValue()), "the server: " + fromServer);
        VersionInformation server = pair.clientConnection().peerTransportParameters().versionInformation();
        assertEquals(QuicVersion.V2.wireValue(), server.chosenVersion());
    }

    @Test
    void aServerPreferringV2LeavesAClientPreferringV1InV1() throws Exception {
        ConnectionPair pair = run(ConnectionPair.builder(10)
                .serverConfig(versions(QuicVersion.V2, QuicVersion.V2, QuicVersion.V1)).build());
        assertTrue(pair.bothConfirmed(), pair.describe());
        assertEquals(QuicVersion.V1, pair.serverConnection().version());
    }

    @Test
    void aServerPreferringV1LeavesAClientThatChoseV2InV2() throws Exception {
        ConnectionPair pair = run(ConnectionPair.builder(11)
                .clientConfig(versions(QuicVersion.V2, QuicVersion.V2, QuicVersion.V1)).build());
        assertTrue(pair.bothConfirmed(), pair.describe());
        assertEquals(QuicVersion.V2, pair.serverConnection().version());
    }

    @Test
    void aServerPreferringV1KeepsAVersion1ClientInV1() throws Exception {
        ConnectionPair pair = run(ConnectionPair.builder(4).build());
        assertTrue(pair.bothConfirmed(), pair.describe());
        assertEquals(QuicVersion.V1, pair.clientConnection().version());
        assertEquals(QuicVersion.V1, pair.serverConnection().version());
        VersionInformation client = pair.serverConnection().peerTransportParameters().versionInformation();
        assertEquals(List.of(QuicVersion.V1.wireValue(), QuicVersion.V2.wireValue()), client.availableVersions());
    }

    @Test
    void aVersion2OnlyClientAndServerSpeakVersion2Throughout() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(5).config(versions(QuicVersion.V2, QuicVersion.V2)).build();
        List<Integer> fromClient = versionsSentBy(pair.client);
        List<Integer> fromServer = versionsSentBy(pair.server);
        run(pair);
        assertTrue(pair.bothConfirmed(), pair.describe());
        assertEquals(QuicVersion.V2, pair.serverConnection().version());
        assertTrue(fromClient.stream().allMatch(v -> v == QuicVersion.V2.wireValue()), "the client: " + fromClient);
        assertTrue(fromServer.stream().allMatch(v -> v == QuicVersion.V2.wireValue()), "the server: " + fromServer);
    }

    @Test
    void aVersion2OnlyClientIsServedInVersion2ByADefaultServer() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(6).clientConfig(versions(QuicVersion.V2, QuicVersion.V2))
                .build();
        run(pair);
        assertTrue(pair.bothConfirmed(), pair.describe());
        assertEquals(QuicVersion.V2, pair.serverConnection().version());
        assertEquals(0, pair.server.endpoint.versionNegotiationsSent());
    }

    /**
     * RFC 9368 §4: an attacker drops the client's version 2 Initial and forges a Version Negotiation listing only
     * version 1; the client starts over in version 1, but the server's Available Versions show it would have kept
     * version 2: a downgrade, closed with VERSION_NEGOTIATION_ERROR.
     */
    @Test
    void aForgedVersionNegotiationIsDetectedAsADowngrade() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(7)
                .clientConfig(versions(QuicVersion.V2, QuicVersion.V2, QuicVersion.V1)).build();
        ByteBuffer[] forged = {null};
        pair.client.outgoingHook = (datagram, now) -> {
            if (forged[0] != null) {
                return;
            }
            PacketHeaderView view = new PacketHeaderView();
            ByteBuffer copy = ByteBuffer.allocate(datagram.remaining()).put(datagram.duplicate()).flip();
            assertEquals(ParseStatus.OK, PacketParser.parse(copy, 0, 8, false, view));
            ByteBuffer vn = ByteBuffer.allocate(100);
            VersionNegotiationPacket.writeResponse(vn, copy, view, new int[] {QuicVersion.V1.wireValue()}, 0);
            forged[0] = vn.flip();
            // The attacker keeps the real Initial from the server: corrupted, it does not open there.
            int last = datagram.limit() - 1;
            datagram.put(last, (byte) (datagram.get(last) ^ 1));
        };
        pair.connect();
        pair.runUntil(() -> forged[0] != null, SECOND, MAX_STEPS);
        assertNotNull(forged[0]);
        pair.client.receive(pair.server.address, forged[0], 0);
        pair.runUntil(() -> pair.clientConnection().state().isClosingOrClosed(), 10 * SECOND, MAX_STEPS);
        QuicConnection client = pair.clientConnection();
        assertEquals(1, client.handshakeAttempt(), "the client acted on the forged packet");
        assertEquals(ConnectionError.Kind.TRANSPORT, client.closeError().kind(), client.closeError().toString());
        assertEquals(TransportErrorCode.VERSION_NEGOTIATION_ERROR.value(), client.closeError().code(),
                client.closeError().toString());
        assertTrue(client.closeError().reason().contains("downgrade"), client.closeError().reason());
    }

    @Test
    void aServerVersionInformationNamingAnotherVersionThanTheOneInUseIsRefused() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(8)
                .handshakes(FixedSecretHandshake.factory(), tampering(VersionInformation.of(
                        QuicVersion.V2.wireValue(), QuicVersion.V1.wireValue(), QuicVersion.V2.wireValue())))
                .build();
        run(pair);
        QuicConnection client = pair.clientConnection();
        assertEquals(TransportErrorCode.VERSION_NEGOTIATION_ERROR.value(), client.closeError().code(),
                client.closeError().toString());
        assertEquals(false, client.closeError().byPeer());
    }

    /**
     * RFC 9368 §4: a client that reacted to Version Negotiation closes with VERSION_NEGOTIATION_ERROR when the
     * server's Available Versions are empty: the server that sent Version Negotiation would have listed them.
     */
    @Test
    void anEmptyAvailableVersionsListAfterVersionNegotiationIsRefused() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(10)
                .clientConfig(versions(QuicVersion.V2, QuicVersion.V2, QuicVersion.V1))
                .serverConfig(versions(QuicVersion.V1, QuicVersion.V1))
                .handshakes(FixedSecretHandshake.factory(), tampering(VersionInformation.of(
                        QuicVersion.V1.wireValue())))
                .build();
        run(pair);
        QuicConnection client = pair.clientConnection();
        assertEquals(1, client.handshakeAttempt(), "the client started over after Version Negotiation");
        assertNotNull(client.closeError(), pair.describe());
        assertEquals(TransportErrorCode.VERSION_NEGOTIATION_ERROR.value(), client.closeError().code(),
                client.closeError().toString());
        assertTrue(client.closeError().reason().contains("no Available Versions"), client.closeError().reason());
    }

    @Test
    void aClientVersionInformationNamingAnotherVersionThanItsInitialsIsRefused() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(9)
                .handshakes(tampering(VersionInformation.of(QuicVersion.V2.wireValue(), QuicVersion.V2.wireValue())),
                        FixedSecretHandshake.factory())
                .build();
        pair.connect();
        pair.runUntil(() -> !pair.server.sessions.isEmpty()
                && pair.serverConnection().state().isClosingOrClosed(), 10 * SECOND, MAX_STEPS);
        QuicConnection server = pair.serverConnection();
        assertEquals(TransportErrorCode.VERSION_NEGOTIATION_ERROR.value(), server.closeError().code(),
                server.closeError().toString());
    }

    /** Fixed-secret handshakes whose transport parameters carry {@code info} instead of the connection's own. */
    private static HandshakeFactory tampering(VersionInformation info) {
        HandshakeFactory plain = FixedSecretHandshake.factory();
        return (connection, channel) -> plain.start(connection, new Delegating(channel) {
            @Override
            public byte[] localTransportParameters() {
                Role sender = channel.isClient() ? Role.CLIENT : Role.SERVER;
                try {
                    TransportParameters p = TransportParameters.decode(
                            ByteBuffer.wrap(channel.localTransportParameters()), sender);
                    return p.toBuilder().versionInformation(info).build().toBytes();
                } catch (QuicProtocolException e) {
                    throw new AssertionError(e);
                }
            }
        });
    }

    /** Passes every call on to another channel. */
    private static class Delegating implements HandshakeChannel {
        private final HandshakeChannel inner;

        Delegating(HandshakeChannel inner) {
            this.inner = inner;
        }

        @Override public boolean isClient() { return inner.isClient(); }
        @Override public EncryptionLevel readHandshake(ByteBuffer dst) { return inner.readHandshake(dst); }
        @Override public void writeHandshake(EncryptionLevel level, ByteBuffer data) { inner.writeHandshake(level, data); }
        @Override public void installSecret(EncryptionLevel level, KeyDirection direction, CipherSuite suite,
                byte[] secret) { inner.installSecret(level, direction, suite, secret); }
        @Override public byte[] localTransportParameters() { return inner.localTransportParameters(); }
        @Override public void peerTransportParameters(byte[] encoded) { inner.peerTransportParameters(encoded); }
        @Override public void handshakeComplete(String alpn) { inner.handshakeComplete(alpn); }
        @Override public void handshakeFailed(int alert, String reason) { inner.handshakeFailed(alert, reason); }
        @Override public boolean isHandshaking() { return inner.isHandshaking(); }
        @Override public int handshakeAttempt() { return inner.handshakeAttempt(); }
    }
}
