package qsock.core.frame;

import java.nio.ByteBuffer;

/**
 * STREAM (RFC 9000 §19.8): stream data at an offset, possibly ending the stream.
 *
 * <p>The record holds what the frame means, not which of the eight type codes carried it: a frame
 * decoded from a type without the OFF bit has offset 0, and one without the LEN bit ran to the end of
 * its packet. The encoder writes the Offset field only for a non-zero offset, and writes the Length field
 * unless told the frame ends the packet ({@link FrameEncoder#encode(ByteBuffer, Frame, boolean)}).
 *
 * @param streamId the stream
 * @param offset the stream offset of the first data byte
 * @param data the Stream Data, a read-only view (see {@link Frame}); may be empty
 * @param fin true if this frame marks the end of the stream, whose final size is then {@link #endOffset()}
 */
public record StreamFrame(long streamId, long offset, ByteBuffer data, boolean fin) implements Frame {

    /**
     * Keeps a read-only view of the bytes between {@code data}'s position and limit, without copying.
     *
     * @throws IllegalArgumentException if the stream ID or offset is not a varint, or offset plus length
     *     exceeds 2^62-1 (RFC 9000 §19.8)
     */
    public StreamFrame {
        FrameChecks.varint(streamId, "streamId");
        data = FrameBytes.view(data, "data");
        FrameChecks.endOffset(offset, data.capacity());
    }

    /**
     * {@return the Stream Data: a new read-only buffer over the frame's bytes each call, position 0 and limit
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

    /** {@return the offset just past the data: the final size of the stream when {@link #fin()} is set} */
    public long endOffset() {
        return offset + data.capacity();
    }

    @Override
    public FrameType type() {
        return FrameType.STREAM;
    }

    @Override
    public long typeCode() {
        return 0x08 | (offset != 0 ? 0x04 : 0) | 0x02 | (fin ? 0x01 : 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamFrame f && streamId == f.streamId && offset == f.offset && fin == f.fin
                && FrameBytes.contentEquals(data, f.data);
    }

    @Override
    public int hashCode() {
        return ((Long.hashCode(streamId) * 31 + Long.hashCode(offset)) * 31 + FrameBytes.contentHash(data)) * 31
                + Boolean.hashCode(fin);
    }

    @Override
    public String toString() {
        return "StreamFrame[streamId=" + streamId + ", offset=" + offset + ", length=" + data.capacity()
                + ", fin=" + fin + ", data=" + FrameBytes.toHex(data) + "]";
    }
}
