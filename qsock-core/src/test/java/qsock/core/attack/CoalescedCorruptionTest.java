package qsock.core.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.core.frame.PingFrame;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.packet.PacketType;
import qsock.core.wire.ConnectionId;

/**
 * Corrupt and truncated coalesced packets (RFC 9000 §12.2, RFC 9001 §9.5): a datagram of a long-header packet
 * followed by a 1-RTT packet, cut at every length and flipped in sampled bits. Every such datagram is dropped in
 * part or whole as §12.2 says (a packet that does not parse ends the datagram; one that does not open is dropped
 * alone), without an exception, a close or an answer beyond what the intact parts earn. Corrupt Initials are in
 * InitialAuthenticationTest.
 */
class CoalescedCorruptionTest {

    /** A Handshake packet for keys the server has dropped (confirmed), then a 1-RTT PING, in one datagram. */
    private static ByteBuffer coalesced(HostileClient t, SplittableRandom r) {
        ByteBuffer buf = ByteBuffer.allocate(1500);
        int pnOffset = PacketHeaderWriter.writeLongHeader(buf, t.server.version(), PacketType.HANDSHAKE,
                t.server.localId(), ConnectionId.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}), null, 5, 4, 2, true);
        byte[] payload = new byte[60];
        r.nextBytes(payload);
        buf.put(payload);
        PacketHeaderWriter.setLength(buf, pnOffset, 2, buf.position());
        buf.put(t.datagram(new PingFrame()));
        return buf.flip();
    }

    private static ByteBuffer copy(ByteBuffer b, int length) {
        ByteBuffer c = ByteBuffer.allocate(length);
        c.put(b.duplicate().limit(b.position() + length)).flip();
        return c;
    }

    @Test
    void everyTruncationOfACoalescedDatagramIsDroppedWithoutAClose() throws Exception {
        HostileClient t = new HostileClient(3001);
        SplittableRandom r = new SplittableRandom(1);
        ByteBuffer whole = coalesced(t, r);
        for (int length = 1; length < whole.remaining(); length++) {
            t.server.handleDatagram(copy(whole, length), t.now);
            assertFalse(t.server.state().isClosingOrClosed(), "cut at " + length + ": " + t.server.closeError());
        }
        assertTrue(t.server.internalError() == null, "no exception inside the connection");
        long received = t.server.packetsReceived();
        t.server.handleDatagram(coalesced(t, r), t.now);
        assertEquals(received + 1, t.server.packetsReceived(), "the intact 1-RTT packet behind it is taken");
    }

    @Test
    void bitFlipsAnywhereInACoalescedDatagramNeverCloseTheConnection() throws Exception {
        HostileClient t = new HostileClient(3002);
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 2_000; i++) {
            ByteBuffer d = coalesced(t, r);
            int flips = 1 + r.nextInt(3);
            for (int f = 0; f < flips; f++) {
                int at = d.position() + r.nextInt(d.remaining());
                d.put(at, (byte) (d.get(at) ^ (1 << r.nextInt(8))));
            }
            t.server.handleDatagram(d, t.now);
            assertFalse(t.server.state().isClosingOrClosed(), "datagram " + i + ": " + t.server.closeError());
        }
        assertTrue(t.server.internalError() == null, "no exception inside the connection");
        assertTrue(t.server.packetsDropped() > 0, "corrupt packets were dropped, and counted");
        t.serverSends();
        assertTrue(t.datagramsFromServer <= 2_000, "at most an ACK per datagram: " + t.datagramsFromServer);
    }
}
