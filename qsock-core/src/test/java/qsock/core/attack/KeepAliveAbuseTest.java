package qsock.core.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.frame.AckFrame;
import qsock.core.frame.PaddingFrame;
import qsock.core.frame.PingFrame;
import qsock.core.frame.StreamFrame;
import qsock.core.sim.quic.Wire;
import qsock.core.stream.StreamId;

/**
 * Keeping a connection open for nothing: a peer that only PINGs, and a Slowloris peer that sends a byte of stream data
 * per idle period (RFC 9000 §21.6). RFC 9000 §10.1 restarts the idle timer on every packet received, and PING is
 * ack-eliciting (§19.2): both peers legitimately keep the connection, so the transport's bound is what the connection
 * costs us while they do, a constant: an ACK per PING at most, one stream and the bytes sent. Capping how long or how
 * slowly a peer may stay is the deployment's policy (§21.6: connection limits per address, a minimum rate, a maximum
 * age), which the endpoint's half-open cap (HalfOpenConnectionsTest) applies before the handshake.
 */
class KeepAliveAbuseTest {

    /** The default idle timeout of both sides. */
    private static final long IDLE = 30 * SECOND;

    /** What the server sent: packets of ACKs alone, and the others (its own path MTU probes: PING and PADDING). */
    private static final class Cost {
        long acks;
        long others;

        void add(List<Wire.Packet> packets) {
            for (Wire.Packet p : packets) {
                boolean ackOnly = p.frames().stream().allMatch(f -> f instanceof AckFrame || f instanceof PaddingFrame);
                if (ackOnly) {
                    acks++;
                } else {
                    others++;
                }
            }
        }

        /** At most an ACK per packet of the peer; other packets only at our own path MTU search's pace. */
        void check(long peerPackets, long elapsed) {
            assertTrue(acks <= peerPackets, "ACK packets: " + acks + " for " + peerPackets);
            long probeIntervals = elapsed / (20 * SECOND) + 1;
            assertTrue(others <= probeIntervals, "other packets: " + others + " in " + probeIntervals
                    + " path MTU probe intervals");
        }
    }

    @Test
    void aPingOnlyPeerCostsAtMostOneAckPerPingAndTheIdleTimeoutEndsItAfterTheLastPing()
            throws Exception {
        HostileClient t = new HostileClient(2701);
        Cost cost = new Cost();
        for (int i = 0; i < 100; i++) {
            t.send(t.ack(), new PingFrame());
            for (int step = 0; step < 20; step++) {
                t.advance(IDLE * 9 / 10 / 20);
                cost.add(t.serverSends());
            }
            assertFalse(t.server.state().isClosingOrClosed(), "PING " + i + " kept the connection: §10.1");
        }
        cost.check(100, 100 * IDLE * 9 / 10);
        for (int step = 0; step < 40 && !t.server.state().isClosingOrClosed(); step++) {
            t.advance(SECOND);
            t.serverSends();
        }
        assertTrue(t.server.state().isClosingOrClosed(), "silence: the idle timeout ends it");
    }

    @Test
    void aSlowlorisByteEachIdlePeriodHoldsOneStreamOneChunkAndOneAckPerByte() throws Exception {
        HostileClient t = new HostileClient(2702);
        long stream = StreamId.of(Role.CLIENT, true, 0);
        Cost cost = new Cost();
        for (int i = 0; i < 100; i++) {
            t.send(t.ack(), new StreamFrame(stream, i, ByteBuffer.wrap(new byte[] {(byte) i}), false));
            for (int step = 0; step < 20; step++) {
                t.advance(IDLE * 9 / 10 / 20);
                cost.add(t.serverSends());
            }
            assertFalse(t.server.state().isClosingOrClosed(), "byte " + i + " kept the connection: §10.1");
        }
        assertEquals(1, t.server.streams().streamCount(), "one stream");
        assertEquals(100, t.server.streams().recvStream(stream).highestOffset(), "the bytes sent, no more");
        assertTrue(t.server.streams().receiveBytesHeld() <= 16 * 1024, "one chunk of storage: "
                + t.server.streams().receiveBytesHeld());
        cost.check(100, 100 * IDLE * 9 / 10);
    }
}
