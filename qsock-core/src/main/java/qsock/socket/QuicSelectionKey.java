package qsock.socket;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.CancelledKeyException;

/**
 * A {@link QuicSocket}'s registration with a {@link QuicSelector}, as the JDK's {@code SelectionKey} is a channel's:
 * the operations the application is interested in, those the last selection found ready, and an attachment for the
 * application's own state (a handshake driver, a half-read request). It stays valid until {@linkplain #cancel()
 * cancelled}, its socket closed or its selector closed.
 *
 * <p>The operations have the JDK's values. A listener's key takes {@link #OP_ACCEPT}; a connection's
 * {@link #OP_CONNECT}, {@link #OP_READ} and {@link #OP_WRITE} ({@link #validOps()}). Readiness is level-triggered, as
 * the JDK's on Linux: a key is selected again at every selection while its condition holds and it is in the interest
 * set, once the application removed it from the {@linkplain QuicSelector#selectedKeys() selected-key set}.
 *
 * <p>Thread-safe as the JDK's: the interest set and the attachment may be changed from any thread, the change taking
 * effect at the selector's next selection (one in progress wakes to look).
 */
public final class QuicSelectionKey {

    /**
     * The connection has data, a datagram or an event to receive ({@link QuicSocket#receive},
     * {@link QuicSocket#receiveDatagram}, {@link QuicSocket#pollEvent} would return something), or a receive would
     * throw at once: the connection ended, or the socket was shut down for reading (as the JDK reports end of file as
     * readable).
     */
    public static final int OP_READ = 1 << 0;

    /**
     * The connection takes stream data now: it is established, or may send 0-RTT or 0.5-RTT data, and what is queued
     * on all its streams is below {@code ConnectionConfig.connectionSendBufferSize} ({@link QuicSocket#sendBuffered()});
     * or a send would throw at once, the connection having ended.
     */
    public static final int OP_WRITE = 1 << 2;

    /**
     * The connection's TLS handshake has something to do: handshake input may be readable (what
     * {@link QuicSocket#awaitHandshakeInput} waits for: a packet arrived since the handshake channel's last read) or
     * the connection's state changed (established, closing). Step the handshake driver; once the handshake is
     * complete, take OP_CONNECT out of the interest set, as a JDK client does after {@code finishConnect}. A new
     * connection is ready at once: a client's first step sends its ClientHello, a server's reads the one queued.
     */
    public static final int OP_CONNECT = 1 << 3;

    /**
     * A listener has a connection waiting for {@link QuicSocket#accept()} (on any of its I/O threads, with
     * {@link QuicSocketOptions#IO_THREADS}), or accept would throw at once, the listener being shut down.
     */
    public static final int OP_ACCEPT = 1 << 4;

