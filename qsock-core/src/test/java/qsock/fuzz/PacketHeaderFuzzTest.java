package qsock.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketParser;
import qsock.core.packet.ParseStatus;

/**
 * Fuzzes the packet header parser (RFC 9000 §17) the way a receiver walks a datagram: every coalesced packet in
 * turn (§12.2). Its contract: it never throws, and an accepted header lies inside the datagram with each packet
 * starting where the previous one ended. The first input byte picks the short header CID length and greasing.
 */
class PacketHeaderFuzzTest {

    /** More packets than a datagram of 64 KiB can hold at one byte each would mean the walk does not advance. */
    private static final int MAX_PACKETS = 65_536;

    @FuzzTest
    void parsesEveryCoalescedPacketInsideTheDatagram(byte[] input) {
        if (input.length < 1) {
            return;
        }
        int dcidLength = (input[0] & 0xff) % 21;
        boolean grease = (input[0] & 0x80) != 0;
        ByteBuffer datagram = ByteBuffer.wrap(input, 1, input.length - 1).slice();
        PacketHeaderView view = new PacketHeaderView();
        int offset = 0;
        for (int packets = 0; offset < datagram.limit(); packets++) {
            assertTrue(packets < MAX_PACKETS, "the coalesced packet walk does not advance");
            ParseStatus status = PacketParser.parse(datagram, offset, dcidLength, grease, view);
            if (status != ParseStatus.OK) {
                return;
            }
            assertEquals(offset, view.packetStart());
            assertTrue(view.dcidOffset() + view.dcidLength() <= view.packetEnd(), "DCID beyond the packet");
            assertTrue(view.pnOffset() <= view.packetEnd(), "packet number beyond the packet");
            assertTrue(view.packetEnd() <= datagram.limit(), "packet beyond the datagram");
            assertTrue(view.packetEnd() > offset, "an empty packet");
            view.dcid(datagram);
            if (view.isLongHeader()) {
                view.scid(datagram);
                assertTrue(view.tokenOffset() + view.tokenLength() <= view.packetEnd(), "token beyond the packet");
            }
            offset = view.packetEnd();
        }
    }
}
