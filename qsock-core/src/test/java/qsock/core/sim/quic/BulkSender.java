package qsock.core.sim.quic;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import qsock.core.connection.QuicConnection;

/**
 * Sends {@code total} pseudo-random bytes on one stream it opens (bidirectional or unidirectional), then FIN, and keeps the
 * SHA-256 of what it wrote. The bytes come from a seeded generator, so a receiver's digest can be compared.
 */
public final class BulkSender implements Application {

    private static final int CHUNK = 64 * 1024;

    private final long total;
    private final boolean bidirectional;
    private final SplittableRandom data;
    private final MessageDigest digest;
    private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK).limit(0);
    private long written;
    private long streamId = -1;
    private boolean finished;
    private String sha256;

    /** Creates a sender of {@code total} bytes on a bidirectional stream, drawn from {@code seed}. */
    public BulkSender(long total, long seed) throws Exception {
        this(total, seed, true);
    }

    /** Creates a sender of {@code total} bytes drawn from {@code seed}, on a stream of the kind asked for. */
    public BulkSender(long total, long seed, boolean bidirectional) throws Exception {
        this.total = total;
        this.bidirectional = bidirectional;
        this.data = new SplittableRandom(seed);
        this.digest = MessageDigest.getInstance("SHA-256");
    }

    @Override
    public void onTurn(QuicConnection c, long now) throws Exception {
        while (c.streams().pollEvent() != null) {
            // Writable and other events: this sender simply tries to write on every turn.
        }
        if (finished) {
            return;
        }
        if (streamId < 0) {
            streamId = c.streams().openStream(bidirectional);
            if (streamId < 0) {
                return;
            }
        }
        while (true) {
            if (!chunk.hasRemaining()) {
                refill();
            }
            boolean last = written + chunk.remaining() == total;
            written += c.streams().write(streamId, chunk, last);
            if (last && !chunk.hasRemaining()) {
                finished = true;
                sha256 = HexFormat.of().formatHex(digest.digest());
                return;
            }
            if (chunk.hasRemaining()) {
                return; // the send buffer is full: the next turn goes on
            }
        }
    }

    private void refill() {
        int n = (int) Math.min(CHUNK, total - written);
        chunk.clear().limit(n);
        for (int i = 0; i < n; i += 8) {
            long v = data.nextLong();
            for (int j = 0; j < 8 && i + j < n; j++) {
                chunk.put(i + j, (byte) (v >>> (8 * j)));
            }
        }
        digest.update(chunk.duplicate());
    }

    /** {@return the bytes the stream took so far} */
    public long written() {
        return written;
    }

    /** {@return whether every byte and the FIN were written} */
    public boolean finished() {
        return finished;
    }

    /** {@return the SHA-256 of what was written, in hex, once finished; else null} */
    public String sha256() {
        return sha256;
    }
}
