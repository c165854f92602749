package qsock.core.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import org.junit.jupiter.api.Test;
import qsock.core.error.TransportErrorCode;
import qsock.core.testing.Properties;
import qsock.core.wire.ConnectionId;
import qsock.core.wire.VarInt;

/** Frame records refuse values that cannot be sent, and compare by content. */
class FrameRecordsTest {

    private static final long MAX = VarInt.MAX_VALUE;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final byte[] TOKEN = new byte[16];

    @Test
    void varintFieldsRefuseValuesOutsideTheVarintRange() {
        for (long bad : new long[] {-1, MAX + 1, Long.MIN_VALUE}) {
            assertThrows(IllegalArgumentException.class, () -> new ResetStreamFrame(bad, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> new ResetStreamFrame(0, bad, 0));
            assertThrows(IllegalArgumentException.class, () -> new ResetStreamFrame(0, 0, bad));
            assertThrows(IllegalArgumentException.class, () -> new StopSendingFrame(bad, 0));
            assertThrows(IllegalArgumentException.class, () -> new StopSendingFrame(0, bad));
            assertThrows(IllegalArgumentException.class, () -> new MaxDataFrame(bad));
            assertThrows(IllegalArgumentException.class, () -> new MaxStreamDataFrame(bad, 0));
            assertThrows(IllegalArgumentException.class, () -> new MaxStreamDataFrame(0, bad));
            assertThrows(IllegalArgumentException.class, () -> new DataBlockedFrame(bad));
            assertThrows(IllegalArgumentException.class, () -> new StreamDataBlockedFrame(bad, 0));
            assertThrows(IllegalArgumentException.class, () -> new StreamDataBlockedFrame(0, bad));
            assertThrows(IllegalArgumentException.class, () -> new RetireConnectionIdFrame(bad));
            assertThrows(IllegalArgumentException.class, () -> new StreamFrame(bad, 0, EMPTY, false));
            assertThrows(IllegalArgumentException.class, () -> new StreamFrame(0, bad, EMPTY, false));
            assertThrows(IllegalArgumentException.class, () -> new CryptoFrame(bad, EMPTY));
            assertThrows(IllegalArgumentException.class,
                    () -> new ConnectionCloseFrame(TransportErrorCode.NO_ERROR, bad, EMPTY));
            assertThrows(IllegalArgumentException.class, () -> new ApplicationCloseFrame(bad, EMPTY));
            assertThrows(IllegalArgumentException.class, () -> new AckFrame.EcnCounts(bad, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> new AckFrame(bad, new long[] {0, 0}, null));
            assertThrows(IllegalArgumentException.class,
                    () -> new NewConnectionIdFrame(bad, 0, ConnectionId.ofHex("aa"), TOKEN));
        }
    }

    @Test
    void dataMayNotEndPast2To62Minus1() {
        ByteBuffer one = ByteBuffer.wrap(new byte[1]);
        assertThrows(IllegalArgumentException.class, () -> new StreamFrame(0, MAX, one, false));
        assertThrows(IllegalArgumentException.class, () -> new CryptoFrame(MAX, one));
        assertEquals(MAX, new StreamFrame(0, MAX - 1, one, true).endOffset());
        assertEquals(MAX, new CryptoFrame(MAX, EMPTY).endOffset());
    }

    @Test
    void streamCountsStopAt2To60() {
        assertThrows(IllegalArgumentException.class, () -> new MaxStreamsFrame(true, (1L << 60) + 1));
        assertThrows(IllegalArgumentException.class, () -> new StreamsBlockedFrame(false, (1L << 60) + 1));
        assertThrows(IllegalArgumentException.class, () -> new MaxStreamsFrame(true, -1));
        assertEquals(1L << 60, new MaxStreamsFrame(false, 1L << 60).maximumStreams());
    }

    @Test
    void newConnectionIdRefusesWhatRfc9000Section19_15Forbids() {
        ConnectionId cid = ConnectionId.ofHex("aabb");
        assertThrows(IllegalArgumentException.class, () -> new NewConnectionIdFrame(1, 2, cid, TOKEN));
        assertThrows(IllegalArgumentException.class, () -> new NewConnectionIdFrame(1, 0, ConnectionId.EMPTY, TOKEN));
        assertThrows(IllegalArgumentException.class, () -> new NewConnectionIdFrame(1, 0, cid, new byte[15]));
        assertThrows(IllegalArgumentException.class, () -> new NewConnectionIdFrame(1, 0, cid, new byte[17]));
    }

    @Test
    void newConnectionIdCopiesItsTokenInAndOut() {
        byte[] token = new byte[16];
        NewConnectionIdFrame f = new NewConnectionIdFrame(1, 0, ConnectionId.ofHex("aabb"), token);
        token[0] = 1;
        f.statelessResetToken()[1] = 1;
        assertEquals(0, f.statelessResetTokenByte(0));
        assertEquals(0, f.statelessResetTokenByte(1));
        assertEquals(f, new NewConnectionIdFrame(1, 0, ConnectionId.ofHex("aabb"), new byte[16]));
        assertEquals(f.hashCode(), new NewConnectionIdFrame(1, 0, ConnectionId.ofHex("aabb"), new byte[16]).hashCode());
        assertNotEquals(f, new NewConnectionIdFrame(1, 0, ConnectionId.ofHex("aabb"), token));
        assertTrue(f.toString().contains("00000000000000000000000000000000"), f.toString());
    }

    @Test
    void otherRefusals() {
        assertThrows(IllegalArgumentException.class, () -> new PaddingFrame(0));
        assertThrows(IllegalArgumentException.class, () -> new NewTokenFrame(EMPTY));
        assertThrows(NullPointerException.class, () -> new StreamFrame(0, 0, null, false));
        assertThrows(NullPointerException.class, () -> new ConnectionCloseFrame(null, 0, EMPTY));
    }

    @Test
    void aFrameHoldsTheBytesBetweenPositionAndLimitAtConstruction() {
        byte[] array = {9, 1, 2, 3, 9};
        ByteBuffer src = ByteBuffer.wrap(array, 1, 3);
        StreamFrame f = new StreamFrame(0, 0, src, false);
        assertEquals(3, f.length());
        assertEquals(new StreamFrame(0, 0, ByteBuffer.wrap(new byte[] {1, 2, 3}), false), f);
        // No copy: the view shares the array, and it is read-only.
        array[2] = 7;
        assertEquals(7, f.data().get(1));
        assertThrows(ReadOnlyBufferException.class, () -> f.data().put(0, (byte) 0));
    }

    @Test
    void readingTheDataWithRelativeGetsDoesNotChangeTheFrame() {
        DatagramFrame f = new DatagramFrame(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        DatagramFrame same = new DatagramFrame(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        int hash = f.hashCode();
        ByteBuffer read = f.data();
        read.get();
        read.limit(2);
        assertEquals(0, f.data().position());
        assertEquals(3, f.data().limit());
        assertEquals(same, f);
        assertEquals(hash, f.hashCode());
        assertEquals(3, f.length());
        ByteBuffer out = ByteBuffer.allocate(5);
        FrameEncoder.encode(out, f);
        assertEquals(5, out.position());
        assertEquals(3, out.get(4));
    }

    @Test
    void equalFramesHaveEqualHashCodesAndDifferentContentIsUnequal() {
        Properties.forAll(r -> r, r -> {
            int kind = r.nextInt(FrameGenerators.KINDS);
            long seed = r.nextLong();
            Frame a = FrameGenerators.frame(new java.util.SplittableRandom(seed), kind);
            Frame b = FrameGenerators.frame(new java.util.SplittableRandom(seed), kind);
            assertEquals(a, b);
            assertEquals(a.hashCode(), b.hashCode());
            assertEquals(a.toString(), b.toString());
        });
        ByteBuffer ab = ByteBuffer.wrap(new byte[] {1, 2});
        ByteBuffer ac = ByteBuffer.wrap(new byte[] {1, 3});
        assertNotEquals(new CryptoFrame(0, ab), new CryptoFrame(0, ac));
        assertNotEquals(new CryptoFrame(0, ab), new CryptoFrame(1, ab));
        assertNotEquals(new StreamFrame(0, 0, ab, false), new StreamFrame(0, 0, ab, true));
        assertNotEquals(NewTokenFrame.of(new byte[] {1}), NewTokenFrame.of(new byte[] {1, 0}));
        assertNotEquals(ConnectionCloseFrame.of(TransportErrorCode.NO_ERROR, 0, "a"),
                ConnectionCloseFrame.of(TransportErrorCode.NO_ERROR, 0, "b"));
        assertNotEquals(ApplicationCloseFrame.of(1, "a"), ApplicationCloseFrame.of(2, "a"));
    }

    @Test
    void toStringShowsTheBytesAndElidesLongData() {
        assertEquals("DatagramFrame[length=2, data=0102]",
                new DatagramFrame(ByteBuffer.wrap(new byte[] {1, 2})).toString());
        String s = new CryptoFrame(5, ByteBuffer.allocate(100)).toString();
        assertTrue(s.startsWith("CryptoFrame[offset=5, length=100, data=" + "00".repeat(32) + "...(100 bytes)"), s);
        assertEquals("AckFrame[ackDelay=3, ranges=7..9,5..5,0..2, ecnCounts=null]",
                AckFrame.of(3, 9, 7, 5, 5, 2, 0).toString());
    }

    @Test
    void reasonPhrasesDecodeAsUtf8() {
        ConnectionCloseFrame f = ConnectionCloseFrame.of(TransportErrorCode.PROTOCOL_VIOLATION, 0x08, "stream \u00e9");
        assertEquals("stream \u00e9", f.reason());
        assertEquals(9, f.reasonPhrase().capacity());
        // Malformed UTF-8 from a peer is replaced, not thrown.
        ApplicationCloseFrame bad = new ApplicationCloseFrame(0, ByteBuffer.wrap(new byte[] {(byte) 0xff, 'a'}));
        assertEquals("\ufffda", bad.reason());
    }
}
