package qsock.core.frame;

import java.nio.ByteBuffer;

/**
 * DATAGRAM (RFC 9221 §4): an unreliable application datagram.
 *
 * <p>As for STREAM, the record does not say whether a Length field carried it (type 0x31) or the data
 * ran to the end of the packet (0x30); the encoder is told ({@link FrameEncoder#encode(ByteBuffer, Frame,
 * boolean)}).
 *
 * @param data the Datagram Data, a read-only view (see {@link Frame}); may be empty (RFC 9221 §4)
 */
public record DatagramFrame(ByteBuffer data) implements Frame {

    /** Keeps a read-only view of the bytes between {@code data}'s position and limit, without copying. */
    public DatagramFrame {
        data = FrameBytes.view(data, "data");
    }

    /**
     * {@return the Datagram Data: a new read-only buffer over the frame's bytes each call, position 0 and limit
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

    @Override
    public FrameType type() {
        return FrameType.DATAGRAM;
    }

    @Override
    public long typeCode() {
        return 0x31;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DatagramFrame f && FrameBytes.contentEquals(data, f.data);
    }

    @Override
    public int hashCode() {
        return FrameBytes.contentHash(data);
    }

    @Override
    public String toString() {
        return "DatagramFrame[length=" + data.capacity() + ", data=" + FrameBytes.toHex(data) + "]";
    }
}
