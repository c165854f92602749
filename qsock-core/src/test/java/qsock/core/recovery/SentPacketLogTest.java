package qsock.core.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.frame.AckFrame;
import qsock.core.packet.PacketNumberSpace;

class SentPacketLogTest {

    @Test
    void addRecordsTheFieldsAndCountsBytesInFlight() {
        SentPacketLog log = new SentPacketLog();
        SentPacket p = log.add(0, 100, 1200, true, true);
        log.add(1, 200, 40, false, false);  // ACK only: neither in flight nor ack-eliciting
        log.add(5, 300, 500, false, true);  // PADDING only: in flight, not ack-eliciting
        assertEquals(0, p.packetNumber());
        assertEquals(100, p.timeSent());
        assertEquals(1200, p.sentBytes());
        assertTrue(p.isAckEliciting());
        assertTrue(p.isInFlight());
        assertNull(p.frames());
        p.setFrames("stream 4 offset 0");
        assertEquals("stream 4 offset 0", log.find(0).frames());
        assertEquals(3, log.size());
        assertEquals(1700, log.bytesInFlight());
        assertEquals(1, log.ackElicitingInFlight());
        assertEquals(5, log.largestSent());
        assertSame(p, log.oldest());
        assertNull(log.find(3));
        assertNull(log.find(6));
    }

    @Test
    void packetNumbersMustIncrease() {
        SentPacketLog log = new SentPacketLog();
        log.add(3, 0, 10, true, true);
        assertThrows(IllegalArgumentException.class, () -> log.add(3, 0, 10, true, true));
        assertThrows(IllegalArgumentException.class, () -> log.add(2, 0, 10, true, true));
        assertThrows(IllegalArgumentException.class, () -> log.add(4, 0, -1, true, true));
    }

    @Test
    void growsPastItsInitialSizeKeepingOrder() {
        SentPacketLog log = new SentPacketLog();
        for (int i = 0; i < 1000; i++) {
            log.add(2L * i, i, 100, true, true);
        }
        assertEquals(1000, log.size());
        assertEquals(100_000, log.bytesInFlight());
        for (int i = 0; i < 1000; i++) {
            assertEquals(2L * i, log.find(2L * i).packetNumber());
            assertNull(log.find(2L * i + 1));
        }
    }

    @Test
    void isFullAtTheCapAndAddThenThrows() {
        SentPacketLog log = new SentPacketLog();
        for (int i = 0; i < SentPacketLog.MAX_SLOTS; i++) {
            assertFalse(log.isFull());
            log.add(i, i, 1, true, true);
        }
        assertTrue(log.isFull());
        assertThrows(IllegalStateException.class, () -> log.add(SentPacketLog.MAX_SLOTS, 0, 1, true, true));
    }

    @Test
    void entriesStayReadableUntilTheOutcomeIsClearedThenAreReused() throws Exception {
        LossDetector detector = new LossDetector(Role.SERVER);
        SentPacket p0 = detector.onPacketSent(PacketNumberSpace.APPLICATION, 0, 0, 100, true, true);
        p0.setFrames("frames of 0");
        AckOutcome out = new AckOutcome();
        detector.onAckReceived(PacketNumberSpace.APPLICATION, AckFrame.of(0, 0, 0), 0, 10, out);
        assertSame(p0, out.acked(0));
        // A send before the outcome is cleared does not touch the listed entry.
        SentPacket p1 = detector.onPacketSent(PacketNumberSpace.APPLICATION, 1, 20, 100, true, true);
        assertFalse(p1 == p0);
        assertEquals(0, out.acked(0).packetNumber());
        assertEquals("frames of 0", out.acked(0).frames());
        out.clear();
        assertEquals(0, out.ackedCount());
        // Cleared: the entry is back in the pool and the next send reuses it, with its slot emptied.
        SentPacket p2 = detector.onPacketSent(PacketNumberSpace.APPLICATION, 2, 30, 100, true, true);
        assertSame(p0, p2);
        assertEquals(2, p2.packetNumber());
        assertNull(p2.frames());
    }

    @Test
    void aReleasedLogKeepsNothingAndTakesNoMorePackets() throws Exception {
        // A space discarded with its keys (RFC 9002 §6.4): the log gives its arrays and pooled entries back.
        LossDetector detector = new LossDetector(Role.CLIENT);
        SentPacket p0 = detector.onPacketSent(PacketNumberSpace.INITIAL, 0, 0, 1200, true, true);
        detector.onPacketSent(PacketNumberSpace.INITIAL, 1, 10, 1200, true, true);
        AckOutcome out = new AckOutcome();
        detector.onAckReceived(PacketNumberSpace.INITIAL, AckFrame.of(0, 0, 0), 0, 20, out);
        out.clear(); // packet 0 back in the pool
        detector.discardSpace(PacketNumberSpace.INITIAL, out);
        assertEquals(1, out.discardedCount(), "the packet in flight is listed as discarded");
        assertEquals(1, out.discarded(0).packetNumber(), "and stays readable until the outcome is cleared");
        out.clear();
        SentPacketLog log = detector.log(PacketNumberSpace.INITIAL);
        assertTrue(log.isEmpty());
        assertNull(log.find(1));
        assertNull(log.oldest());
        assertThrows(IllegalStateException.class, () -> log.add(2, 30, 100, true, true));
        assertFalse(p0 == detector.onPacketSent(PacketNumberSpace.HANDSHAKE, 0, 40, 100, true, true),
                "the other spaces' logs have pools of their own");

        SentPacketLog busy = new SentPacketLog();
        busy.add(0, 0, 100, true, true);
        assertThrows(IllegalStateException.class, busy::release, "only an empty log is released");
    }
}
