package qsock.tls.ticket;

import java.util.Optional;

/**
 * Where a client keeps the session tickets servers give it, keyed by server name, until it resumes with
 * them (RFC 8446 §4.6.1, §4.2.11). {@link InMemoryTicketStore} is the default; an application may persist
 * tickets elsewhere (they hold PSKs: keep them as secret as keys).
 *
 * <p>A ticket is single-use: {@link #take} removes the ticket it returns, since clients "SHOULD NOT reuse
 * a ticket for multiple connections" (RFC 8446 §C.4; reuse links the connections, and a server's
 * anti-replay record refuses 0-RTT with it anyway). Implementations must be thread-safe: connections to
 * one server may start and end concurrently.
 */
public interface TicketStore {

    /**
     * Keeps a ticket for later connections to {@code serverName}. A ticket that is not usable at its own
     * receipt time (a lifetime of 0) may be dropped at once.
     *
     * @param serverName the key: the SNI host name the client sent, or, without SNI, whatever names the
     *     server to the application (for instance its address literal); compared case-insensitively
     */
    void store(String serverName, ClientTicket ticket);

    /**
     * Removes and returns the most recently received ticket for {@code serverName} that is still usable
     * at {@code nowMillis} ({@link ClientTicket#isUsableAt}); expired tickets met on the way are dropped.
     *
     * @return the ticket, or empty if there is none to use
     */
    Optional<ClientTicket> take(String serverName, long nowMillis);

    /**
     * Removes and returns the most recently received ticket for {@code serverName} that is still usable at {@code
     * nowMillis} and was received on a connection of QUIC version {@code quicVersion} ({@link
     * ClientTicket#quicVersion()}): RFC 9369 §5, a client "MUST NOT use a session ticket ... from a QUIC version 1
     * connection to initiate a QUIC version 2 connection, and vice versa".
     *
     * <p>This default takes the ticket {@link #take(String, long)} gives and drops it if its version is another (a
     * store that keeps tickets of several versions for one server should override it and leave them in place, as
     * {@link InMemoryTicketStore} does).
     *
     * @param quicVersion the wire value of the version the connection starts with, 0 for TLS over TCP
     * @return the ticket, or empty if there is none to use
     */
    default Optional<ClientTicket> take(String serverName, int quicVersion, long nowMillis) {
        return take(serverName, nowMillis).filter(t -> t.quicVersion() == quicVersion);
    }
}
