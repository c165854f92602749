package qsock.core.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import qsock.core.testing.Properties;
import qsock.core.wire.VarInt;

/** The hot-path writers agree with the record encoder, and every writer refuses what it cannot encode. */
class FrameEncoderTest {

    private static final long MAX = VarInt.MAX_VALUE;

    private static byte[] encode(Frame frame, boolean endsPacket) {
        ByteBuffer buf = ByteBuffer.allocate(FrameEncoder.encodedLength(frame, endsPacket));
        FrameEncoder.encode(buf, frame, endsPacket);
        return buf.array();
    }

    private static String hex(ByteBuffer buf) {
        return HexFormat.of().formatHex(buf.array(), 0, buf.position());
    }

    @Test
    void streamHeaderPlusDataEqualsTheEncodedStreamFrame() {
        Properties.forAll(r -> (StreamFrame) FrameGenerators.frame(r, 7), f -> {
            for (boolean withLength : new boolean[] {true, false}) {
                ByteBuffer buf = ByteBuffer.allocate(2000);
                int header = FrameEncoder.writeStreamHeader(buf, f.streamId(), f.offset(), f.length(), f.fin(),
                        withLength);
                assertEquals(FrameEncoder.streamHeaderLength(f.streamId(), f.offset(), f.length(), withLength), header);
                assertEquals(header, buf.position());
                buf.put(f.data().duplicate().clear());
                assertArrayEquals(encode(f, !withLength), Arrays.copyOf(buf.array(), buf.position()));
            }
        });
    }

    @Test
    void cryptoHeaderPlusDataEqualsTheEncodedCryptoFrame() {
        Properties.forAll(r -> (CryptoFrame) FrameGenerators.frame(r, 5), f -> {
            ByteBuffer buf = ByteBuffer.allocate(2000);
            int header = FrameEncoder.writeCryptoHeader(buf, f.offset(), f.length());
            assertEquals(FrameEncoder.cryptoHeaderLength(f.offset(), f.length()), header);
            assertEquals(header, buf.position());
            buf.put(f.data().duplicate().clear());
            assertArrayEquals(encode(f, false), Arrays.copyOf(buf.array(), buf.position()));
        });
    }

    @Test
    void datagramHeaderPlusDataEqualsTheEncodedDatagramFrame() {
        Properties.forAll(r -> (DatagramFrame) FrameGenerators.frame(r, 21), f -> {
            for (boolean withLength : new boolean[] {true, false}) {
                ByteBuffer buf = ByteBuffer.allocate(2000);
                int header = FrameEncoder.writeDatagramHeader(buf, f.length(), withLength);
                assertEquals(FrameEncoder.datagramHeaderLength(f.length(), withLength), header);
                assertEquals(header, buf.position());
                buf.put(f.data().duplicate().clear());
                assertArrayEquals(encode(f, !withLength), Arrays.copyOf(buf.array(), buf.position()));
            }
        });
    }

    @Test
    void ackWriterUsesTheFirstRangesOfAReusedArray() {
        Properties.forAll(FrameGenerators::ack, f -> {
            long[] ranges = f.ranges();
            // The sender's array is larger than the frame and holds stale values past rangeCount.
            long[] reused = Arrays.copyOf(ranges, ranges.length + 6);
            Arrays.fill(reused, ranges.length, reused.length, -7);
            ByteBuffer buf = ByteBuffer.allocate(2000);
            int written;
            int expectedLength;
            AckFrame.EcnCounts ecn = f.ecnCounts();
            if (ecn == null) {
                written = FrameEncoder.writeAckFrame(buf, f.ackDelay(), reused, f.rangeCount());
                expectedLength = FrameEncoder.ackFrameLength(f.ackDelay(), reused, f.rangeCount());
            } else {
                written = FrameEncoder.writeAckEcnFrame(buf, f.ackDelay(), reused, f.rangeCount(), ecn.ect0(),
                        ecn.ect1(), ecn.ecnCe());
                expectedLength = FrameEncoder.ackEcnFrameLength(f.ackDelay(), reused, f.rangeCount(), ecn.ect0(),
                        ecn.ect1(), ecn.ecnCe());
            }
            assertEquals(expectedLength, written);
            assertEquals(written, buf.position());
            assertArrayEquals(encode(f, false), Arrays.copyOf(buf.array(), written));
        });
    }

    @Test
    void ackWriterCanSendFewerRangesThanItHas() {
        ByteBuffer buf = ByteBuffer.allocate(64);
        // Of 9-7, 5-5, 2-0 send only the two highest.
        FrameEncoder.writeAckFrame(buf, 3, new long[] {9, 7, 5, 5, 2, 0}, 2);
        assertEquals("02 09 03 01 02 00 00".replace(" ", ""), hex(buf));
    }

    @Test
    void paddingWriterWritesZeros() {
        ByteBuffer buf = ByteBuffer.allocate(8);
        buf.put(0, new byte[] {9, 9, 9, 9, 9, 9, 9, 9});
        buf.position(1);
        FrameEncoder.writePadding(buf, 5);
        assertEquals(6, buf.position());
        assertEquals("090000000000", hex(buf));
        FrameEncoder.writePadding(buf, 0);
        assertEquals(6, buf.position());
    }

