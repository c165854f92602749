package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.StreamResetException;
import qsock.core.error.TransportErrorCode;

/** The receiving part's states, RFC 9000 §3.2 Figure 3, and the final size rules of §4.5. */
class RecvStreamTest {

    private static RecvStream stream() {
        return new RecvStream(1, 1000, 1000, 16);
    }

    private static void assertCode(TransportErrorCode code, org.junit.jupiter.api.function.Executable ex) {
        QuicProtocolException e = assertThrows(QuicProtocolException.class, ex);
        assertEquals(code, e.errorCode());
    }

    @Test
    void recvSizeKnownDataRecvdDataRead() throws Exception {
        RecvStream r = stream();
        assertEquals(RecvStreamState.RECV, r.state());
        assertEquals(30, r.onData(20, ByteBuffer.allocate(10), true), "the highest offset grew from 0 to 30");
        assertEquals(RecvStreamState.SIZE_KNOWN, r.state());
        assertEquals(30, r.finalSize());
        assertEquals(0, r.onData(0, ByteBuffer.allocate(20), false), "below the highest offset: no new credit");
        assertEquals(RecvStreamState.DATA_RECVD, r.state());
        ByteBuffer dst = ByteBuffer.allocate(100);
        assertEquals(30, r.read(dst));
        assertEquals(RecvStreamState.DATA_RECVD, r.state(), "the end is not read yet");
        assertEquals(-1, r.read(dst));
        assertEquals(RecvStreamState.DATA_READ, r.state());
        assertEquals(-1, r.read(dst));
    }

    @Test
    void anEmptyStreamEndsAtOnce() throws Exception {
        RecvStream r = stream();
        r.onData(0, ByteBuffer.allocate(0), true);
        assertEquals(RecvStreamState.DATA_RECVD, r.state());
        assertTrue(r.isReadable());
        assertEquals(-1, r.read(ByteBuffer.allocate(1)));
        assertEquals(RecvStreamState.DATA_READ, r.state());
    }

    @Test
    void readReturnsZeroUntilDataArrivesInOrder() throws Exception {
        RecvStream r = stream();
        r.onData(5, ByteBuffer.allocate(5), false);
        assertFalse(r.isReadable());
        assertEquals(0, r.read(ByteBuffer.allocate(10)));
        r.onData(0, ByteBuffer.allocate(5), false);
        assertTrue(r.isReadable());
        assertEquals(10, r.read(ByteBuffer.allocate(10)));
    }

    @Test
    void resetFromRecvOrSizeKnownThenRead() throws Exception {
        for (boolean sizeKnown : new boolean[] {false, true}) {
            RecvStream r = stream();
            r.onData(0, ByteBuffer.allocate(5), false);
            if (sizeKnown) {
                r.onData(10, ByteBuffer.allocate(0), true);
                assertEquals(RecvStreamState.SIZE_KNOWN, r.state());
            }
            r.read(ByteBuffer.allocate(3));
            assertEquals(sizeKnown ? 0 : 5, r.onReset(42, 10));
            assertEquals(RecvStreamState.RESET_RECVD, r.state());
            assertEquals(10, r.consumedCredit(), "all bytes up to the final size count as consumed");
            StreamResetException e = assertThrows(StreamResetException.class, () -> r.read(ByteBuffer.allocate(1)));
            assertEquals(42, e.errorCode());
            assertEquals(RecvStreamState.RESET_READ, r.state());
            assertThrows(StreamResetException.class, () -> r.read(ByteBuffer.allocate(1)));
        }
    }

    @Test
    void resetAfterAllDataArrivedKeepsTheData() throws Exception {
        RecvStream r = stream();
        r.onData(0, ByteBuffer.allocate(10), true);
        assertEquals(0, r.onReset(1, 10));
        assertEquals(RecvStreamState.DATA_RECVD, r.state());
        assertEquals(10, r.read(ByteBuffer.allocate(20)));
    }

    @Test
    void resetGrowsTheHighestOffsetToTheFinalSize() throws Exception {
        RecvStream r = stream();
        r.onData(0, ByteBuffer.allocate(10), false);
        assertEquals(90, r.onReset(0, 100));
        assertEquals(100, r.highestOffset());
    }

