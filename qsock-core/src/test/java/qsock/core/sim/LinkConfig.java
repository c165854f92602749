package qsock.core.sim;

/**
 * How one direction of a simulated link treats datagrams. Rates are probabilities in [0, 1], decided
 * independently per datagram; times are nanoseconds.
 *
 * <p>A datagram longer than {@code mtu} is dropped. Otherwise it joins the queue (tail drop when the bytes
 * not yet serialized plus its own exceed {@code queueLimitBytes}), is serialized at
 * {@code bandwidthBitsPerSecond}, may be lost on the wire, and arrives {@code delayNanos} plus a uniform
 * jitter in [0, {@code jitterNanos}] after its serialization ends (jitter alone can therefore reorder).
 * A datagram picked for reordering gets {@code reorderExtraDelayNanos} more; a corrupted one has one random
 * bit flipped; a duplicated one is delivered a second time, unmodified, between 1 ns and
 * {@code delayNanos + 1} ns after the first copy (the copy uses no bandwidth).
 *
 * @param lossRate probability that a datagram is lost on the wire
 * @param duplicateRate probability that a datagram is delivered twice
 * @param reorderRate probability that a datagram gets {@code reorderExtraDelayNanos} of extra delay
 * @param reorderExtraDelayNanos the extra delay of a reordered datagram
 * @param corruptRate probability that one bit of a datagram is flipped
 * @param delayNanos fixed one-way propagation delay
 * @param jitterNanos upper bound of the uniform random delay added to each datagram
 * @param bandwidthBitsPerSecond serialization rate, 0 for unlimited (no serialization delay, no queue)
 * @param queueLimitBytes bytes the link holds before tail drop, including the one being serialized; 0 for
 *     unlimited (only meaningful with a bandwidth)
 * @param mtu the longest datagram (UDP payload) the link carries, at least 1
 */