    @Test
    void framesThatDoNotFitOverflowWithoutWritingAnything() {
        Properties.forAll(FrameGenerators::frame, f -> {
            int length = FrameEncoder.encodedLength(f);
            ByteBuffer buf = ByteBuffer.allocate(length + 4);
            buf.position(4);
            buf.limit(4 + length - 1);
            assertThrows(BufferOverflowException.class, () -> FrameEncoder.encode(buf, f));
            assertEquals(4, buf.position());
            assertArrayEquals(new byte[length + 4], buf.array());
        });
    }

    @Test
    void headerWritersOverflowWithoutWritingAnything() {
        ByteBuffer buf = ByteBuffer.allocate(3);
        assertThrows(BufferOverflowException.class, () -> FrameEncoder.writeStreamHeader(buf, 4, 64, 10, false, true));
        assertThrows(BufferOverflowException.class, () -> FrameEncoder.writeCryptoHeader(buf, 1 << 20, 10));
        assertThrows(BufferOverflowException.class, () -> FrameEncoder.writeAckFrame(buf, 0, new long[] {100, 100}, 1));
        assertThrows(BufferOverflowException.class, () -> FrameEncoder.writePadding(buf, 4));
        buf.position(2);
        assertThrows(BufferOverflowException.class, () -> FrameEncoder.writeDatagramHeader(buf, 64, true));
        assertEquals(2, buf.position());
        assertArrayEquals(new byte[3], buf.array());
    }

    @Test
    void streamHeaderWriterRefusesWhatCannotBeEncoded() {
        ByteBuffer buf = ByteBuffer.allocate(64);
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeStreamHeader(buf, -1, 0, 0, false, true));
        assertThrows(IllegalArgumentException.class,
                () -> FrameEncoder.writeStreamHeader(buf, MAX + 1, 0, 0, false, true));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeStreamHeader(buf, 0, -1, 0, false, true));
        // RFC 9000 §19.8: offset + length may not exceed 2^62-1.
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeStreamHeader(buf, 0, MAX, 1, false, true));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeStreamHeader(buf, 0, 0, -1, false, true));
        assertEquals(0, buf.position());
        FrameEncoder.writeStreamHeader(buf, 0, MAX, 0, true, true);
    }

    @Test
    void cryptoAndDatagramHeaderWritersRefuseWhatCannotBeEncoded() {
        ByteBuffer buf = ByteBuffer.allocate(64);
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeCryptoHeader(buf, MAX - 1, 2));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeCryptoHeader(buf, -1, 2));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeCryptoHeader(buf, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeDatagramHeader(buf, -1, true));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writePadding(buf, -1));
        assertEquals(0, buf.position());
    }

    @Test
    void ackWriterRefusesRangesThatBreakTheLayout() {
        ByteBuffer buf = ByteBuffer.allocate(64);
        long[][] bad = {
            {},                // no range
            {5, 6},            // smallest above largest
            {5, 3, 2, 0},      // no gap between 3 and 2: would be one range
            {5, 3, 4, 0},      // second range above the first
            {5, -1},           // below packet number 0
            {MAX + 1, 0},      // beyond 2^62-1
        };
        for (long[] ranges : bad) {
            assertThrows(IllegalArgumentException.class,
                    () -> FrameEncoder.writeAckFrame(buf, 0, ranges, Math.max(1, ranges.length / 2)),
                    Arrays.toString(ranges));
        }
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeAckFrame(buf, 0, new long[] {5, 0}, 2));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeAckFrame(buf, 0, new long[] {5, 0}, 0));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeAckFrame(buf, -1, new long[] {5, 0}, 1));
        assertThrows(IllegalArgumentException.class,
                () -> FrameEncoder.writeAckEcnFrame(buf, 0, new long[] {5, 0}, 1, 0, -1, 0));
        assertEquals(0, buf.position());
        // A gap of exactly one unacknowledged packet is the smallest there is.
        FrameEncoder.writeAckFrame(buf, 0, new long[] {5, 3, 1, 0}, 2);
        assertEquals("02 05 00 01 02 00 01".replace(" ", ""), hex(buf));
    }

    @Test
    void encodedLengthIsExactForEveryFrame() {
        Properties.forAll(r -> r, r -> {
            Frame f = FrameGenerators.frame(r);
            boolean endsPacket = r.nextBoolean();
            ByteBuffer buf = ByteBuffer.allocate(4000);
            assertEquals(FrameEncoder.encodedLength(f, endsPacket), FrameEncoder.encode(buf, f, endsPacket));
            assertEquals(FrameEncoder.encodedLength(f, endsPacket), buf.position());
        });
    }

    @Test
    void encodingUsesMinimalVarints() {
        long[] values = {0, 63, 64, 16383, 16384, (1L << 30) - 1, 1L << 30, MAX};
        int[] sizes = {1, 1, 2, 2, 4, 4, 8, 8};
        for (int i = 0; i < values.length; i++) {
            assertEquals(1 + sizes[i], FrameEncoder.encodedLength(new MaxDataFrame(values[i])));
            assertEquals(1 + sizes[i] + 1 + 1, FrameEncoder.encodedLength(new ResetStreamFrame(values[i], 0, 0)));
        }
    }
}