    private static final VarHandle SIGNALLED;
    private static final VarHandle ATTACHMENT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SIGNALLED = lookup.findVarHandle(QuicSelectionKey.class, "signalled", boolean.class);
            ATTACHMENT = lookup.findVarHandle(QuicSelectionKey.class, "attachment", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final QuicSelector selector;
    private final QuicSocket socket;
    private final int validOps;
    /** What the socket runs after an I/O thread's batch that may have changed it: made once, the key's signal. */
    final Runnable watcher = this::signal;
    private volatile int interestOps;
    private volatile Object attachment;
    private volatile boolean valid = true;
    /** True while the key waits in the selector's queue of keys to look at (set by {@link #signal}). */
    @SuppressWarnings("unused") // through SIGNALLED
    private volatile boolean signalled;

    // The selector's, on its selecting thread.
    /** The ready set of the last selection that updated the key. */
    int readyOps;
    /** Where the key is in the selected-key set's array, or -1 if it is not in the set. */
    int selectedIndex = -1;
    /** True while the key is in the selector's list of keys to look at again at the next selection. */
    boolean recheck;
    /** The selector's evaluation round in which the key was last gathered, so that it is looked at once a round. */
    long gatheredInRound = -1;

    QuicSelectionKey(QuicSelector selector, QuicSocket socket, int validOps, int interestOps, Object attachment) {
        this.selector = selector;
        this.socket = socket;
        this.validOps = validOps;
        this.interestOps = interestOps;
        this.attachment = attachment;
    }

    /** {@return the socket this key registers} */
    public QuicSocket socket() {
        return socket;
    }

    /** {@return the selector this key registers the socket with} */
    public QuicSelector selector() {
        return selector;
    }

    /**
     * {@return the operations the socket supports: {@link #OP_ACCEPT} for a listener, {@link #OP_CONNECT},
     * {@link #OP_READ} and {@link #OP_WRITE} for a connection}
     */
    public int validOps() {
        return validOps;
    }

    /** {@return true until the key is cancelled, its socket closed or its selector closed} */
    public boolean isValid() {
        return valid;
    }

    /**
     * Cancels the registration: the socket is no longer looked at, and may be registered again, with this selector or
     * another. The key leaves the selector's key sets at its next selection. Cancelling again does nothing.
     */
    public void cancel() {
        if (!valid) {
            return;
        }
        valid = false;
        socket.deregister(this);
        // The selector drops it from its sets when it takes it from its queue (at once if it waits there already).
        signal();
    }

    /**
     * {@return the interest set}
     *
     * @throws CancelledKeyException if the key is no longer valid
     */
    public int interestOps() {
        ensureValid();
        return interestOps;
    }

    /**
     * Sets the interest set; the next selection looks at the socket with it (one in progress wakes to look).
     *
     * @return this
     * @throws IllegalArgumentException if {@code ops} holds an operation not in {@link #validOps()}
     * @throws CancelledKeyException if the key is no longer valid
     */
    public QuicSelectionKey interestOps(int ops) {
        checkOps(ops, validOps);
        ensureValid();
        interestOps = ops;
        signal();
        return this;
    }

    /**
     * {@return the ready set the last selection found for this key} Operations stay in it while the key stays in the
     * selected-key set; a selection that adds the key again starts it afresh. Only what the interest set held then.
     */
    public int readyOps() {
        return readyOps;
    }

    /** {@return true if the ready set holds {@link #OP_READ}} */
    public boolean isReadable() {
        return (readyOps & OP_READ) != 0;
    }

    /** {@return true if the ready set holds {@link #OP_WRITE}} */
    public boolean isWritable() {
        return (readyOps & OP_WRITE) != 0;
    }

    /** {@return true if the ready set holds {@link #OP_CONNECT}} */
    public boolean isConnectable() {
        return (readyOps & OP_CONNECT) != 0;
    }

    /** {@return true if the ready set holds {@link #OP_ACCEPT}} */
    public boolean isAcceptable() {
        return (readyOps & OP_ACCEPT) != 0;
    }

    /**
     * Attaches {@code object} (null for none) to the key: the application's state of the connection, at hand when the
     * key is selected.
     *
     * @return the attachment it replaced, or null
     */
    public Object attach(Object object) {
        return ATTACHMENT.getAndSet(this, object);
    }

    /** {@return the attachment, or null} */
    public Object attachment() {
        return attachment;
    }

    @Override
    public String toString() {
        return "QuicSelectionKey[" + socket + ", interest " + opsName(interestOps) + ", ready " + opsName(readyOps)
                + (valid ? "" : ", cancelled") + "]";
    }

    /**
     * Tells the selector that the socket's readiness may have changed: the key joins the queue of keys its next
     * selection looks at, once however often it is told, and a selection waiting wakes. Any thread, the socket's I/O
     * thread among them with the endpoint's lock held: it never blocks for longer than the selector's queue lock.
     */
    void signal() {
        if (SIGNALLED.compareAndSet(this, false, true)) {
            selector.enqueue(this);
        }
    }

    /** The selector took the key from its queue: a signal from now on queues it again. */
    void clearSignal() {
        SIGNALLED.setVolatile(this, false);
    }

    /** {@return the interest set without the validity check, for the selector} */
    int interestOpsForSelection() {
        return interestOps;
    }

    /** The selector closed: the key is invalid, its socket no longer registered. */
    void invalidate() {
        valid = false;
        socket.deregister(this);
    }

    private void ensureValid() {
        if (!valid) {
            throw new CancelledKeyException();
        }
    }

    /** @throws IllegalArgumentException if {@code ops} holds an operation not in {@code validOps} */
    static void checkOps(int ops, int validOps) {
        if ((ops & ~validOps) != 0) {
            throw new IllegalArgumentException("operations 0x" + Integer.toHexString(ops) + " not all valid for the"
                    + " socket (0x" + Integer.toHexString(validOps) + ": " + opsName(validOps) + ")");
        }
    }

    private static String opsName(int ops) {
        StringBuilder b = new StringBuilder();
        if ((ops & OP_ACCEPT) != 0) {
            b.append("ACCEPT ");
        }
        if ((ops & OP_CONNECT) != 0) {
            b.append("CONNECT ");
        }
        if ((ops & OP_READ) != 0) {
            b.append("READ ");
        }
        if ((ops & OP_WRITE) != 0) {
            b.append("WRITE ");
        }
        return b.isEmpty() ? "none" : b.toString().trim();
    }
}
