package qsock.tools.server;

import java.util.concurrent.atomic.AtomicLong;

/** Application bytes one connection moved, counted by its handler; read by the connection's log line. */
public final class Traffic {

    private final AtomicLong received = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();

    /** Counts stream bytes received from the peer. */
    public void received(long bytes) {
        received.addAndGet(bytes);
    }

    /** Counts stream bytes sent to the peer. */
    public void sent(long bytes) {
        sent.addAndGet(bytes);
    }

    /** {@return the stream bytes received so far} */
    public long received() {
        return received.get();
    }

    /** {@return the stream bytes sent so far} */
    public long sent() {
        return sent.get();
    }
}
