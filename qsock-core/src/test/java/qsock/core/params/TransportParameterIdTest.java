package qsock.core.params;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;
import qsock.core.wire.VarInt;

class TransportParameterIdTest {

    @Test
    void codePointsAreTheRegisteredOnes() {
        // RFC 9000 §18.2 and §22.3, RFC 9368 §8.1, RFC 9221 §5.1, RFC 9287 §5.
        long[] expected = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
            0x0e, 0x0f, 0x10, 0x11, 0x20, 0x2ab2};
        TransportParameterId[] ids = TransportParameterId.values();
        assertEquals(expected.length, ids.length);
        for (int i = 0; i < ids.length; i++) {
            assertEquals(expected[i], ids[i].code(), ids[i].rfcName());
            assertSame(ids[i], TransportParameterId.fromCode(expected[i]));
        }
        assertEquals("max_udp_payload_size", TransportParameterId.MAX_UDP_PAYLOAD_SIZE.rfcName());
        assertEquals("grease_quic_bit", TransportParameterId.GREASE_QUIC_BIT.rfcName());
    }

    @Test
    void unknownCodesHaveNoConstant() {
        for (long code : new long[] {0x12, 0x1f, 0x21, 0x2ab1, 0x2ab3, 27, VarInt.MAX_VALUE, -1}) {
            assertNull(TransportParameterId.fromCode(code), Long.toHexString(code));
        }
    }

    @Test
    void defaultsAreTheRfcs() {
        assertEquals(65_527, TransportParameterId.MAX_UDP_PAYLOAD_SIZE.defaultValue());
        assertEquals(3, TransportParameterId.ACK_DELAY_EXPONENT.defaultValue());
        assertEquals(25, TransportParameterId.MAX_ACK_DELAY.defaultValue());
        assertEquals(2, TransportParameterId.ACTIVE_CONNECTION_ID_LIMIT.defaultValue());
        assertEquals(0, TransportParameterId.MAX_IDLE_TIMEOUT.defaultValue());
        assertEquals(0, TransportParameterId.MAX_DATAGRAM_FRAME_SIZE.defaultValue());
        assertThrows(IllegalStateException.class, TransportParameterId.PREFERRED_ADDRESS::defaultValue);
    }

    @Test
    void reservedIdsAre31NPlus27() {
        assertTrue(TransportParameterId.isReserved(27));
        assertTrue(TransportParameterId.isReserved(58));
        assertTrue(TransportParameterId.isReserved(31L * 1_000_000 + 27));
        assertFalse(TransportParameterId.isReserved(26));
        assertFalse(TransportParameterId.isReserved(28));
        assertFalse(TransportParameterId.isReserved(0));
        assertFalse(TransportParameterId.isReserved(-4));
        for (TransportParameterId id : TransportParameterId.values()) {
            assertFalse(TransportParameterId.isReserved(id.code()), id.rfcName());
        }
    }

    @Test
    void reservedMakesReservedIds() {
        Properties.forAll(r -> r.nextLong((VarInt.MAX_VALUE - 27) / 31 + 1), n -> {
            long id = TransportParameterId.reserved(n);
            assertTrue(TransportParameterId.isReserved(id));
            assertTrue(id <= VarInt.MAX_VALUE);
            assertEquals(n, (id - 27) / 31);
        });
        assertThrows(IllegalArgumentException.class, () -> TransportParameterId.reserved(-1));
        assertThrows(IllegalArgumentException.class,
                () -> TransportParameterId.reserved((VarInt.MAX_VALUE - 27) / 31 + 1));
    }

    @Test
    void isReservedAgreesWithTheDefinitionOnAnyVarint() {
        Properties.forAll(Generators::varint, code ->
                assertEquals(code >= 27 && (code - 27) % 31 == 0, TransportParameterId.isReserved(code)));
    }
}
