package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.api.Role;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.PingFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.packet.PacketType;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Wire;

/** The AEAD usage limits (RFC 9001 §6.6) with lowered limits, on the fixed-secret pair. */
class ConnectionAeadLimitsTest {

    private static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;

    /** A 1-RTT packet from the server to {@code client} under its current read keys, with its tag broken. */
    private static ByteBuffer forged(QuicConnection client, long packetNumber) {
        ByteBuffer datagram = Wire.oneRtt(Role.SERVER, SUITE, client.version(), (int) client.oneRtt.opener.generation(),
                client.localId(), packetNumber, Wire.frames(new PingFrame()));
        int last = datagram.limit() - 1;
        // The last byte is the tag's, outside the header protection sample: the header still opens.
        datagram.put(last, (byte) (datagram.get(last) ^ 1));
        return datagram;
    }

    private static void inject(ConnectionPair pair, ByteBuffer datagram) {
        pair.client.receive(pair.server.address, datagram, pair.network.now());
    }

    @Test
    void theSuitesLimitsAreTheRfcs() {
        AeadLimits limits = new AeadLimits();
        assertEquals(1L << 52, limits.integrityLimit(CipherSuite.TLS_AES_128_GCM_SHA256));
        assertEquals(1L << 52, limits.integrityLimit(CipherSuite.TLS_AES_256_GCM_SHA384));
        assertEquals(1L << 36, limits.integrityLimit(CipherSuite.TLS_CHACHA20_POLY1305_SHA256));
        assertEquals(1L << 23, limits.confidentialityLimit(CipherSuite.TLS_AES_128_GCM_SHA256));
        // The configured interval (at most 2^23) or half the AES-GCM limit, whichever comes first.
        assertEquals(1L << 22, limits.keyUpdateThreshold(CipherSuite.TLS_AES_128_GCM_SHA256, 1L << 22));
        assertEquals(1L << 22, limits.keyUpdateThreshold(CipherSuite.TLS_AES_128_GCM_SHA256, 1L << 23));
        assertEquals(1L << 20, limits.keyUpdateThreshold(CipherSuite.TLS_AES_128_GCM_SHA256, 1L << 20));
        assertEquals(1L << 23, limits.keyUpdateThreshold(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, 1L << 23));
    }

