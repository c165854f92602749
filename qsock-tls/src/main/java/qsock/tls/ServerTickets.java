package qsock.tls;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.function.LongSupplier;
import qsock.tls.ticket.EarlyDataAntiReplay;
import qsock.tls.ticket.SessionState;
import qsock.tls.ticket.TicketSealer;

/**
 * How a server issues and accepts session tickets (RFC 8446 §4.6.1) and 0-RTT (RFC 8446 §4.2.10, RFC 9001
 * §4.6). A server without this ({@link TlsServerConfig#tickets()} null) issues no tickets and resumes nothing.
 *
 * @param sealer seals and opens tickets; servers that share its keys accept each other's tickets
 * @param count how many NewSessionTickets to send after the client's Finished, 1 to 16 (clients use one per
 *     connection, RFC 8446 §C.4)
 * @param lifetimeSeconds the ticket_lifetime, 1 to 604800 (RFC 8446 §4.6.1: at most seven days)
 * @param earlyData true to allow 0-RTT with the tickets issued and to accept it when the rules allow
 * @param earlyDataPolicy the application's say on accepting a 0-RTT attempt
 * @param antiReplay the single-use record and freshness check for 0-RTT (RFC 8446 §8); share it between
 *     servers that share the sealer's keys
 * @param clock wall-clock milliseconds since the epoch, the time tickets are issued and aged by
 */
public record ServerTickets(TicketSealer sealer, int count, long lifetimeSeconds, boolean earlyData,
                            EarlyDataPolicy earlyDataPolicy, EarlyDataAntiReplay antiReplay, LongSupplier clock) {

    /** The default lifetime: one day. */
    public static final long DEFAULT_LIFETIME_SECONDS = 86_400;

    /** The default freshness tolerance of 0-RTT ClientHellos (RFC 8446 §8.3 suggests about ten seconds). */
    public static final long DEFAULT_EARLY_DATA_TOLERANCE_MILLIS = 10_000;

    /** How many tickets the default anti-replay record remembers at once. */
    public static final int DEFAULT_ANTI_REPLAY_CAPACITY = 100_000;

    /** The most tickets sent on one connection. */
    public static final int MAX_COUNT = 16;

    /**
     * The application's decision on 0-RTT, asked only when every protocol rule allows it (RFC 8446 §4.2.10:
     * a server may always reject early data).
     */
    @FunctionalInterface
    public interface EarlyDataPolicy {
        /** Accepts every 0-RTT attempt the protocol allows. */
        EarlyDataPolicy ACCEPT = (alpn, serverName, parameters) -> true;

        /**
         * @param alpn the application protocol of the ticket and of this connection, or "" for none
         * @param serverName the SNI of the ticket and of this connection, or "" for none
         * @param rememberedTransportParameters the transport parameters this server sent on the connection
         *     that issued the ticket, as encoded (empty over TCP)
         * @return true to accept the early data
         */
        boolean accept(String alpn, String serverName, byte[] rememberedTransportParameters);
    }

    /** @throws IllegalArgumentException if the count or lifetime is out of range */
    public ServerTickets {
        Objects.requireNonNull(sealer, "sealer");
        Objects.requireNonNull(earlyDataPolicy, "earlyDataPolicy");
        Objects.requireNonNull(antiReplay, "antiReplay");
        Objects.requireNonNull(clock, "clock");
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("ticket count " + count + " not in 1.." + MAX_COUNT);
        }
        if (lifetimeSeconds < 1 || lifetimeSeconds > SessionState.MAX_LIFETIME_SECONDS) {
            throw new IllegalArgumentException("ticket lifetime " + lifetimeSeconds + " s not in 1..604800");
        }
    }

    /**
     * {@return one ticket a connection, valid a day, sealed under a fresh random key, no 0-RTT, the system
     * clock}
     */
    public static ServerTickets defaults() {
        return new ServerTickets(TicketSealer.withRandomKey(new SecureRandom()), 1, DEFAULT_LIFETIME_SECONDS,
                false, EarlyDataPolicy.ACCEPT,
                new EarlyDataAntiReplay(DEFAULT_EARLY_DATA_TOLERANCE_MILLIS, DEFAULT_ANTI_REPLAY_CAPACITY),
                System::currentTimeMillis);
    }

    /** {@return a copy with another sealer, for servers that share ticket keys} */
    public ServerTickets withSealer(TicketSealer sealer) {
        return new ServerTickets(sealer, count, lifetimeSeconds, earlyData, earlyDataPolicy, antiReplay, clock);
    }

    /** {@return a copy sending {@code count} tickets a connection} */
    public ServerTickets withCount(int count) {
        return new ServerTickets(sealer, count, lifetimeSeconds, earlyData, earlyDataPolicy, antiReplay, clock);
    }

    /** {@return a copy with this ticket lifetime} */
    public ServerTickets withLifetimeSeconds(long lifetimeSeconds) {
        return new ServerTickets(sealer, count, lifetimeSeconds, earlyData, earlyDataPolicy, antiReplay, clock);
    }

    /** {@return a copy that allows 0-RTT (or not) and decides with {@code policy}} */
    public ServerTickets withEarlyData(boolean earlyData, EarlyDataPolicy policy) {
        return new ServerTickets(sealer, count, lifetimeSeconds, earlyData, policy, antiReplay, clock);
    }

    /** {@return a copy with another anti-replay record} */
    public ServerTickets withAntiReplay(EarlyDataAntiReplay antiReplay) {
        return new ServerTickets(sealer, count, lifetimeSeconds, earlyData, earlyDataPolicy, antiReplay, clock);
    }

    /** {@return a copy reading time from {@code clock} (epoch milliseconds), for deterministic tests} */
    public ServerTickets withClock(LongSupplier clock) {
        return new ServerTickets(sealer, count, lifetimeSeconds, earlyData, earlyDataPolicy, antiReplay, clock);
    }
}
