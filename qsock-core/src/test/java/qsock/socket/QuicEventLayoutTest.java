package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The bytes of an event as the receive of messages gives them: the kernel's layout (draft-lxin-quic-socket-apis §6). */
class QuicEventLayoutTest {

    private static long maxStream(QuicEvent.MaxStreams event, boolean server) {
        byte[] b = QuicEvent.encode(event, server);
        assertEquals(9, b.length);
        assertEquals(QuicEvent.Type.STREAM_MAX_STREAM.code(), b[0]);
        return ByteBuffer.wrap(b, 1, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** The draft's max_stream: the type of the streams the limit is for in its two low bits, the count past them. */
    @Test
    void maxStreamCarriesTheCountPastTheTypeOfTheReadersOwnStreams() {
        assertEquals(5 << 2, maxStream(new QuicEvent.MaxStreams(true, 5), false), "client bidirectional: 0");
        assertEquals(5 << 2 | 2, maxStream(new QuicEvent.MaxStreams(false, 5), false), "client unidirectional: 2");
        assertEquals(5 << 2 | 1, maxStream(new QuicEvent.MaxStreams(true, 5), true), "server bidirectional: 1");
        assertEquals(5 << 2 | 3, maxStream(new QuicEvent.MaxStreams(false, 5), true), "server unidirectional: 3");
        assertEquals(5, maxStream(new QuicEvent.MaxStreams(false, 5), true) >> 2, "the count, shifted right by 2");
    }
}
