package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.testing.Properties;

class StreamIdTest {

    // RFC 9000 §2.1, Table 1: the four stream types.
    @Test
    void theTwoLowBitsNameInitiatorAndDirection() {
        assertEquals(0, StreamId.of(Role.CLIENT, true, 0));
        assertEquals(1, StreamId.of(Role.SERVER, true, 0));
        assertEquals(2, StreamId.of(Role.CLIENT, false, 0));
        assertEquals(3, StreamId.of(Role.SERVER, false, 0));
        assertEquals(4, StreamId.of(Role.CLIENT, true, 1));
        assertTrue(StreamId.isClientInitiated(0));
        assertFalse(StreamId.isClientInitiated(1));
        assertTrue(StreamId.isBidirectional(1));
        assertFalse(StreamId.isBidirectional(2));
        assertEquals(1, StreamId.index(7));
    }

    @Test
    void sendAndReceiveDirectionsFollowTheInitiator() {
        long clientUni = StreamId.of(Role.CLIENT, false, 3);
        assertTrue(StreamId.canSend(clientUni, Role.CLIENT));
        assertFalse(StreamId.canReceive(clientUni, Role.CLIENT));
        assertFalse(StreamId.canSend(clientUni, Role.SERVER));
        assertTrue(StreamId.canReceive(clientUni, Role.SERVER));
        long serverBidi = StreamId.of(Role.SERVER, true, 3);
        assertTrue(StreamId.canSend(serverBidi, Role.CLIENT) && StreamId.canReceive(serverBidi, Role.CLIENT));
    }

    @Test
    void ofRoundTripsThroughTheAccessors() {
        Properties.forAll(r -> new Object[] {r.nextBoolean(), r.nextBoolean(), r.nextLong(StreamId.MAX_INDEX + 1)},
                in -> {
                    Role role = (Boolean) in[0] ? Role.CLIENT : Role.SERVER;
                    boolean bidi = (Boolean) in[1];
                    long index = (Long) in[2];
                    long id = StreamId.of(role, bidi, index);
                    assertEquals(role == Role.CLIENT, StreamId.isClientInitiated(id));
                    assertTrue(StreamId.isInitiatedBy(id, role));
                    assertEquals(bidi, StreamId.isBidirectional(id));
                    assertEquals(index, StreamId.index(id));
                    assertTrue(id >= 0 && id <= (1L << 62) - 1);
                });
    }

    @Test
    void refusesIndicesOutsideSixtyBits() {
        assertThrows(IllegalArgumentException.class, () -> StreamId.of(Role.CLIENT, true, -1));
        assertThrows(IllegalArgumentException.class, () -> StreamId.of(Role.CLIENT, true, 1L << 60));
    }
}