public record LinkConfig(double lossRate, double duplicateRate, double reorderRate, long reorderExtraDelayNanos,
                         double corruptRate, long delayNanos, long jitterNanos, long bandwidthBitsPerSecond,
                         int queueLimitBytes, int mtu) {

    /** The longest UDP payload over IPv4: the MTU of links that should not limit datagram size. */
    public static final int MAX_UDP_PAYLOAD = 65_507;

    /** The UDP payload of a 1500-byte Ethernet MTU over IPv4 (1500 - 20 - 8). */
    public static final int ETHERNET_UDP_PAYLOAD = 1472;

    private static final long MS = 1_000_000L;

    /** Checks every field. */
    public LinkConfig {
        checkRate("lossRate", lossRate);
        checkRate("duplicateRate", duplicateRate);
        checkRate("reorderRate", reorderRate);
        checkRate("corruptRate", corruptRate);
        checkNonNegative("reorderExtraDelayNanos", reorderExtraDelayNanos);
        checkNonNegative("delayNanos", delayNanos);
        checkNonNegative("jitterNanos", jitterNanos);
        checkNonNegative("bandwidthBitsPerSecond", bandwidthBitsPerSecond);
        checkNonNegative("queueLimitBytes", queueLimitBytes);
        if (mtu < 1) {
            throw new IllegalArgumentException("mtu must be at least 1: " + mtu);
        }
    }

    /** {@return a link that delivers everything at once, unchanged and in order} */
    public static LinkConfig perfect() {
        return new LinkConfig(0, 0, 0, 0, 0, 0, 0, 0, 0, MAX_UDP_PAYLOAD);
    }

    /** {@return a {@link #perfect()} link that loses each datagram with probability {@code lossRate}} */
    public static LinkConfig lossy(double lossRate) {
        return perfect().withLoss(lossRate);
    }

    /** {@return a {@link #perfect()} link with a fixed one-way delay} */
    public static LinkConfig delayed(long delayNanos) {
        return perfect().withDelay(delayNanos, 0);
    }

    /** {@return a local network: 0.1 ms, 1 Gbit/s, 1 MB queue, Ethernet MTU} */
    public static LinkConfig lan() {
        return perfect().withDelay(MS / 10, 0).withBandwidth(1_000_000_000L, 1 << 20).withMtu(ETHERNET_UDP_PAYLOAD);
    }

    /**
     * {@return a wide-area path: 25 ms plus up to 2 ms jitter, 50 Mbit/s with about one bandwidth-delay
     * product of queue, Ethernet MTU}
     */
    public static LinkConfig wan() {
        return perfect().withDelay(25 * MS, 2 * MS).withBandwidth(50_000_000L, 320_000).withMtu(ETHERNET_UDP_PAYLOAD);
    }

    /**
     * {@return a path that does everything wrong often: 5% loss, 1% duplication, 5% reordering by 10 ms,
     * 1% corruption, 30 ms plus up to 5 ms jitter, 10 Mbit/s with a 64 KB queue, Ethernet MTU}
     */
    public static LinkConfig hostile() {
        return new LinkConfig(0.05, 0.01, 0.05, 10 * MS, 0.01, 30 * MS, 5 * MS, 10_000_000L, 64 * 1024,
                ETHERNET_UDP_PAYLOAD);
    }

    /** {@return this config with another loss rate} */
    public LinkConfig withLoss(double rate) {
        return new LinkConfig(rate, duplicateRate, reorderRate, reorderExtraDelayNanos, corruptRate, delayNanos,
                jitterNanos, bandwidthBitsPerSecond, queueLimitBytes, mtu);
    }

    /** {@return this config with another duplication rate} */
    public LinkConfig withDuplication(double rate) {
        return new LinkConfig(lossRate, rate, reorderRate, reorderExtraDelayNanos, corruptRate, delayNanos,
                jitterNanos, bandwidthBitsPerSecond, queueLimitBytes, mtu);
    }

    /** {@return this config with another reordering rate and extra delay} */
    public LinkConfig withReordering(double rate, long extraDelayNanos) {
        return new LinkConfig(lossRate, duplicateRate, rate, extraDelayNanos, corruptRate, delayNanos,
                jitterNanos, bandwidthBitsPerSecond, queueLimitBytes, mtu);
    }

    /** {@return this config with another corruption rate} */
    public LinkConfig withCorruption(double rate) {
        return new LinkConfig(lossRate, duplicateRate, reorderRate, reorderExtraDelayNanos, rate, delayNanos,
                jitterNanos, bandwidthBitsPerSecond, queueLimitBytes, mtu);
    }

    /** {@return this config with another fixed delay and jitter bound} */
    public LinkConfig withDelay(long delay, long jitter) {
        return new LinkConfig(lossRate, duplicateRate, reorderRate, reorderExtraDelayNanos, corruptRate, delay,
                jitter, bandwidthBitsPerSecond, queueLimitBytes, mtu);
    }

    /** {@return this config with another bandwidth (0 = unlimited) and queue limit (0 = unlimited)} */
    public LinkConfig withBandwidth(long bitsPerSecond, int queueBytes) {
        return new LinkConfig(lossRate, duplicateRate, reorderRate, reorderExtraDelayNanos, corruptRate, delayNanos,
                jitterNanos, bitsPerSecond, queueBytes, mtu);
    }

    /** {@return this config with another MTU} */
    public LinkConfig withMtu(int newMtu) {
        return new LinkConfig(lossRate, duplicateRate, reorderRate, reorderExtraDelayNanos, corruptRate, delayNanos,
                jitterNanos, bandwidthBitsPerSecond, queueLimitBytes, newMtu);
    }

    /** {@return the nanoseconds it takes to serialize {@code bytes} at this bandwidth, rounded up; 0 if unlimited} */
    public long serializationNanos(int bytes) {
        // bytes <= 65_535, so bytes * 8e9 < 2^63.
        return bandwidthBitsPerSecond == 0 ? 0 : Math.ceilDiv(bytes * 8_000_000_000L, bandwidthBitsPerSecond);
    }

    private static void checkRate(String name, double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1]: " + rate);
        }
    }

    private static void checkNonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
    }
}
