package qsock.core.sim.quic;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import qsock.core.connection.QuicConnection;
import qsock.core.stream.StreamEvent;

/** Reads every stream the peer opens to its end and keeps the SHA-256 and size of what arrived. */
public final class BulkReceiver implements Application {

    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private final MessageDigest digest;
    private long received;
    private long streamId = -1;
    private boolean finished;
    private String sha256;

    /** Creates a receiver that takes the first stream the peer opens. */
    public BulkReceiver() throws Exception {
        this.digest = MessageDigest.getInstance("SHA-256");
    }

    @Override
    public void onTurn(QuicConnection c, long now) throws Exception {
        for (StreamEvent e = c.streams().pollEvent(); e != null; e = c.streams().pollEvent()) {
            if (e instanceof StreamEvent.Opened(long id) && streamId < 0) {
                streamId = id;
            }
        }
        if (streamId < 0 || finished) {
            return;
        }
        while (true) {
            buffer.clear();
            int n = c.streams().read(streamId, buffer);
            if (n < 0) {
                finished = true;
                sha256 = HexFormat.of().formatHex(digest.digest());
                return;
            }
            if (n == 0) {
                return;
            }
            buffer.flip();
            digest.update(buffer);
            received += n;
        }
    }

    /** {@return the bytes read so far} */
    public long received() {
        return received;
    }

    /** {@return whether the stream's FIN was read} */
    public boolean finished() {
        return finished;
    }

    /** {@return the SHA-256 of what arrived, in hex, once finished; else null} */
    public String sha256() {
        return sha256;
    }
}
