package qsock.core.attack;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;

/**
 * A peer that never reads, and one that acknowledges nothing (RFC 9000 §21.7, second paragraph; RFC 9002 §6.2, §7):
 * both make us hold what we wrote. Flow control bounds what we send to the credit the peer gave once; the send
 * buffers bound what the application may queue; congestion control and the PTO's backoff bound what we put on the
 * wire for a peer that acknowledges nothing, and the idle timeout ends it.
 */
class SendBufferBoundTest {

    private static final int STREAM_BUFFER = 256 * 1024;
    private static final int CONNECTION_BUFFER = 1 << 20;

    private static ConnectionConfig config() {
        return ConnectionConfig.builder().streamSendBufferSize(STREAM_BUFFER)
                .connectionSendBufferSize(CONNECTION_BUFFER).build();
    }

    /** Writes to every stream until none takes more, at most 1,000 writes; {@return the bytes taken} */
    private static long fill(HostileClient t, long[] streams, ByteBuffer data) throws Exception {
        long taken = 0;
        for (int i = 0; i < 1_000; i++) {
            int round = 0;
            for (long s : streams) {
                round += t.server.streams().write(s, data.clear(), false);
            }
            if (round == 0) {
                break;
            }
            taken += round;
        }
        return taken;
    }

    @Test
    void aPeerThatNeverReadsGetsItsInitialCreditAndOurBuffersStayAtTheirCapacity() throws Exception {
        HostileClient t = new HostileClient(2801, config());
        long[] streams = new long[8];
        for (int i = 0; i < streams.length; i++) {
            streams[i] = t.server.streams().openStream(true);
        }
        ByteBuffer data = ByteBuffer.allocate(64 * 1024);
        long peerMaxData = t.server.streams().peerMaxData();
        long written = 0;
        for (int round = 0; round < 2_000; round++) {
            written += fill(t, streams, data);
            t.serverSends();
            // It acknowledges everything, so nothing is kept for retransmission, but it raises no limit.
            t.send(t.ack());
            t.advance(5 * MS);
            assertTrue(t.server.streams().sendBuffered() <= CONNECTION_BUFFER, "buffered: "
                    + t.server.streams().sendBuffered());
            for (long s : streams) {
                assertTrue(t.server.streams().sendStream(s).buffer().held() <= STREAM_BUFFER);
            }
        }
        assertTrue(t.server.streams().connectionDataSent() <= peerMaxData, "sent within the credit given: "
                + t.server.streams().connectionDataSent() + " of " + peerMaxData);
        assertTrue(written <= peerMaxData + CONNECTION_BUFFER, "the application could write only what fits: "
                + written);
        assertTrue(t.server.streams().isConnectionFlowControlBlocked(), "we wait for credit");
        assertFalse(t.server.state().isClosingOrClosed());
    }

    @Test
    void aPeerThatAcknowledgesNothingStopsUsAtTheCongestionWindowThenPtoProbesUntilTheIdleTimeout()
            throws Exception {
        HostileClient t = new HostileClient(2802, config());
        long stream = t.server.streams().openStream(true);
        ByteBuffer data = ByteBuffer.allocate(64 * 1024);
        fill(t, new long[] {stream}, data);
        long window = t.server.congestion().congestionWindow();
        long before = t.bytesFromServer;
        long datagramsBefore = t.datagramsFromServer;
        t.serverSends();
        long firstFlight = t.bytesFromServer - before;
        assertTrue(firstFlight <= window + 1500, "the first flight fits the congestion window: " + firstFlight
                + " of " + window);
        int steps = 0;
        for (; steps < 10_000 && !t.server.state().isClosingOrClosed(); steps++) {
            t.advance(10 * MS);
            t.serverSends();
        }
        assertTrue(t.server.state().isClosingOrClosed(), "the idle timeout ends it");
        assertTrue(steps * 10 * MS <= 31 * SECOND + 10 * MS, "within the idle timeout: " + steps * 10 + " ms");
        long datagrams = t.datagramsFromServer - datagramsBefore;
        // The first flight, then two probes per PTO, the PTO doubling each time: a dozen PTOs in 30 seconds.
        assertTrue(datagrams <= window / 1200 + 2 + 2 * 16, "datagrams to a silent peer: " + datagrams);
        assertTrue(t.server.streams().sendBuffered() <= CONNECTION_BUFFER);
    }
}
