package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import qsock.core.error.StreamResetException;

/** The sending part's states, RFC 9000 §3.1, Figure 2. */
class SendStreamTest {

    @Test
    void readySendDataSentDataRecvd() throws Exception {
        SendStream s = new SendStream(0, 1000, 1000);
        assertEquals(SendStreamState.READY, s.state());
        s.write(ByteBuffer.allocate(100), false);
        assertEquals(SendStreamState.READY, s.state(), "buffering alone does not leave Ready");
        s.onFrameSent(0, 60, false);
        assertEquals(SendStreamState.SEND, s.state());
        s.write(ByteBuffer.allocate(0), true);
        assertEquals(100, s.finalSize());
        s.onFrameSent(60, 40, true);
        assertEquals(SendStreamState.DATA_SENT, s.state());
        s.onFrameAcked(60, 40, true);
        assertEquals(SendStreamState.DATA_SENT, s.state(), "data below 60 still unacknowledged");
        s.onFrameAcked(0, 60, false);
        assertEquals(SendStreamState.DATA_RECVD, s.state());
        assertTrue(s.state().isTerminal());
    }

    @Test
    void streamDataBlockedAlsoLeavesReady() {
        SendStream s = new SendStream(0, 1000, 0);
        s.onBlockedSent();
        assertEquals(SendStreamState.SEND, s.state());
    }

    @Test
    void aLostFinIsSentAgainOnItsOwn() throws Exception {
        SendStream s = new SendStream(0, 1000, 1000);
        s.write(ByteBuffer.allocate(10), false);
        s.onFrameSent(0, 10, false);
        s.write(ByteBuffer.allocate(0), true);
        assertTrue(s.finOnlyPending());
        s.onFrameSent(10, 0, true);
        assertFalse(s.finOnlyPending());
        s.onFrameLost(10, 0, true);
        assertTrue(s.finOnlyPending());
        s.onFrameAcked(0, 10, false);
        s.onFrameSent(10, 0, true);
        s.onFrameAcked(10, 0, true);
        assertEquals(SendStreamState.DATA_RECVD, s.state());
    }

    @Test
    void resetFromEachSendingStateGoesToResetSentThenResetRecvd() throws Exception {
        for (int sentFrames = 0; sentFrames < 3; sentFrames++) {
            SendStream s = new SendStream(4, 1000, 1000);
            s.write(ByteBuffer.allocate(100), false);
            if (sentFrames > 0) {
                s.onFrameSent(0, 50, false);
            }
            if (sentFrames > 1) {
                s.write(ByteBuffer.allocate(0), true);
                s.onFrameSent(50, 50, true);
                assertEquals(SendStreamState.DATA_SENT, s.state());
            }
            assertTrue(s.reset(7, false));
            assertEquals(SendStreamState.RESET_SENT, s.state());
            // RFC 9000 §4.5: the final size of a reset stream is the credit used, the highest offset sent.
            assertEquals(sentFrames == 0 ? 0 : sentFrames == 1 ? 50 : 100, s.finalSize());
            assertEquals(7, s.resetCode());
            assertFalse(s.reset(8, false), "a second reset changes nothing");
            s.onResetAcked();
            assertEquals(SendStreamState.RESET_RECVD, s.state());
        }
    }

    @Test
    void aStreamWhoseDataWasAllAcknowledgedCannotBeReset() throws Exception {
        SendStream s = new SendStream(0, 1000, 1000);
        s.write(ByteBuffer.allocate(5), true);
        s.onFrameSent(0, 5, true);
        s.onFrameAcked(0, 5, true);
        assertFalse(s.reset(1, false));
        assertEquals(SendStreamState.DATA_RECVD, s.state());
    }

    @Test
    void writesAfterFinOrResetAreRefused() throws Exception {
        SendStream finished = new SendStream(0, 1000, 1000);
        finished.write(ByteBuffer.allocate(1), true);
        assertThrows(IllegalStateException.class, () -> finished.write(ByteBuffer.allocate(1), false));
        SendStream reset = new SendStream(0, 1000, 1000);
        reset.reset(3, false);
        assertThrows(IllegalStateException.class, () -> reset.write(ByteBuffer.allocate(1), false));
        SendStream stopped = new SendStream(0, 1000, 1000);
        stopped.reset(9, true);
        StreamResetException e = assertThrows(StreamResetException.class,
                () -> stopped.write(ByteBuffer.allocate(1), false));
        assertEquals(9, e.errorCode());
    }

    @Test
    void finIsQueuedOnlyWhenEveryByteWasTaken() throws Exception {
        SendStream s = new SendStream(0, 10, 1000);
        ByteBuffer src = ByteBuffer.allocate(15);
        assertEquals(10, s.write(src, true));
        assertFalse(s.isFinished());
        s.onFrameSent(0, 10, false);
        s.onFrameAcked(0, 10, false);
        assertEquals(5, s.write(src, true));
        assertTrue(s.isFinished());
        assertEquals(15, s.finalSize());
    }

    @Test
    void theStreamLimitBoundsNewDataAndIsReportedOncePerValue() throws Exception {
        SendStream s = new SendStream(0, 1000, 100);
        s.write(ByteBuffer.allocate(300), false);
        assertEquals(100, s.newDataAllowed());
        s.onFrameSent(0, 100, false);
        assertEquals(0, s.newDataAllowed());
        assertTrue(s.isBlockedByStreamLimit());
        assertTrue(s.takeBlockedReport());
        assertFalse(s.takeBlockedReport());
        assertFalse(s.onMaxStreamData(50), "a lower limit is ignored");
        assertTrue(s.onMaxStreamData(200));
        assertEquals(100, s.newDataAllowed());
        s.onFrameSent(100, 100, false);
        assertTrue(s.takeBlockedReport(), "a new limit may be reported again");
        assertEquals(200, s.blockedAt());
    }
}
