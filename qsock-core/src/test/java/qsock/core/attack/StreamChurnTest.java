package qsock.core.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.Role;
import qsock.core.error.StreamResetException;
import qsock.core.frame.ResetStreamFrame;
import qsock.core.frame.StreamFrame;
import qsock.core.stream.StreamId;

/**
 * Stream open and reset churn (RFC 9000 §4.6, §21.8): a peer opens a stream, sends a byte, resets it, and again, as
 * fast as MAX_STREAMS lets it. Each cycle costs it two frames; what we keep stays at the streams it may have open at
 * once, whatever the number of cycles, as long as the application takes each reset.
 */
class StreamChurnTest {

    private static final long MAX_STREAMS = 10;

    @Test
    void tenThousandOpenResetCyclesKeepTheStreamTableUnderMaxStreams() throws Exception {
        HostileClient t = new HostileClient(2501, ConnectionConfig.builder().maxStreamsUni(MAX_STREAMS).build());
        int maxStreams = 0;
        ByteBuffer dst = ByteBuffer.allocate(16);
        for (int i = 0; i < 10_000; i++) {
            long id = StreamId.of(Role.CLIENT, false, i);
            t.send(t.ack(), new StreamFrame(id, 0, ByteBuffer.wrap(new byte[] {1}), false),
                    new ResetStreamFrame(id, 7, 1));
            maxStreams = Math.max(maxStreams, t.server.streams().streamCount());
            // The application takes the reset, as a reader of the stream does.
            assertThrows(StreamResetException.class, () -> t.server.streams().read(id, dst.clear()));
            t.serverSends();
            assertFalse(t.server.state().isClosingOrClosed(), "cycle " + i + ": " + t.server.closeError());
            t.advance(MS);
        }
        assertTrue(maxStreams <= MAX_STREAMS, "streams held at once: " + maxStreams);
        assertTrue(t.server.streams().streamCount() <= 1, "streams left: " + t.server.streams().streamCount());
        assertTrue(t.server.streams().localMaxStreams(false) >= 10_000, "MAX_STREAMS followed the churn");
        assertEquals(0, t.server.streams().receiveBytesHeld(), "no reassembly storage left behind");
    }
}
