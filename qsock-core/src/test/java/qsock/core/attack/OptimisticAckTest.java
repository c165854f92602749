package qsock.core.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import org.junit.jupiter.api.Test;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.AckFrame;
import qsock.core.frame.FrameType;
import qsock.core.frame.MaxDataFrame;
import qsock.core.frame.MaxStreamDataFrame;

/**
 * Optimistic ACKs (RFC 9000 §21.4): a client acknowledges packets before they arrive, so that the server's congestion
 * controller opens up faster than the path allows. The server skips a packet number now and then; an acknowledgment
 * of a number it never sent is a PROTOCOL_VIOLATION (§13.1). The cost to the attacker: a guess over a run of packets
 * it has not seen ends the connection the first time the run holds a skip, at most 384 packets in.
 */
class OptimisticAckTest {

    /** What a client that acknowledges what it receives sees of a bulk transfer from the server. */
    private static final class Transfer {
        final HostileClient t;
        final long stream;
        final NavigableSet<Long> received;
        final ByteBuffer data = ByteBuffer.allocate(64 * 1024);

        Transfer(long seed) throws Exception {
            t = new HostileClient(seed);
            received = t.received;
            stream = t.server.streams().openStream(false);
        }

        /** Tops the stream up, takes the server's packets and acknowledges exactly those received. */
        void step() throws Exception {
            t.server.streams().write(stream, data.clear(), false);
            t.serverSends();
            // Credit without end, so that only congestion control paces the server.
            t.send(t.ack(), new MaxDataFrame(1L << 40), new MaxStreamDataFrame(stream, 1L << 40));
            t.advance(5 * MS);
        }

        /** {@return the numbers below the largest received that never arrived, in order} */
        List<Long> gaps() {
            List<Long> gaps = new ArrayList<>();
            if (received.isEmpty()) {
                return gaps;
            }
            long expected = received.first();
            for (long pn : received) {
                for (long g = expected; g < pn; g++) {
                    gaps.add(g);
                }
                expected = pn + 1;
            }
            return gaps;
        }
    }

    @Test
    void optimisticAckOfASkippedPacketNumberClosesWithProtocolViolation() throws Exception {
        Transfer x = new Transfer(2101);
        for (int i = 0; i < 2_000 && x.gaps().isEmpty(); i++) {
            x.step();
        }
        assertFalse(x.gaps().isEmpty(), "a packet number was skipped within 2,000 rounds");
        long skipped = x.gaps().get(0);
        assertFalse(x.t.server.state().isClosingOrClosed(), "honest ACKs around the skipped number are fine");

        // The attacker acknowledges everything up to the largest it saw, as if nothing had been left out.
        x.t.send(AckFrame.of(0, x.received.last(), x.received.first()));
        assertTrue(x.t.server.state().isClosingOrClosed(), "an ACK covering " + skipped + " ends the connection");
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION.value(), x.t.server.closeError().code());
        assertEquals(FrameType.ACK.firstCode(), x.t.server.closeError().frameType());
    }

    @Test
    void theSenderSkipsOnePacketNumberAfterEvery128To383Packets() throws Exception {
        Transfer x = new Transfer(2102);
        for (int i = 0; i < 4_000 && x.received.size() < 1_500; i++) {
            x.step();
        }
        assertTrue(x.received.size() >= 1_500, "a transfer of 1,500 packets: " + x.received.size());
        List<Long> gaps = x.gaps();
        assertTrue(gaps.size() >= 1_500 / 384, "skips in 1,500 packets: " + gaps);
        for (int i = 1; i < gaps.size(); i++) {
            long run = gaps.get(i) - gaps.get(i - 1) - 1;
            assertTrue(run >= 128 && run < 384, "a run of " + run + " packets between skips: " + gaps);
        }
        assertFalse(x.t.server.state().isClosingOrClosed(), "a client that acknowledges honestly never trips it");
    }

    @Test
    void theSameSeedSkipsTheSameNumbers() throws Exception {
        List<List<Long>> runs = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Transfer x = new Transfer(2103);
            for (int i = 0; i < 4_000 && x.received.size() < 800; i++) {
                x.step();
            }
            runs.add(x.gaps().subList(0, Math.min(2, x.gaps().size())));
        }
        assertFalse(runs.get(0).isEmpty());
        assertEquals(runs.get(0), runs.get(1), "a seed replays its skips (deterministic simulation)");
    }
}
