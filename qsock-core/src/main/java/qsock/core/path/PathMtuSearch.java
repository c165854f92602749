package qsock.core.path;

/**
 * Datagram packetization layer path MTU discovery (DPLPMTUD, RFC 8899 §5, as RFC 9000 §14.3 applies it to QUIC):
 * which datagram size to probe next, and what the path is known to carry.
 *
 * <p>The search starts from the base size (what the connection already sends, at least 1200, which every QUIC path
 * must carry) and probes up to a ceiling: the configured one, which the connection lowers to the peer's
 * max_udp_payload_size before it starts the search. The first probe tries the ceiling itself, which settles
 * loopback and jumbo-frame paths in one round trip; after that it is a binary search. A size is given up after {@link #MAX_PROBES} lost probes (RFC 8899 §5.1.2); the search is complete
 * when the bounds are closer than {@link #MIN_STEP} bytes. A raise interval ({@link #RAISE_INTERVAL_NANOS} unless
 * given) after completing it looks again above what it found (RFC 8899 §5.1.1, PMTU_RAISE_TIMER), in case the path
 * grew.
 *
 * <p>One probe is outstanding at a time; the connection sends it as a datagram of its own holding PING and PADDING
 * (RFC 9000 §14.4), reports it with {@link #onProbeSent}, and reports its acknowledgement or loss. A lost probe is
 * not a congestion signal (RFC 9000 §14.4): the connection takes it out of flight without a congestion reaction.
 * Persistent congestion or consecutive PTOs at a size above the base are taken as a black hole (RFC 8899 §4.3):
 * the size drops back to the base and the search starts again below the size that stopped working.
 *
 * <p>Pure state: no clock reads (time comes in as arguments), no allocation. Not thread-safe; the connection owns it.
 */
public final class PathMtuSearch {

    /** Probes of one size that may be lost before the size is given up (RFC 8899 §5.1.2, MAX_PROBES). */
    public static final int MAX_PROBES = 3;
    /** The search stops once the largest size known to work is this close to the smallest known to fail. */
    public static final int MIN_STEP = 20;
    /** How long after a completed search it probes above its result again by default (RFC 8899 §5.1.1: 600 s). */
    public static final long RAISE_INTERVAL_NANOS = 600_000_000_000L;

    private static final long NONE = -1;

    private final int base;
    private final int ceiling;
    private final long raiseIntervalNanos;
    /** The largest size acknowledged: what the connection may send. */
    private int current;
    /** The smallest size given up, minus one: no probe goes above it. */
    private int high;
    private int failures;
    private long probePacketNumber = NONE;
    private int probeSize;
    /** Whether the next probe tries {@link #high} directly rather than halfway up. */
    private boolean topFirst = true;
    private boolean complete;
    private long completedAt;

    /**
     * @param base the size the connection sends now, which the path is assumed to carry
     * @param ceiling the largest size to probe for
     * @param now the caller's clock
     * @throws IllegalArgumentException if {@code base} is below 1200 or above {@code ceiling}
     */
    public PathMtuSearch(int base, int ceiling, long now) {
        this(base, ceiling, RAISE_INTERVAL_NANOS, now);
    }

    /**
     * @param base the size the connection sends now, which the path is assumed to carry
     * @param ceiling the largest size to probe for
     * @param raiseIntervalNanos how long after a completed search it probes above its result again (RFC 8899
     *     §5.1.1, PMTU_RAISE_TIMER), positive
     * @param now the caller's clock
     * @throws IllegalArgumentException if {@code base} is below 1200 or above {@code ceiling}, or the interval is not
     *     positive
     */
    public PathMtuSearch(int base, int ceiling, long raiseIntervalNanos, long now) {
        if (base < 1200 || ceiling < base || raiseIntervalNanos <= 0) {
            throw new IllegalArgumentException("base " + base + ", ceiling " + ceiling + " and raise interval "
                    + raiseIntervalNanos);
        }
        this.base = base;
        this.ceiling = ceiling;
        this.raiseIntervalNanos = raiseIntervalNanos;
        this.current = base;
        this.high = ceiling;
        finishIfNarrow(now);
    }

    /** {@return the largest datagram size the path is known to carry} */
    public int current() {
        return current;
    }

