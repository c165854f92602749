package qsock.core.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.frame.DataBlockedFrame;
import qsock.core.frame.Frame;
import qsock.core.frame.MaxDataFrame;
import qsock.core.frame.MaxStreamDataFrame;
import qsock.core.frame.MaxStreamsFrame;
import qsock.core.frame.StreamDataBlockedFrame;
import qsock.core.frame.StreamFrame;
import qsock.core.frame.StreamsBlockedFrame;
import qsock.core.sim.quic.Wire;
import qsock.core.stream.StreamId;

/**
 * STREAMS_BLOCKED, DATA_BLOCKED and STREAM_DATA_BLOCKED floods (RFC 9000 §19.12-19.14, §21.9): the frames are
 * informational; a receiver that answered each with a limit frame would send as much as it is sent. qsock counts them
 * and answers a frame blocked at our current limit with nothing beyond the acknowledgment every ack-eliciting packet
 * earns; a stale one (below our limit) with the limit again, once per packet whatever the number of frames.
 */
class BlockedFloodTest {

    @Test
    void tenThousandBlockedFramesAtOurLimitsRaiseNothingAndCostAtMostOneAckPerPacket() throws Exception {
        HostileClient t = new HostileClient(2601);
        long stream = StreamId.of(Role.CLIENT, true, 0);
        t.send(new StreamFrame(stream, 0, ByteBuffer.wrap(new byte[] {1}), false));
        t.serverSends();
        long datagramsBefore = t.datagramsFromServer;
        long limitFrames = 0;
        for (int i = 0; i < 10_000; i++) {
            t.send(t.ack(), new StreamsBlockedFrame(true, t.server.streams().localMaxStreams(true)),
                    new StreamsBlockedFrame(false, t.server.streams().localMaxStreams(false)),
                    new DataBlockedFrame(t.server.streams().localMaxData()),
                    new StreamDataBlockedFrame(stream, t.server.streams().recvStream(stream).window().limit()));
            limitFrames += limitFrames(t.serverSends());
            t.advance(MS);
        }
        assertEquals(20_000, t.server.streams().streamsBlockedReceived(), "every STREAMS_BLOCKED counted");
        assertEquals(10_000, t.server.streams().dataBlockedReceived(), "every DATA_BLOCKED counted");
        assertEquals(0, limitFrames, "blocked at our limits: nothing to repeat");
        assertTrue(t.datagramsFromServer - datagramsBefore <= 10_000, "at most one datagram (an ACK) per packet: "
                + (t.datagramsFromServer - datagramsBefore));
        assertEquals(1, t.server.streams().streamCount(), "no stream state for a STREAMS_BLOCKED");
        assertFalse(t.server.state().isClosingOrClosed());
    }

    /**
     * A peer that claims to be blocked below our limits makes us repeat them (our raise may have been lost, §4.1), but
     * the repeat is a flag per limit, not a queue: a thousand stale frames in one packet cost one of each.
     */
    @Test
    void aThousandStaleBlockedFramesInOnePacketCostOneLimitFrameOfEachKind() throws Exception {
        HostileClient t = new HostileClient(2602);
        long stream = StreamId.of(Role.CLIENT, true, 0);
        t.send(new StreamFrame(stream, 0, ByteBuffer.wrap(new byte[] {1}), false));
        t.serverSends();
        Frame[] flood = new Frame[1_000];
        for (int i = 0; i < flood.length; i += 4) {
            flood[i] = new StreamsBlockedFrame(true, 1);
            flood[i + 1] = new StreamsBlockedFrame(false, 0);
            flood[i + 2] = new DataBlockedFrame(1);
            flood[i + 3] = new StreamDataBlockedFrame(stream, 1);
        }
        t.send(flood);
        List<Wire.Packet> sent = t.serverSends();
        assertEquals(2, HostileClient.frames(sent, MaxStreamsFrame.class).size(), "one MAX_STREAMS per direction");
        assertEquals(1, HostileClient.frames(sent, MaxDataFrame.class).size());
        assertEquals(1, HostileClient.frames(sent, MaxStreamDataFrame.class).size());
        assertFalse(t.server.state().isClosingOrClosed());
    }

    private static long limitFrames(List<Wire.Packet> sent) {
        return HostileClient.frames(sent, MaxStreamsFrame.class).size()
                + HostileClient.frames(sent, MaxDataFrame.class).size()
                + HostileClient.frames(sent, MaxStreamDataFrame.class).size();
    }
}
