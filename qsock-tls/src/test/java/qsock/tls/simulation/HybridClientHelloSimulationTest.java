package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.ConnectionConfig;
import qsock.api.QuicVersion;
import qsock.api.Role;
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketProtection;
import qsock.core.frame.FrameReader;
import qsock.core.frame.FrameType;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketNumber;
import qsock.core.packet.PacketParser;
import qsock.core.packet.PacketType;
import qsock.core.packet.ParseStatus;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.wire.ConnectionId;
import qsock.tls.HandshakeDriver;
import qsock.tls.jca.NamedGroup;

/**
 * The default ClientHello, with its X25519MLKEM768 share (draft-ietf-tls-ecdhe-mlkem) of 1216 bytes, is larger
 * than one 1200-byte Initial: the client's first flight takes two Initial packets, each in a padded datagram
 * (RFC 9000 §14.1), the server reassembles the ClientHello from the CRYPTO frames' offsets, and the handshake
 * completes on the hybrid group, with or without loss.
 */
class HybridClientHelloSimulationTest {

    private static final LinkConfig LINK = LinkConfig.perfect().withDelay(20 * MS, 0);

    @Test
    void theFirstFlightTakesSeveralInitialsAndTheHandshakeUsesTheHybrid() throws Exception {
        List<HandshakeDriver> drivers = new ArrayList<>();
        ConnectionPair pair = TlsHandshakes.pair(41, TlsHandshakes.DEFAULT_PKI, drivers).links(LINK).build();
        List<Integer> firstFlight = new ArrayList<>();
        // Observe (never drop) what the client sends at the instant it starts, before it can hear from the server.
        pair.network.filter(pair.client, pair.server, (index, datagram, now) -> {
            if (now == pair.network.epoch()) {
                firstFlight.add(initialCryptoBytes(datagram, pair.clientSession.connection.originalDestinationId()));
            }
            return false;
        });
        pair.connect();
        pair.runUntil(pair::bothEstablished, 10 * SECOND, 100_000);
        assertTrue(pair.bothEstablished(), pair.describe());
        long initialsWithCrypto = firstFlight.stream().filter(n -> n > 0).count();
        assertTrue(initialsWithCrypto >= 2, "the first flight's CRYPTO bytes per datagram: " + firstFlight);
        assertTrue(firstFlight.stream().mapToInt(Integer::intValue).sum() > 1216,
                "the ClientHello holds the 1216-byte share: " + firstFlight);
        assertNegotiated(drivers, NamedGroup.X25519MLKEM768);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {42, 43, 44, 45, 46, 47})
    void aTwoInitialClientHelloCompletesUnderThirtyPercentLoss(long seed) throws Exception {
        List<HandshakeDriver> drivers = new ArrayList<>();
        ConnectionPair pair = TlsHandshakes.pair(seed, TlsHandshakes.DEFAULT_PKI, drivers)
                .links(LinkConfig.perfect().withDelay(20 * MS, 5 * MS).withLoss(0.30)).build().connect();
        pair.runUntil(pair::bothEstablished, 120 * SECOND, 200_000);
        assertTrue(pair.bothEstablished(), pair.describe());
        assertNegotiated(drivers, NamedGroup.X25519MLKEM768);
    }

    @Test
    void losingTheSecondHalfOfTheClientHelloOnlyDelaysTheHandshake() throws Exception {
        List<HandshakeDriver> drivers = new ArrayList<>();
        ConnectionPair pair = TlsHandshakes.pair(48, TlsHandshakes.DEFAULT_PKI, drivers).links(LINK).build();
        boolean[] dropped = {false};
        // The client's second datagram (the rest of its ClientHello) is lost once: the server holds the first
        // half until the client's retransmission fills the gap.
        pair.network.filter(pair.client, pair.server, (index, datagram, now) -> {
            if (!dropped[0] && index == 1) {
                dropped[0] = true;
                return true;
            }
            return false;
        });
        pair.connect();
        pair.runUntil(pair::bothEstablished, 30 * SECOND, 100_000);
        assertTrue(dropped[0]);
        assertTrue(pair.bothEstablished(), pair.describe());
        assertNegotiated(drivers, NamedGroup.X25519MLKEM768);
    }

    private static void assertNegotiated(List<HandshakeDriver> drivers, NamedGroup group) {
        assertEquals(2, drivers.size(), "one client and one server handshake");
        for (HandshakeDriver d : drivers) {
            assertTrue(d.isComplete());
            assertEquals(group, d.engine().keyExchangeGroup());
        }
    }

    /** {@return the CRYPTO bytes in the client Initial at the start of {@code datagram}, 0 if none} */
    private static int initialCryptoBytes(ByteBuffer datagram, ConnectionId originalDestination) {
        ByteBuffer buf = ByteBuffer.allocate(datagram.remaining()).put(datagram.duplicate()).flip();
        PacketHeaderView header = new PacketHeaderView();
        if (PacketParser.parse(buf, 0, ConnectionConfig.defaults().connectionIdLength(), false, header)
                != ParseStatus.OK || header.type() != PacketType.INITIAL) {
            return 0;
        }
        PacketProtection keys = PacketProtection.initial(QuicVersion.V1, originalDestination, Role.CLIENT);
        OpenedPacket opened = new OpenedPacket();
        if (keys.open(buf, header.packetStart(), header.pnOffset(), header.packetEnd(), PacketNumber.NONE, opened) < 0) {
            throw new AssertionError("a client Initial did not open with the Initial keys");
        }
        ByteBuffer payload = buf.duplicate();
        int next = opened.payloadOffset();
        int end = next + opened.payloadLength();
        FrameReader frames = new FrameReader();
        int crypto = 0;
        try {
            for (int i = 0; next < end && i < 2000; i++) {
                payload.limit(end).position(next);
                if (frames.read(payload, PacketType.INITIAL) == FrameType.CRYPTO) {
                    crypto += frames.dataLength();
                }
                next = frames.frameEnd();
            }
        } catch (qsock.core.error.QuicProtocolException e) {
            throw new AssertionError("a client Initial did not parse: " + e, e);
        }
        return crypto;
    }
}