    /** {@return whether a probe should be sent now: none is outstanding and the search has somewhere to go} */
    public boolean wantsProbe(long now) {
        if (probePacketNumber != NONE) {
            return false;
        }
        onTimeout(now);
        return !complete;
    }

    /**
     * {@return when the search looks above its settled size again (RFC 8899 §5.1.1, PMTU_RAISE_TIMER), or
     * {@code Long.MAX_VALUE} if it is not settled or already at the ceiling} The caller calls {@link #onTimeout} then.
     */
    public long raiseDeadline() {
        return complete && current < ceiling ? completedAt + raiseIntervalNanos : Long.MAX_VALUE;
    }

    /** Acts on {@link #raiseDeadline()} if {@code now} reached it: the search starts again above the current size. */
    public void onTimeout(long now) {
        if (!complete || current >= ceiling || now - completedAt - raiseIntervalNanos < 0) {
            return;
        }
        // RFC 8899 §5.1.1: after PMTU_RAISE_TIMER, look again above the current size.
        complete = false;
        high = ceiling;
        failures = 0;
        topFirst = true;
    }

    /** {@return the size of the next probe: the ceiling first, then halfway between what works and what failed} */
    public int nextProbeSize() {
        if (failures > 0) {
            return probeSize;  // a lost size is tried again, up to MAX_PROBES times
        }
        return topFirst ? high : current + (high - current + 1) / 2;
    }

    /** Records that the probe of {@code size} bytes went out as packet {@code packetNumber} (1-RTT space). */
    public void onProbeSent(long packetNumber, int size) {
        probePacketNumber = packetNumber;
        probeSize = size;
    }

    /** {@return whether {@code packetNumber} (1-RTT space) is the outstanding probe} */
    public boolean isProbe(long packetNumber) {
        return packetNumber == probePacketNumber;
    }

    /**
     * The outstanding probe was acknowledged: its size works.
     *
     * @return whether {@link #current()} grew
     */
    public boolean onProbeAcked(long now) {
        probePacketNumber = NONE;
        failures = 0;
        topFirst = false;
        boolean grew = probeSize > current;
        current = Math.max(current, probeSize);
        finishIfNarrow(now);
        return grew;
    }

    /** The outstanding probe was declared lost: after {@link #MAX_PROBES} losses its size is given up. */
    public void onProbeLost(long now) {
        probePacketNumber = NONE;
        if (++failures >= MAX_PROBES) {
            failures = 0;
            topFirst = false;
            high = Math.max(current, probeSize - 1);
            finishIfNarrow(now);
        }
    }

    /**
     * The outstanding probe never left: the local stack refused a datagram of its size (EMSGSIZE: larger than the
     * interface or the IP version carries, such as 65,527 bytes over IPv4, whose limit is 65,507). Unlike a loss this
     * is certain, so the size is given up at once (RFC 8899 §4.6.2 lets a PTB-like local signal lower the ceiling).
     */
    public void onProbeRefused(long now) {
        probePacketNumber = NONE;
        failures = 0;
        topFirst = false;
        high = Math.max(current, probeSize - 1);
        finishIfNarrow(now);
    }

    /**
     * Persistent congestion, or consecutive PTOs, while sending above the base size: a black hole (RFC 8899 §4.3).
     * The size drops to the base and the search starts again below the size that stopped working.
     *
     * @return whether {@link #current()} shrank
     */
    public boolean onBlackHole(long now) {
        if (current == base) {
            return false;
        }
        high = current - 1;
        current = base;
        failures = 0;
        topFirst = false;
        probePacketNumber = NONE;
        complete = false;
        finishIfNarrow(now);
        return true;
    }

    /** {@return whether the search has settled (until the raise interval passes)} */
    public boolean isComplete() {
        return complete;
    }

    private void finishIfNarrow(long now) {
        if (high - current < MIN_STEP) {
            complete = true;
            completedAt = now;
        }
    }

    @Override
    public String toString() {
        return "PathMtuSearch[base=" + base + ", current=" + current + ", high=" + high + ", ceiling=" + ceiling
                + (probePacketNumber != NONE ? ", probing " + probeSize : "") + (complete ? ", complete" : "") + "]";
    }
}
