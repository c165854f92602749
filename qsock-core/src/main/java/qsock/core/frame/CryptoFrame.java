package qsock.core.frame;

import java.nio.ByteBuffer;

/**
 * CRYPTO (RFC 9000 §19.6): handshake bytes at an offset of the crypto stream of the packet's
 * encryption level.
 *
 * @param offset the offset of the first data byte in this level's crypto stream
 * @param data the Crypto Data, a read-only view (see {@link Frame}); may be empty
 */
public record CryptoFrame(long offset, ByteBuffer data) implements Frame {

    /**
     * Keeps a read-only view of the bytes between {@code data}'s position and limit, without copying.
     *
     * @throws IllegalArgumentException if the offset is not a varint or offset plus length exceeds 2^62-1
     */
    public CryptoFrame {
        data = FrameBytes.view(data, "data");
        FrameChecks.endOffset(offset, data.capacity());
    }

    /**
     * {@return the Crypto Data: a new read-only buffer over the frame's bytes each call, position 0 and limit
     * at the end}; moving it does not change the frame
     */
    @Override
    public ByteBuffer data() {
        return data.duplicate();
    }

    /** The record's own view, for the encoder; never handed out. */
    ByteBuffer dataView() {
        return data;
    }

    /** {@return the number of data bytes} */
    public int length() {
        return data.capacity();
    }

    /** {@return the offset just past the data} */
    public long endOffset() {
        return offset + data.capacity();
    }

    @Override
    public FrameType type() {
        return FrameType.CRYPTO;
    }

    @Override
    public long typeCode() {
        return 0x06;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CryptoFrame f && offset == f.offset && FrameBytes.contentEquals(data, f.data);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(offset) * 31 + FrameBytes.contentHash(data);
    }

    @Override
    public String toString() {
        return "CryptoFrame[offset=" + offset + ", length=" + data.capacity() + ", data=" + FrameBytes.toHex(data)
                + "]";
    }
}
