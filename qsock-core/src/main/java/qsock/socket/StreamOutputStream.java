package qsock.socket;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The sending part of one stream as an {@link OutputStream}; see {@link QuicSocket#outputStream}. Writes
 * wait until every byte is taken; {@link #close()} ends the stream with FIN.
 */
final class StreamOutputStream extends OutputStream {

    private final QuicSocket socket;
    private final long streamId;
    private boolean closed;

    StreamOutputStream(QuicSocket socket, long streamId) {
        this.socket = socket;
        this.streamId = streamId;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("stream " + streamId + " output closed");
        }
        if (len > 0) {
            socket.writeStream(streamId, ByteBuffer.wrap(b, off, len), false);
        }
    }

    /** Ends the stream: FIN after what was written. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            socket.writeStream(streamId, ByteBuffer.allocate(0), true);
        }
    }
}
