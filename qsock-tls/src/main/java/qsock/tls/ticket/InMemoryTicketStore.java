package qsock.tls.ticket;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The default {@link TicketStore}: tickets in memory, at most {@code maxPerServer} for one server name and
 * {@code maxTotal} in all. Storing beyond either bound evicts the oldest ticket (of that server, or of all),
 * since servers send several tickets per connection (RFC 8446 §4.6.1) and the newest are the likeliest to
 * still be accepted. Every operation is bounded by {@code maxTotal}. Thread-safe.
 */
public final class InMemoryTicketStore implements TicketStore {

    /** Default bound per server name. */
    public static final int DEFAULT_MAX_PER_SERVER = 8;

    /** Default bound in all. */
    public static final int DEFAULT_MAX_TOTAL = 1024;

    private record Entry(String server, ClientTicket ticket) {}

    private final int maxPerServer;
    private final int maxTotal;
    /** Every ticket in the order stored, oldest first. */
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private final Map<String, Integer> counts = new HashMap<>();

    /** A store with the default bounds. */
    public InMemoryTicketStore() {
        this(DEFAULT_MAX_PER_SERVER, DEFAULT_MAX_TOTAL);
    }

    /** @throws IllegalArgumentException unless {@code 1 <= maxPerServer <= maxTotal} */
    public InMemoryTicketStore(int maxPerServer, int maxTotal) {
        if (maxPerServer < 1 || maxTotal < maxPerServer) {
            throw new IllegalArgumentException("bounds need 1 <= maxPerServer <= maxTotal");
        }
        this.maxPerServer = maxPerServer;
        this.maxTotal = maxTotal;
    }

    @Override
    public synchronized void store(String serverName, ClientTicket ticket) {
        Objects.requireNonNull(ticket, "ticket");
        String key = key(serverName);
        if (!ticket.isUsableAt(ticket.receivedAtMillis())) {
            return; // a lifetime of 0: "the ticket should be discarded immediately" (RFC 8446 §4.6.1)
        }
        if (counts.getOrDefault(key, 0) >= maxPerServer) {
            removeOldest(key);
        }
        if (entries.size() >= maxTotal) {
            removeOldest(null);
        }
        entries.addLast(new Entry(key, ticket));
        counts.merge(key, 1, Integer::sum);
    }

    @Override
    public synchronized Optional<ClientTicket> take(String serverName, long nowMillis) {
        return take(serverName, null, nowMillis);
    }

    /**
     * {@inheritDoc} Tickets of other versions stay in the store, for a later connection of their version (a client
     * configured with both versions may start either).
     */
    @Override
    public synchronized Optional<ClientTicket> take(String serverName, int quicVersion, long nowMillis) {
        return take(serverName, (Integer) quicVersion, nowMillis);
    }

    /** The newest usable ticket of {@code serverName} of {@code quicVersion}, or of any version when it is null. */
    private Optional<ClientTicket> take(String serverName, Integer quicVersion, long nowMillis) {
        String key = key(serverName);
        for (Iterator<Entry> it = entries.descendingIterator(); it.hasNext(); ) {
            Entry e = it.next();
            boolean otherVersion = quicVersion != null && e.ticket().quicVersion() != quicVersion;
            if (!e.server().equals(key) || (otherVersion && e.ticket().isUsableAt(nowMillis))) {
                continue; // another version's usable ticket stays; an expired one is dropped below
            }
            it.remove();
            decrement(key);
            if (e.ticket().isUsableAt(nowMillis)) {
                return Optional.of(e.ticket());
            }
        }
        return Optional.empty();
    }

    /**
     * Removes every ticket of {@code serverName} and returns those still usable at {@code nowMillis}, oldest first
     * (expired ones are dropped), so that an application can keep them beyond this process: encode each with
     * {@link ClientTicket#encode()}, and in a later process {@link #store} what {@link ClientTicket#decode} gives,
     * in the same order. They are taken out, not copied, since a ticket is used once (RFC 8446 §C.4): put back
     * what should still serve this process.
     *
     * @return the usable tickets, oldest first; at most the per-server bound
     */
    public synchronized List<ClientTicket> takeAll(String serverName, long nowMillis) {
        String key = key(serverName);
        List<ClientTicket> taken = new ArrayList<>();
        for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (!e.server().equals(key)) {
                continue;
            }
            it.remove();
            decrement(key);
            if (e.ticket().isUsableAt(nowMillis)) {
                taken.add(e.ticket());
            }
        }
        return taken;
    }

    /** {@return the number of tickets held for {@code serverName}, usable or not} */
    public synchronized int size(String serverName) {
        return counts.getOrDefault(key(serverName), 0);
    }

    /** {@return the number of tickets held in all, usable or not} */
    public synchronized int size() {
        return entries.size();
    }

    /** Removes the oldest ticket of {@code server}, or of all when it is null. */
    private void removeOldest(String server) {
        for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (server == null || e.server().equals(server)) {
                it.remove();
                decrement(e.server());
                return;
            }
        }
    }

    private void decrement(String key) {
        counts.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
    }

    private static String key(String serverName) {
        Objects.requireNonNull(serverName, "serverName");
        return serverName.toLowerCase(Locale.ROOT);
    }
}
