package qsock.socket;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/** The receiving part of one stream as an {@link InputStream}; see {@link QuicSocket#inputStream}. */
final class StreamInputStream extends InputStream {

    private final QuicSocket socket;
    private final long streamId;
    /** Whether the stream was seen open, so that its disappearance means its end, not "not opened yet". */
    private final boolean[] seen = new boolean[1];
    private boolean eof;

    StreamInputStream(QuicSocket socket, long streamId) {
        this.socket = socket;
        this.streamId = streamId;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (eof) {
            return -1;
        }
        int n = socket.readStream(streamId, ByteBuffer.wrap(b, off, len), seen);
        if (n < 0) {
            eof = true;
        }
        return n;
    }
}
