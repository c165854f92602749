package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;

class SendBufferTest {

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    private static byte[] read(SendBuffer b, long offset, int length) {
        ByteBuffer dst = ByteBuffer.allocate(length);
        b.write(dst, offset, length);
        return dst.array();
    }

    @Test
    void storageGrowsWithTheBytesAndIsKeptForReuseOnlyUntilTheBufferIsFinished() {
        SendBuffer b = new SendBuffer(1 << 20);
        assertEquals(0, b.chunksHeld(), "a new buffer holds no storage, whatever its capacity");
        fillAndDrain(b);
        // Drained but not finished: the chunks wait for the next writes, which then allocate nothing.
        assertEquals(64, b.chunksHeld());
        fillAndDrain(b);
        assertEquals(64, b.chunksHeld());
        b.append(ByteBuffer.allocate(100 << 10));
        b.finish();
        assertTrue(b.chunksHeld() <= 7, "a finished buffer keeps only the chunks its data is in: " + b.chunksHeld());
        long end = b.writeOffset();
        b.onSent(b.sendOffset(), (int) (end - b.sendOffset()));
        b.onAcked(0, (int) end);
        assertTrue(b.chunksHeld() <= 1, "a finished, acknowledged buffer holds at most the chunk its end is in");

        SendBuffer reset = new SendBuffer(1 << 20);
        fillAndDrain(reset);
        reset.append(ByteBuffer.allocate(1000));
        reset.discard();
        assertEquals(0, reset.chunksHeld(), "a discarded buffer holds nothing");
    }

    /** Appends 1 MiB (64 chunks of 16 KiB), sends it, and acknowledges it 64 KiB at a time. */
    private static void fillAndDrain(SendBuffer b) {
        long start = b.writeOffset();
        assertEquals(1 << 20, b.append(ByteBuffer.allocate(1 << 20)));
        for (long off = start; off < start + (1 << 20); off += 64 << 10) {
            b.onSent(off, 64 << 10);
            b.onAcked(off, 64 << 10);
        }
        assertTrue(b.allAcked());
    }

    @Test
    void appendTakesNoMoreThanItsMaximum() {
        SendBuffer b = new SendBuffer(1000);
        ByteBuffer src = ByteBuffer.wrap(bytes(800));
        assertEquals(300, b.append(src, 300));
        assertEquals(0, b.append(src, 0));
        assertEquals(500, b.append(src, Integer.MAX_VALUE));
        assertEquals(800, b.held());
    }