    // ---- RFC 9000 §4.5 final size errors ----

    @Test
    void dataPastTheFinalSizeIsAFinalSizeError() throws Exception {
        RecvStream r = stream();
        r.onData(0, ByteBuffer.allocate(10), true);
        assertCode(TransportErrorCode.FINAL_SIZE_ERROR, () -> r.onData(5, ByteBuffer.allocate(6), false));
    }

    @Test
    void aChangedFinIsAFinalSizeError() throws Exception {
        RecvStream r = stream();
        r.onData(0, ByteBuffer.allocate(10), true);
        assertCode(TransportErrorCode.FINAL_SIZE_ERROR, () -> r.onData(0, ByteBuffer.allocate(8), true));
        r.onData(0, ByteBuffer.allocate(10), true);
    }

    @Test
    void aFinBelowReceivedDataIsAFinalSizeError() throws Exception {
        RecvStream r = stream();
        r.onData(0, ByteBuffer.allocate(50), false);
        assertCode(TransportErrorCode.FINAL_SIZE_ERROR, () -> r.onData(0, ByteBuffer.allocate(40), true));
    }

    @Test
    void aResetChangingTheFinalSizeIsAFinalSizeError() throws Exception {
        RecvStream r = stream();
        r.onData(0, ByteBuffer.allocate(10), true);
        assertCode(TransportErrorCode.FINAL_SIZE_ERROR, () -> r.onReset(0, 11));
    }

    @Test
    void aResetBelowReceivedDataIsAFinalSizeError() throws Exception {
        RecvStream r = stream();
        r.onData(0, ByteBuffer.allocate(10), false);
        assertCode(TransportErrorCode.FINAL_SIZE_ERROR, () -> r.onReset(0, 9));
    }

    @Test
    void dataPastTheResetFinalSizeIsAFinalSizeError() throws Exception {
        RecvStream r = stream();
        r.onReset(0, 10);
        assertCode(TransportErrorCode.FINAL_SIZE_ERROR, () -> r.onData(8, ByteBuffer.allocate(3), false));
        r.onData(8, ByteBuffer.allocate(2), false);
    }

    // ---- RFC 9000 §4.1 flow control ----

    @Test
    void dataPastTheStreamLimitIsAFlowControlError() throws Exception {
        RecvStream r = stream();
        r.onData(0, ByteBuffer.allocate(1000), false);
        assertCode(TransportErrorCode.FLOW_CONTROL_ERROR, () -> r.onData(1000, ByteBuffer.allocate(1), false));
        assertCode(TransportErrorCode.FLOW_CONTROL_ERROR, () -> r.onReset(0, 1001));
    }

    @Test
    void aWindowUpdateIsWantedAfterHalfIsReadAndRaisesTheLimit() throws Exception {
        RecvStream r = stream();
        r.onData(0, ByteBuffer.allocate(1000), false);
        r.read(ByteBuffer.allocate(499));
        assertFalse(r.wantsWindowUpdate());
        r.read(ByteBuffer.allocate(1));
        assertTrue(r.wantsWindowUpdate());
        assertEquals(1500, r.updateWindow(0, 1));
        r.onData(1000, ByteBuffer.allocate(500), false);
    }

    @Test
    void noWindowUpdateOnceTheFinalSizeIsKnown() throws Exception {
        RecvStream r = stream();
        r.onData(0, ByteBuffer.allocate(900), true);
        r.read(ByteBuffer.allocate(900));
        assertFalse(r.wantsWindowUpdate());
    }

    @Test
    void tooFragmentedDataIsRefused() throws Exception {
        RecvStream r = new RecvStream(1, 1000, 1000, 2);
        r.onData(10, ByteBuffer.allocate(1), false);
        r.onData(20, ByteBuffer.allocate(1), false);
        assertCode(TransportErrorCode.PROTOCOL_VIOLATION, () -> r.onData(30, ByteBuffer.allocate(1), false));
    }
}
