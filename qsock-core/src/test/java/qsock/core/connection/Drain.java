package qsock.core.connection;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Takes what a connection sends now, for tests that read it: copies of its datagrams, at most 1000. */
final class Drain {

    private Drain() {}

    /** {@return every datagram {@code c} sends at {@code now}} */
    static List<ByteBuffer> all(QuicConnection c, long now) {
        return take(c, now, false);
    }

    /**
     * {@return the datagrams {@code c} sends at {@code now} to the peer's current address, leaving out the challenge of
     * its previous one (RFC 9000 §9.3.3)}
     */
    static List<ByteBuffer> toCurrentPeer(QuicConnection c, long now) {
        return take(c, now, true);
    }

    private static List<ByteBuffer> take(QuicConnection c, long now, boolean currentPeerOnly) {
        List<ByteBuffer> sent = new ArrayList<>();
        ByteBuffer out = ByteBuffer.allocate(2048);
        for (int i = 0; i < 1000; i++) {
            int n = c.pollDatagram(out.clear(), now);
            if (n <= 0) {
                break;
            }
            if (currentPeerOnly && c.lastDatagramToPreviousPeer()) {
                continue;
            }
            ByteBuffer copy = ByteBuffer.allocate(n);
            copy.put(out.flip()).flip();
            sent.add(copy);
        }
        return sent;
    }
}
