package qsock.tls;

import java.util.Objects;
import java.util.function.LongSupplier;
import qsock.tls.ticket.InMemoryTicketStore;
import qsock.tls.ticket.TicketStore;

/**
 * How a client keeps and uses session tickets (RFC 8446 §4.6.1, §4.2.11) and 0-RTT (§4.2.10). A client
 * without this ({@link TlsClientConfig#tickets()} null) keeps no tickets and never resumes. Tickets are kept
 * by the configured server name; a client without one neither keeps nor offers tickets.
 *
 * @param store where tickets wait for the next connection to the same server name
 * @param earlyData true to offer 0-RTT when a ticket allows it
 * @param clock wall-clock milliseconds since the epoch, the time tickets are aged by
 */
public record ClientTickets(TicketStore store, boolean earlyData, LongSupplier clock) {

    public ClientTickets {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(clock, "clock");
    }

    /** {@return an in-memory store, no 0-RTT, the system clock} */
    public static ClientTickets defaults() {
        return new ClientTickets(new InMemoryTicketStore(), false, System::currentTimeMillis);
    }

    /** {@return a copy with this store} */
    public ClientTickets withStore(TicketStore store) {
        return new ClientTickets(store, earlyData, clock);
    }

    /** {@return a copy that offers 0-RTT (or not)} */
    public ClientTickets withEarlyData(boolean earlyData) {
        return new ClientTickets(store, earlyData, clock);
    }

    /** {@return a copy reading time from {@code clock} (epoch milliseconds), for deterministic tests} */
    public ClientTickets withClock(LongSupplier clock) {
        return new ClientTickets(store, earlyData, clock);
    }
}
