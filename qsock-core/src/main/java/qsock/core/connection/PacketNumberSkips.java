package qsock.core.connection;

import java.util.random.RandomGenerator;

/**
 * When the application packet number space skips a number on purpose (RFC 9000 §21.4): a peer that acknowledges
 * packets it has not received yet, to make us send faster than the path allows (an optimistic ACK attack), sooner or
 * later acknowledges a number that was never sent, which the loss detector turns into a PROTOCOL_VIOLATION (§13.1).
 *
 * <p>One number is skipped after a random run of {@value #MIN_RUN} up to (not including) {@value #MAX_RUN} packets,
 * drawn from the connection's generator (seeded in simulations, so a run replays the same skips). The run is short
 * enough that the loss detector's memory of the last skipped ranges (eight) covers more than a thousand packets, long
 * enough that the gaps cost the peer's ACK frames little: one more range now and then. Only the application space
 * skips: the Initial and Handshake spaces carry a handful of packets, and their peers cannot yet gain anything by
 * optimism.
 *
 * <p>Not thread-safe; the connection's packet builder owns it.
 */
final class PacketNumberSkips {

    /** The fewest packets sent between two skips. */
    static final int MIN_RUN = 128;
    /** One more than the most packets sent between two skips. */
    static final int MAX_RUN = 384;

    private final RandomGenerator random;
    /** The packet number to skip next, or -1 before the first application packet drew it. */
    private long next = -1;

    PacketNumberSkips(RandomGenerator random) {
        this.random = random;
    }

    /**
     * {@return the packet number to use after {@code sent}, the number of a packet just finished in the application
     * space: {@code sent + 1}, or {@code sent + 2} when {@code sent + 1} is the one to skip}
     */
    long after(long sent) {
        if (next < 0) {
            // Drawn at the first packet rather than at construction: the generator's draws for connection IDs and
            // the handshake stay where they were before skips existed.
            next = sent + 1 + random.nextInt(MIN_RUN, MAX_RUN);
        }
        long following = sent + 1;
        if (following == next) {
            following++;
            next = following + random.nextInt(MIN_RUN, MAX_RUN);
        }
        return following;
    }
}
