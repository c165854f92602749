package qsock.core.connection;

import qsock.core.path.PathValidation;

/**
 * A client's probe of a new path before it moves there (RFC 9000 §9.1, §9.2, §9.6): a new local address of its own
 * (active migration, the socket draft's CONNECTION_MIGRATION option) or the server's preferred address. The new path
 * gets a connection ID of the peer never used before (§9.5) and carries only probing frames, PATH_CHALLENGEs in
 * datagrams of at least 1200 bytes (§8.2.1), until a PATH_RESPONSE echoes one of them; then the connection moves
 * there. If none does before the deadline (§8.2.4) the probe is given up, its connection ID retired, and the connection
 * stays where it was.
 *
 * <p>The connection knows no addresses: the caller (the endpoint) keeps the new path's, sends the datagrams {@link
 * QuicConnection#lastDatagramOnProbePath()} marks there, and hands datagrams that arrive on it to {@link
 * QuicConnection#handleDatagramOnProbePath}. Not thread-safe; the connection owns it.
 */
final class PathProbe {

    /** What a probe came to, for the caller to take once. */
    enum Outcome {
        /** Nothing to report. */
        NONE,
        /** The new path answered and the connection moved there. */
        MOVED,
        /** The probe was given up: no answer in time, or its connection ID was retired by the peer. */
        ABANDONED
    }

    /** The challenge side of a path validation, this probe's own. */
    final PathValidation validation = new PathValidation();
    private boolean active;
    private long cidSequence;
    private boolean preferredAddress;
    private Outcome outcome = Outcome.NONE;
    private long moves;
    private long abandoned;

    /** Starts probing a new path with the peer's connection ID {@code sequence}; it is abandoned at {@code deadline}. */
    void start(long sequence, boolean toPreferredAddress, long deadline) {
        active = true;
        cidSequence = sequence;
        preferredAddress = toPreferredAddress;
        validation.start(deadline);
    }

    /** {@return whether a probe runs} */
    boolean isActive() {
        return active;
    }

    /** {@return the sequence number of the peer's connection ID the new path uses} Only while {@link #isActive()}. */
    long cidSequence() {
        return cidSequence;
    }

    /** {@return whether the path probed leads to the server's preferred address (RFC 9000 §9.6)} */
    boolean toPreferredAddress() {
        return preferredAddress;
    }

    /** {@return whether a PATH_CHALLENGE waits to be sent on the new path} */
    boolean challengePending() {
        return active && validation.challengePending();
    }

    /** The new path answered: the connection moved there. */
    void onMoved() {
        active = false;
        validation.fail();
        outcome = Outcome.MOVED;
        moves++;
    }

    /** The probe ends without a move. */
    void onAbandoned() {
        active = false;
        validation.fail();
        outcome = Outcome.ABANDONED;
        abandoned++;
    }

    /** {@return what the last probe came to since the last call, then forgets it} */
    Outcome takeOutcome() {
        Outcome o = outcome;
        outcome = Outcome.NONE;
        return o;
    }

    /** {@return probes that ended with a move} */
    long moves() {
        return moves;
    }

    /** {@return probes given up} */
    long abandonedCount() {
        return abandoned;
    }
}
