package qsock.interop.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import qsock.interop.support.PacketLog.Direction;

/** The relay rule of the amplificationlimit tests, on hand-made datagrams. */
class FirstAcksLostTest {
    private static final int INITIAL = 0xc0;
    private static final int HANDSHAKE = 0xe0;

    /** A long header packet of {@code type} (RFC 9000 §17.2) with a {@code payload}-byte protected remainder. */
    private static byte[] longPacket(int type, int token, int payload) {
        ByteBuffer b = ByteBuffer.allocate(64 + token + payload);
        b.put((byte) type).putInt(1);
        b.put((byte) 8).put(new byte[8]).put((byte) 4).put(new byte[4]);
        if (type == INITIAL) {
            b.put((byte) 0x40).put((byte) token).put(new byte[token]); // a two-byte varint
        }
        b.putShort((short) (0x4000 | payload)).put(new byte[payload]);
        return Arrays.copyOf(b.array(), b.position());
    }

    private static ByteBuffer datagram(byte[]... packets) {
        ByteBuffer b = ByteBuffer.allocate(Arrays.stream(packets).mapToInt(p -> p.length).sum());
        for (byte[] p : packets) {
            b.put(p);
        }
        return b.flip();
    }

    @Test
    void aHandshakePacketIsFoundAloneOrCoalescedBehindAnInitialWithAToken() {
        assertTrue(FirstAcksLost.carriesHandshakePacket(datagram(longPacket(HANDSHAKE, 0, 100))));
        assertTrue(FirstAcksLost.carriesHandshakePacket(
                datagram(longPacket(INITIAL, 20, 300), longPacket(HANDSHAKE, 0, 900))));
        assertFalse(FirstAcksLost.carriesHandshakePacket(datagram(longPacket(INITIAL, 0, 1100))));
        assertFalse(FirstAcksLost.carriesHandshakePacket(datagram(longPacket(INITIAL, 0, 100), new byte[] {0x40, 1})),
                "a short header after an Initial");
        assertFalse(FirstAcksLost.carriesHandshakePacket(ByteBuffer.wrap(new byte[] {(byte) 0xc0, 0, 0, 0, 1, 20})),
                "truncated");
        ByteBuffer d = datagram(longPacket(INITIAL, 0, 50), longPacket(HANDSHAKE, 0, 50));
        FirstAcksLost.carriesHandshakePacket(d);
        assertEquals(0, d.position(), "the datagram is left as it was");
    }

    @Test
    void theClientIsLostFromTheServersFirstAnswerUntilItsHandshakeFlightAndEnoughLosses() {
        FirstAcksLost rule = new FirstAcksLost(2, Duration.ZERO);
        ByteBuffer clientHello = datagram(longPacket(INITIAL, 0, 1100));
        ByteBuffer ack = datagram(longPacket(HANDSHAKE, 0, 30));
        assertFalse(rule.drop(Direction.TO_SERVER, clientHello));
        assertFalse(rule.drop(Direction.TO_CLIENT, datagram(longPacket(INITIAL, 0, 40))), "an early ACK");
        assertTrue(rule.drop(Direction.TO_SERVER, ack));
        assertTrue(rule.drop(Direction.TO_SERVER, ack));
        assertTrue(rule.drop(Direction.TO_SERVER, ack), "the server has not sent its Handshake flight yet");
        ByteBuffer flight = datagram(longPacket(INITIAL, 0, 100), longPacket(HANDSHAKE, 0, 900));
        assertFalse(rule.drop(Direction.TO_CLIENT, flight));
        assertFalse(rule.drop(Direction.TO_SERVER, ack), "relieved");
        assertFalse(rule.drop(Direction.TO_SERVER, ack));
        assertEquals(3, rule.lost());
        assertTrue(rule.relieved());
        assertEquals(clientHello.remaining(), rule.received());
        assertEquals(datagram(longPacket(INITIAL, 0, 40)).remaining() + flight.remaining(), rule.sentBeforeRelief());
    }
}