    /**
     * RFC 9001 §6.6: with an integrity limit of 5, five forged packets are dropped and the connection lives; the
     * sixth closes it with AEAD_LIMIT_REACHED, after which a valid packet is not processed, and the peer learns the
     * error.
     */
    @Test
    void forgedPacketsCloseTheConnectionJustPastTheIntegrityLimit() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(11).build().connect();
        pair.runUntil(pair::bothConfirmed);
        QuicConnection client = pair.clientConnection();
        client.aeadLimits.lowerForTesting(0, 5);
        for (int i = 0; i < 5; i++) {
            inject(pair, forged(client, 1_000 + i));
            assertEquals(ConnectionState.CONFIRMED, client.state(), "after " + (i + 1) + " forgeries");
            assertEquals(i + 1, client.aeadLimits.authenticationFailures());
        }
        inject(pair, forged(client, 1_005));
        assertEquals(ConnectionState.CLOSING, client.state());
        assertSame(TransportErrorCode.AEAD_LIMIT_REACHED, client.closeError().transportCode());
        long received = client.packetsReceived();
        inject(pair, Wire.oneRtt(Role.SERVER, SUITE, client.version(), (int) client.oneRtt.opener.generation(),
                client.localId(), 1_006, Wire.frames(new PingFrame())));
        assertEquals(received, client.packetsReceived(), "no packet is processed after the limit");
        pair.runUntil(() -> pair.serverConnection().state().isClosingOrClosed(), 5 * SECOND, 10_000);
        assertSame(TransportErrorCode.AEAD_LIMIT_REACHED, pair.serverConnection().closeError().transportCode());
        assertTrue(pair.serverConnection().closeError().byPeer());
    }

    /**
     * RFC 9001 §6.6: the integrity count is per connection, across all keys; a key update does not reset it. Three
     * forgeries under the first keys and two under the next leave the connection open at a limit of 5; the sixth
     * closes it.
     */
    @Test
    void aKeyUpdateDoesNotResetTheIntegrityCount() throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(2_000_000, 12);
        ConnectionPair pair = ConnectionPair.builder(12)
                .links(LinkConfig.perfect().withDelay(10 * MS, 0).withBandwidth(10_000_000, 100_000))
                .serverConfig(ConnectionConfig.builder().keyUpdateInterval(100).build())
                .clientApplication(() -> receiver).serverApplication(() -> sender).build().connect();
        pair.runUntil(pair::bothConfirmed);
        QuicConnection client = pair.clientConnection();
        client.aeadLimits.lowerForTesting(0, 5);
        assertEquals(0, client.oneRtt.opener.generation());
        for (int i = 0; i < 3; i++) {
            inject(pair, forged(client, 500_000 + i));
        }
        pair.runUntil(() -> client.keyUpdates() >= 1, 30 * SECOND, 200_000);
        assertTrue(client.oneRtt.opener.generation() >= 1);
        for (int i = 0; i < 2; i++) {
            inject(pair, forged(client, 600_000 + i));
        }
        assertEquals(5, client.aeadLimits.authenticationFailures());
        assertEquals(ConnectionState.CONFIRMED, client.state());
        inject(pair, forged(client, 600_002));
        assertSame(TransportErrorCode.AEAD_LIMIT_REACHED, client.closeError().transportCode());
    }

    /**
     * An upload by the client, whose write keys have a confidentiality limit of {@code limit}, started; {@code
     * perGeneration} gets the client's 1-RTT packets per key generation.
     */
    private static ConnectionPair upload(long seed, long size, long bitsPerSecond, long limit, BulkReceiver receiver,
            Map<Integer, Map<Integer, Integer>> perGeneration) throws Exception {
        BulkSender sender = new BulkSender(size, seed);
        ConnectionPair pair = ConnectionPair.builder(seed)
                .links(LinkConfig.perfect().withDelay(10 * MS, 0).withBandwidth(bitsPerSecond, 15_000))
                .clientApplication(() -> sender).serverApplication(() -> receiver).build();
        perGeneration.put(0, countPerGeneration(pair));
        pair.connect();
        // Before any 1-RTT key exists: connect() only starts the handshake.
        pair.clientConnection().aeadLimits.lowerForTesting(limit, 0);
        return pair;
    }

    /** Counts the 1-RTT packets the client seals per key generation. */
    private static Map<Integer, Integer> countPerGeneration(ConnectionPair pair) {
        Map<Integer, Integer> counts = new HashMap<>();
        Wire[] wire = {null};
        pair.client.outgoingHook = (datagram, now) -> {
            if (wire[0] == null) {
                wire[0] = new Wire(Role.CLIENT, SUITE, pair.clientConnection().version(),
                        pair.clientConnection().originalDestinationId(), 8);
            }
            for (Wire.Packet p : wire[0].read(datagram)) {
                if (p.type() == PacketType.ONE_RTT) {
                    counts.merge(p.generation(), 1, Integer::sum);
                }
            }
        };
        return counts;
    }

    /**
     * RFC 9001 §6.6: key updates start before the confidentiality limit (100 here, so at 50 packets; at 1 Mbit/s
     * the wait for the next update, an RTT and three PTOs, takes far fewer than 50), each new key
     * counts from zero, and a transfer far larger than one key's limit completes with no key over it.
     */
    @Test
    void keyUpdatesKeepEachKeyUnderTheConfidentialityLimit() throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        Map<Integer, Map<Integer, Integer>> counts = new HashMap<>();
        ConnectionPair pair = upload(13, 450_000, 1_000_000, 100, receiver, counts);
        Map<Integer, Integer> perGeneration = counts.get(0);
        QuicConnection client = pair.clientConnection();
        pair.runUntil(() -> receiver.finished() || client.state().isClosingOrClosed(), 60 * SECOND, 200_000);
        assertEquals(ConnectionState.CONFIRMED, client.state(), client.closeError() + " after "
                + client.keyUpdatesInitiated() + " updates; " + perGeneration);
        assertTrue(client.keyUpdatesInitiated() >= 3, client.keyUpdatesInitiated() + " updates");
        int total = 0;
        for (Map.Entry<Integer, Integer> e : perGeneration.entrySet()) {
            assertTrue(e.getValue() <= 100, "generation " + e.getKey() + " sealed " + e.getValue());
            total += e.getValue();
        }
        assertTrue(total > 3 * 100, total + " packets");
    }

    /**
     * RFC 9001 §6.6: when no key update can happen in time, the client closes with AEAD_LIMIT_REACHED and its key
     * seals exactly its limit, the last packet being the CONNECTION_CLOSE, and nothing after. At 10 Mbit/s the
     * client seals more than the 50 packets left after an update starts while it waits for the next one to be
     * allowed (an acknowledgement of the new phase, then three PTOs for the previous read keys; §6.1, §6.5).
     */
    @Test
    void aKeyThatCannotBeUpdatedClosesTheConnectionAtItsLimit() throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        Map<Integer, Map<Integer, Integer>> counts = new HashMap<>();
        ConnectionPair pair = upload(14, 2_000_000, 10_000_000, 100, receiver, counts);
        Map<Integer, Integer> perGeneration = counts.get(0);
        QuicConnection client = pair.clientConnection();
        pair.runUntil(() -> client.state().isClosingOrClosed(), 60 * SECOND, 200_000);
        assertSame(TransportErrorCode.AEAD_LIMIT_REACHED, client.closeError().transportCode(), pair.describe());
        int last = (int) client.keyUpdatesInitiated();
        for (int g = 0; g < last; g++) {
            assertTrue(perGeneration.get(g) <= 100, perGeneration.toString());
        }
        // Whatever arrives in the closing period is not answered with more packets under the spent key.
        for (int i = 0; i < 4; i++) {
            inject(pair, Wire.oneRtt(Role.SERVER, SUITE, client.version(), last, client.localId(), 900_000 + i,
                    Wire.frames(new PingFrame())));
            pair.runFor(10 * MS);
        }
        assertEquals(100, perGeneration.get(last), perGeneration.toString());
    }
}