    @Test
    void appendTakesOnlyWhatFitsAndAckFreesRoom() {
        SendBuffer b = new SendBuffer(1000);
        ByteBuffer src = ByteBuffer.wrap(bytes(1500));
        assertEquals(1000, b.append(src));
        assertEquals(500, src.remaining());
        assertEquals(0, b.available());
        assertEquals(0, b.append(src));
        b.onSent(0, 600);
        assertTrue(b.onAcked(0, 400));
        assertEquals(400, b.available());
        assertEquals(400, b.append(src));
        assertEquals(1400, b.writeOffset());
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes(1500), 400, 1400), read(b, 400, 1000));
    }

    @Test
    void newDataIsOfferedInOrder() {
        SendBuffer b = new SendBuffer(100);
        assertEquals(-1, b.nextSendOffset());
        b.append(ByteBuffer.wrap(bytes(50)));
        assertEquals(0, b.nextSendOffset());
        assertEquals(50, b.nextSendEnd());
        b.onSent(0, 20);
        assertEquals(20, b.nextSendOffset());
        b.onSent(20, 30);
        assertEquals(-1, b.nextSendOffset());
        assertThrows(IllegalArgumentException.class, () -> b.onSent(60, 1));
    }

    @Test
    void lostRangesGoBeforeNewDataLowestFirst() {
        SendBuffer b = new SendBuffer(1000);
        b.append(ByteBuffer.wrap(bytes(1000)));
        b.onSent(0, 100);
        b.onSent(100, 100);
        b.onSent(200, 100);
        b.onLost(200, 100);
        b.onLost(0, 100);
        assertEquals(0, b.nextSendOffset());
        assertEquals(100, b.nextSendEnd());
        b.onSent(0, 60);
        assertEquals(60, b.nextSendOffset());
        assertEquals(100, b.nextSendEnd());
        b.onSent(60, 40);
        assertEquals(200, b.nextSendOffset());
        b.onSent(200, 100);
        assertEquals(300, b.nextSendOffset(), "then new data");
        assertFalse(b.hasLost());
    }

    @Test
    void lossSkipsBytesAlreadyAcknowledged() {
        SendBuffer b = new SendBuffer(1000);
        b.append(ByteBuffer.wrap(bytes(300)));
        b.onSent(0, 300);
        b.onAcked(100, 50);
        b.onLost(0, 300);
        assertEquals(0, b.nextSendOffset());
        assertEquals(100, b.nextSendEnd());
        b.onSent(0, 100);
        assertEquals(150, b.nextSendOffset());
        assertEquals(300, b.nextSendEnd());
    }

    @Test
    void aLateAckOfARangeDeclaredLostCancelsItsRetransmission() {
        SendBuffer b = new SendBuffer(1000);
        b.append(ByteBuffer.wrap(bytes(200)));
        b.onSent(0, 200);
        b.onLost(100, 100);
        b.onAcked(100, 100);
        assertFalse(b.hasLost());
        assertEquals(-1, b.nextSendOffset());
        b.onAcked(0, 100);
        assertTrue(b.allAcked());
    }

    @Test
    void outOfOrderAcksFreeOnlyTheContiguousPrefix() {
        SendBuffer b = new SendBuffer(300);
        b.append(ByteBuffer.wrap(bytes(300)));
        b.onSent(0, 300);
        assertFalse(b.onAcked(200, 100));
        assertFalse(b.onAcked(100, 50));
        assertEquals(0, b.ackedOffset());
        assertTrue(b.onAcked(0, 100));
        assertEquals(150, b.ackedOffset());
        assertTrue(b.onAcked(150, 50));
        assertEquals(300, b.ackedOffset());
        assertTrue(b.allAcked());
        assertEquals(300, b.available());
        assertThrows(IllegalArgumentException.class, () -> b.write(ByteBuffer.allocate(10), 290, 10));
    }

    @Test
    void ackFragmentationPastTheCapFallsBackToResending() {
        SendBuffer b = new SendBuffer(10_000, 4);
        b.append(ByteBuffer.wrap(bytes(10_000)));
        b.onSent(0, 10_000);
        // Acknowledge every other 100-byte piece: more ranges than the cap of 4.
        for (int off = 100; off < 2000; off += 200) {
            b.onAcked(off, 100);
        }
        // Nothing may be stuck: all gaps and forgotten acks are resent when declared lost, and acking all
        // of what is then resent completes the stream.
        b.onLost(0, 10_000);
        int guard = 0;
        while (b.nextSendOffset() >= 0 && guard++ < 1000) {
            long off = b.nextSendOffset();
            int len = (int) (b.nextSendEnd() - off);
            b.onSent(off, len);
            b.onAcked(off, len);
        }
        assertTrue(b.allAcked(), b.toString());
    }

    /**
     * Under any interleaving of sends, acks and losses, the bytes offered for sending are the appended
     * bytes, and acknowledging everything that is sent eventually frees all of it.
     */
    @Test
    void randomAckAndLossSequencesDeliverEveryByte() {
        Properties.forAll(200, r -> r.nextLong(), seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            int total = 1 + r.nextInt(20_000);
            byte[] data = Generators.bytes(r, total);
            SendBuffer b = new SendBuffer(1 + r.nextInt(8000), 1 + r.nextInt(8));
            ByteBuffer src = ByteBuffer.wrap(data);
            List<long[]> inFlight = new ArrayList<>();
            byte[] seen = new byte[total];
            int steps = 0;
            while (!(b.allAcked() && !src.hasRemaining()) && steps++ < 200_000) {
                b.append(src);
                long off = b.nextSendOffset();
                if (off >= 0 && r.nextInt(3) > 0) {
                    int len = (int) Math.min(b.nextSendEnd() - off, 1 + r.nextInt(1500));
                    byte[] chunk = read(b, off, len);
                    System.arraycopy(chunk, 0, seen, (int) off, len);
                    assertArrayEquals(java.util.Arrays.copyOfRange(data, (int) off, (int) off + len), chunk);
                    b.onSent(off, len);
                    inFlight.add(new long[] {off, len});
                } else if (!inFlight.isEmpty()) {
                    long[] p = inFlight.remove(r.nextInt(inFlight.size()));
                    if (r.nextInt(4) == 0) {
                        b.onLost(p[0], (int) p[1]);
                    } else {
                        b.onAcked(p[0], (int) p[1]);
                    }
                }
            }
            assertTrue(b.allAcked() && !src.hasRemaining(), "stuck: " + b);
            assertArrayEquals(data, seen);
        });
    }
}
