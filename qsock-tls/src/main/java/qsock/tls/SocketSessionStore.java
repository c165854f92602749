package qsock.tls;

import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.tls.ticket.ClientTicket;
import qsock.tls.ticket.TicketStore;

/**
 * The ticket store of one client handshake run by {@link QuicHandshake} over a socket, which ties the socket's
 * {@link QuicSocketOptions#SESSION_TICKET} slot to the engine: the session set there is the first one offered
 * (single use, RFC 8446 §C.4), and every ticket the server sends goes, in its byte form, to the slot, where the option
 * reads the latest. The TLS configuration's own store, if any, keeps giving and keeping tickets behind it.
 *
 * <p>{@link #store} runs on the socket's I/O thread (post-handshake messages are read there) and only hands bytes to
 * the socket's lock-free hook; {@link #awaitTicket} runs on the application's thread.
 */
final class SocketSessionStore implements TicketStore {

    /** How often a wait for a ticket looks whether the connection closed meanwhile. */
    private static final long CLOSE_CHECK_NANOS = 50_000_000L;

    private final QuicSocket socket;
    /** The configuration's store, or null when it keeps none. */
    private final TicketStore base;
    /** The session set with SESSION_TICKET, until offered; null when none was or it was taken. */
    private ClientTicket resume;
    private final CountDownLatch stored = new CountDownLatch(1);

    SocketSessionStore(QuicSocket socket, TicketStore base, ClientTicket resume) {
        this.socket = socket;
        this.base = base;
        this.resume = resume;
    }

    @Override
    public void store(String serverName, ClientTicket ticket) {
        // The socket's slot first: a base store that signals a waiter (the handshake service's ticket wait) must find
        // the option set when the waiter reads it.
        // A ticket of a form longer than the option's bound is kept in memory only (ClientTicket.isEncodable).
        if (ticket.isEncodable()) {
            socket.putSessionTicket(ticket.encode());
        }
        if (base != null) {
            base.store(serverName, ticket);
        }
        stored.countDown();
    }

    @Override
    public synchronized Optional<ClientTicket> take(String serverName, long nowMillis) {
        ClientTicket t = takeResume(nowMillis, -1);
        if (t != null) {
            return Optional.of(t);
        }
        return base == null ? Optional.empty() : base.take(serverName, nowMillis);
    }

    @Override
    public synchronized Optional<ClientTicket> take(String serverName, int quicVersion, long nowMillis) {
        ClientTicket t = takeResume(nowMillis, quicVersion);
        if (t != null) {
            return Optional.of(t);
        }
        return base == null ? Optional.empty() : base.take(serverName, quicVersion, nowMillis);
    }

    /**
     * {@return the session set to resume, once, if usable now and of {@code quicVersion} (RFC 9369 §5; -1 for any)}
     * The application chose it for this connection: the server name it was received under is not asked.
     */
    private ClientTicket takeResume(long nowMillis, int quicVersion) {
        ClientTicket t = resume;
        resume = null;
        if (t == null || !t.isUsableAt(nowMillis) || (quicVersion != -1 && t.quicVersion() != quicVersion)) {
            return null;
        }
        return t;
    }

    /**
     * Waits until the server's first ticket arrived, {@code timeoutNanos} passed, or the connection closed, for
     * {@code receive_session_ticket}.
     *
     * @return true if a ticket arrived
     */
    boolean awaitTicket(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        // Bounded: each round waits a slice of the time left, and the rounds end at the deadline.
        while (true) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return stored.getCount() == 0;
            }
            if (stored.await(Math.min(remaining, CLOSE_CHECK_NANOS), TimeUnit.NANOSECONDS)) {
                return true;
            }
            var state = socket.state();
            if (state == null || state.isClosingOrClosed()) {
                return stored.getCount() == 0;
            }
        }
    }
}
