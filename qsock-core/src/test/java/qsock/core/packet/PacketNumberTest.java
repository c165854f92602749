package qsock.core.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import qsock.core.testing.Properties;

class PacketNumberTest {

    // RFC 9000 Appendix A.3 example.
    @Test
    void decodesTheRfcExample() {
        assertEquals(0xa82f9b32L, PacketNumber.decode(0xa82f30eaL, 0x9b32, 2));
    }

    // RFC 9000 §17.1 examples: 0xac5c02 is sent in 2 bytes when 0xabe8b3 is acknowledged, 0xace8fe in 3.
    @Test
    void choosesTheLengthsOfTheRfcExamples() {
        assertEquals(2, PacketNumber.encodedLength(0xac5c02L, 0xabe8b3L));
        assertEquals(3, PacketNumber.encodedLength(0xace8feL, 0xabe8b3L));
    }

    @Test
    void firstPacketsNeedOneByte() {
        assertEquals(1, PacketNumber.encodedLength(0, PacketNumber.NONE));
        assertEquals(1, PacketNumber.decode(PacketNumber.NONE, 1, 1));
        assertEquals(0, PacketNumber.decode(PacketNumber.NONE, 0, 1));
    }

    @Test
    void decodeNeverGoesPastTheLargestPacketNumber() {
        assertEquals(PacketNumber.MAX, PacketNumber.decode(PacketNumber.MAX - 1, 0xffffffffL, 4));
    }

    @Test
    void truncatedNumbersRecoverWhenInFlightStaysWithinTheWindow() {
        Properties.forAll(r -> {
            boolean anyAcked = r.nextInt(4) != 0;
            long largestAcked = anyAcked ? r.nextLong(1L << 40) : PacketNumber.NONE;
            // The sender may send anything after largestAcked, up to 2^30 packets ahead.
            long pn = largestAcked + 1 + r.nextLong(1L << r.nextInt(1, 31));
            // The receiver has seen something from largestAcked up to pn - 1 (NONE if nothing yet).
            long largestReceived = largestAcked + r.nextLong(pn - largestAcked);
            return new long[] {pn, largestAcked, largestReceived};
        }, c -> {
            long pn = c[0];
            int len = PacketNumber.encodedLength(pn, c[1]);
            long truncated = pn & ((1L << (8 * len)) - 1);
            assertEquals(pn, PacketNumber.decode(c[2], truncated, len),
                    () -> "pn=" + pn + " acked=" + c[1] + " received=" + c[2] + " len=" + len);
        });
    }
}
