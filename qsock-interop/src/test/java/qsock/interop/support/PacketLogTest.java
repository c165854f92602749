package qsock.interop.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** What the relay's log counts from the clear parts of long headers. */
class PacketLogTest {

    /** A v1 long-header packet of {@code type} with an 8-byte DCID, no SCID, and {@code payload} bytes after Length. */
    private static void packet(ByteBuffer b, int type, int payload) {
        b.put((byte) (0xc0 | type << 4)).putInt(1).put((byte) 8).put(new byte[8]).put((byte) 0);
        if (type == 0) {
            b.put((byte) 0); // no token
        }
        b.putShort((short) (0x4000 | payload)).put(new byte[payload]);
    }

    @Test
    void aZeroRttPacketCoalescedBehindAnInitialIsCounted() {
        PacketLog log = new PacketLog();
        ByteBuffer initialOnly = ByteBuffer.allocate(1200);
        packet(initialOnly, 0, 1000);
        log.record(PacketLog.Direction.TO_SERVER, initialOnly.flip());
        ByteBuffer coalesced = ByteBuffer.allocate(1200);
        packet(coalesced, 0, 600);
        packet(coalesced, 1, 400);
        log.record(PacketLog.Direction.TO_SERVER, coalesced.flip());
        ByteBuffer alone = ByteBuffer.allocate(1200);
        packet(alone, 1, 300);
        log.record(PacketLog.Direction.TO_SERVER, alone.flip());
        ByteBuffer truncated = ByteBuffer.allocate(40);
        packet(truncated, 0, 0);
        truncated.flip().limit(20);
        log.record(PacketLog.Direction.TO_SERVER, truncated);
        assertEquals(2, log.zeroRttDatagrams(PacketLog.Direction.TO_SERVER));
        assertEquals(0, log.zeroRttDatagrams(PacketLog.Direction.TO_CLIENT));
    }
}
