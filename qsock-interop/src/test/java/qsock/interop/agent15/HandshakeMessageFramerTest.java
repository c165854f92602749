package qsock.interop.agent15;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.EncryptionLevel;
import tech.kwik.agent15.alert.DecodeErrorException;

/** The framer hands agent15 whole handshake messages per level, however the CRYPTO bytes arrive, and bounds them. */
class HandshakeMessageFramerTest {

    private static byte[] message(int type, int length) {
        byte[] m = new byte[4 + length];
        m[0] = (byte) type;
        m[1] = (byte) (length >>> 16);
        m[2] = (byte) (length >>> 8);
        m[3] = (byte) length;
        Arrays.fill(m, 4, m.length, (byte) type);
        return m;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    @Test
    void aMessageSplitOverReadsComesOutWhole() throws Exception {
        HandshakeMessageFramer framer = new HandshakeMessageFramer();
        byte[] certificate = message(11, 9000);

        framer.add(EncryptionLevel.HANDSHAKE, ByteBuffer.wrap(certificate, 0, 2));
        assertNull(framer.next(EncryptionLevel.HANDSHAKE));
        framer.add(EncryptionLevel.HANDSHAKE, ByteBuffer.wrap(certificate, 2, 5000));
        assertNull(framer.next(EncryptionLevel.HANDSHAKE));
        framer.add(EncryptionLevel.HANDSHAKE, ByteBuffer.wrap(certificate, 5002, certificate.length - 5002));

        assertArrayEquals(certificate, bytes(framer.next(EncryptionLevel.HANDSHAKE)));
        assertNull(framer.next(EncryptionLevel.HANDSHAKE));
    }

    @Test
    void messagesInOneReadComeOutOneByOneAndLevelsStayApart() throws Exception {
        HandshakeMessageFramer framer = new HandshakeMessageFramer();
        byte[] encryptedExtensions = message(8, 30);
        byte[] finished = message(20, 32);
        byte[] serverHello = message(2, 90);
        ByteBuffer flight = ByteBuffer.allocate(encryptedExtensions.length + finished.length + 3)
                .put(encryptedExtensions).put(finished).put(message(15, 70), 0, 3).flip();

        framer.add(EncryptionLevel.HANDSHAKE, flight);
        framer.add(EncryptionLevel.INITIAL, ByteBuffer.wrap(serverHello));

        assertArrayEquals(serverHello, bytes(framer.next(EncryptionLevel.INITIAL)));
        assertArrayEquals(encryptedExtensions, bytes(framer.next(EncryptionLevel.HANDSHAKE)));
        assertArrayEquals(finished, bytes(framer.next(EncryptionLevel.HANDSHAKE)));
        // Three bytes of a header are not a message yet.
        assertNull(framer.next(EncryptionLevel.HANDSHAKE));
        assertNull(framer.next(EncryptionLevel.INITIAL));
    }

    @Test
    void aDeclaredLengthBeyondTheBoundIsADecodeErrorBeforeAnyAllocation() {
        HandshakeMessageFramer framer = new HandshakeMessageFramer();
        framer.add(EncryptionLevel.HANDSHAKE, ByteBuffer.wrap(new byte[] {11, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}));

        assertThrows(DecodeErrorException.class, () -> framer.next(EncryptionLevel.HANDSHAKE));
    }

    @Test
    void aMessageOfExactlyTheBoundPasses() throws Exception {
        HandshakeMessageFramer framer = new HandshakeMessageFramer();
        byte[] largest = message(11, HandshakeMessageFramer.MAX_MESSAGE_LENGTH);
        for (int off = 0; off < largest.length; off += 1200) {
            framer.add(EncryptionLevel.HANDSHAKE, ByteBuffer.wrap(largest, off, Math.min(1200, largest.length - off)));
        }

        assertArrayEquals(largest, bytes(framer.next(EncryptionLevel.HANDSHAKE)));
    }
}
