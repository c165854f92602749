package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionState;
import qsock.api.Role;
import qsock.core.frame.AckFrame;
import qsock.core.frame.PingFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Wire;

/** What the connection's ACK frames hold when room is short, on the fixed-secret pair. */
class ConnectionAckTest {

    private static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;
    /** Gaps this wide take 4-byte varints: 32 ranges make an ACK frame of about 160 bytes. */
    private static final long GAP = 20_000;

    private static ByteBuffer ping(QuicConnection client, QuicConnection server, long packetNumber) {
        return Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, server.localId(), packetNumber,
                Wire.frames(new PingFrame()));
    }

    /**
     * The peer moved (RFC 9000 §9.3): the server may send three times what arrived from the new address (§9.3.1).
     * Its ACK of 32 widely spaced ranges is longer than that budget, and the gap before the packet made it due at
     * once (§13.2.1). The ACK leaves all the same, its oldest ranges left out (§13.2.3 lets a receiver limit the ranges it
     * sends), and its deadline clears: before, the connection skipped an ACK that did not fit whole, and its
     * deadline stayed at the past for as long as the budget lasted, which a runtime would spin on.
     */
    @Test
    void aDueAckLongerThanTheBudgetLeavesWithItsOldestRangesLeftOut() throws Exception {
        ConnectionPair pair = ConnectionPair.established(41);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        long now = pair.network.now() + SECOND;
        client.handleTimeout(now);
        server.handleTimeout(now);
        Drain.toCurrentPeer(client, now);
        Drain.toCurrentPeer(server, now);
        // 40 PINGs of the client, each GAP numbers after the last: the server keeps 32 ranges, none acknowledged.
        long base = 1_000;
        for (int i = 0; i < 40; i++) {
            server.handleDatagram(ping(client, server, base + i * GAP), now);
        }
        Drain.toCurrentPeer(server, now);
        // The highest-numbered packet comes from a new address: the peer moved, with a budget of 3 x its size.
        // It comes after a gap, so it is acknowledged at once (RFC 9000 §13.2.1).
        ByteBuffer moved = ping(client, server, base + 40 * GAP);
        int budget = 3 * moved.remaining();
        assertTrue(server.handleDatagramFromNewAddress(moved, now), "the peer moved");
        assertFalse(server.isPeerAddressValidated());
        List<ByteBuffer> sent = Drain.toCurrentPeer(server, now);
        server.handleTimeout(now);
        sent.addAll(Drain.toCurrentPeer(server, now));

        Wire wire = new Wire(Role.SERVER, SUITE, client.version(), client.originalDestinationId(), 8);
        List<AckFrame> acks = new ArrayList<>();
        int bytes = 0;
        for (ByteBuffer d : sent) {
            bytes += d.remaining();
            for (Wire.Packet p : wire.read(d)) {
                acks.addAll(p.frames(AckFrame.class));
            }
        }
        assertTrue(bytes <= budget, bytes + " bytes sent to the unvalidated address, budget " + budget);
        assertFalse(acks.isEmpty(), "an ACK left within the budget of " + budget + " bytes");
        AckFrame ack = acks.getLast();
        assertEquals(base + 40 * GAP, ack.largestAcknowledged(), "the newest range is kept");
        assertTrue(ack.rangeCount() < 32, "the oldest ranges are left out: " + ack.rangeCount() + " ranges");
        long deadline = server.nextDeadline();
        assertTrue(deadline - now > 0, "the deadline " + (deadline - now) + " ns from now is cleared");
        assertEquals(ConnectionState.CONFIRMED, server.state());
    }
}
