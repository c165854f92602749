package qsock.interop.agent15;

import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import qsock.core.handshake.EncryptionLevel;
import tech.kwik.agent15.alert.DecodeErrorException;

/**
 * Cuts the CRYPTO stream of each encryption level into whole TLS handshake messages, for agent15's parser,
 * which takes one complete message at a time: the channel hands over stream bytes as they arrive, and a
 * message may span several reads (a certificate chain spans several packets) or one read may hold several.
 */
final class HandshakeMessageFramer {

    /** RFC 8446 §4: msg_type (1 byte) and a 24-bit length. */
    private static final int HEADER_LENGTH = 4;
    /**
     * The largest message this adapter buffers: far above any handshake message of the test PKI, and a bound
     * on what a peer's declared length can make us allocate.
     */
    static final int MAX_MESSAGE_LENGTH = 64 * 1024;

    private final Map<EncryptionLevel, ByteBuffer> pending = new EnumMap<>(EncryptionLevel.class);

    /** Appends stream bytes of {@code level}, consuming {@code data}. */
    void add(EncryptionLevel level, ByteBuffer data) {
        ByteBuffer buffer = pending.get(level);
        if (buffer == null) {
            buffer = ByteBuffer.allocate(Math.max(data.remaining(), 4096));
        } else if (buffer.remaining() < data.remaining()) {
            ByteBuffer grown = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + data.remaining()));
            grown.put(buffer.flip());
            buffer = grown;
        }
        buffer.put(data);
        pending.put(level, buffer);
    }

    /**
     * {@return the next whole message of {@code level}, header included, in a buffer of its own; null until one
     * has arrived in full}
     *
     * @throws DecodeErrorException if the message declares a length beyond {@link #MAX_MESSAGE_LENGTH}
     */
    ByteBuffer next(EncryptionLevel level) throws DecodeErrorException {
        ByteBuffer buffer = pending.get(level);
        if (buffer == null || buffer.position() < HEADER_LENGTH) {
            return null;
        }
        int length = (buffer.get(1) & 0xFF) << 16 | (buffer.get(2) & 0xFF) << 8 | buffer.get(3) & 0xFF;
        if (length > MAX_MESSAGE_LENGTH) {
            throw new DecodeErrorException("a handshake message of " + length + " bytes at " + level
                    + " exceeds the " + MAX_MESSAGE_LENGTH + " this adapter buffers");
        }
        int total = HEADER_LENGTH + length;
        if (buffer.position() < total) {
            return null;
        }
        byte[] message = new byte[total];
        buffer.flip().get(message).compact();
        return ByteBuffer.wrap(message);
    }
}
