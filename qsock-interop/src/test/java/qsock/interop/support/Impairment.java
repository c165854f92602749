package qsock.interop.support;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * What a {@link UdpRelay} does to the datagrams it forwards, after the QUIC interop runner's network scenarios
 * (quic-network-simulator's {@code drop-rate} for handshakeloss and {@code corrupt-rate} for handshakecorruption,
 * 30% each way with {@code --burst 3}): each datagram is dropped (or corrupted) with the given chance, independently,
 * except that once more than {@code maxBurst} in a row were, the next one goes through untouched (the simulator's
 * {@code dropped_in_a_row > burst} rule). Each direction draws from its own generator, seeded from {@link #seed()},
 * so a failing run names the seed that replays its pattern (the interleaving of the two directions depends on the
 * peers' timing).
 *
 * @param seed the seed of both directions' generators
 * @param lossPercent the chance, in percent, that a datagram is dropped
 * @param corruptPercent the chance, in percent, that a datagram is corrupted (one random byte flipped)
 * @param maxBurst after more than this many drops (or corruptions) in a row, one datagram goes through
 * @param delayMillis the one-way delay each forwarded datagram gets, each way (the runner's {@code --delay})
 */
public record Impairment(long seed, int lossPercent, int corruptPercent, int maxBurst, long delayMillis) {

    /** Checks the fields. */
    public Impairment {
        if (lossPercent < 0 || corruptPercent < 0 || lossPercent + corruptPercent > 100 || maxBurst < 1
                || delayMillis < 0) {
            throw new IllegalArgumentException("loss " + lossPercent + "%, corruption " + corruptPercent
                    + "%, burst " + maxBurst + ", delay " + delayMillis + " ms");
        }
    }

    /** {@return a relay that forwards every datagram as it came} */
    public static Impairment none() {
        return new Impairment(0, 0, 0, 1, 0);
    }

    /** {@return the runner's handshakeloss network: 30% loss each way, --burst 3, 15 ms each way} */
    public static Impairment loss(long seed) {
        return new Impairment(seed, 30, 0, 3, 15);
    }

    /** {@return the runner's handshakecorruption network: 30% of datagrams corrupted each way, --burst 3, 15 ms each way} */
    public static Impairment corruption(long seed) {
        return new Impairment(seed, 0, 30, 3, 15);
    }

    /** {@return true if this impairment changes nothing} */
    public boolean isNone() {
        return lossPercent == 0 && corruptPercent == 0 && delayMillis == 0;
    }

    /** One direction's state: its generator and how many datagrams in a row it impaired. One thread at a time. */
    final class Direction {
        private final SplittableRandom random;
        private int inARow;

        Direction(int index) {
            this.random = new SplittableRandom(seed * 31 + index);
        }

        /** What happens to the next datagram. */
        Verdict next() {
            int draw = random.nextInt(100);
            if (inARow > maxBurst) {
                inARow = 0;
                return Verdict.FORWARD;
            }
            if (draw < lossPercent) {
                inARow++;
                return Verdict.DROP;
            }
            if (draw < lossPercent + corruptPercent) {
                inARow++;
                return Verdict.CORRUPT;
            }
            inARow = 0;
            return Verdict.FORWARD;
        }

        /**
         * Flips bits of one random byte of {@code datagram} (between its position and limit), in place.
         *
         * @return the byte's offset from the position
         */
        int corrupt(ByteBuffer datagram) {
            if (!datagram.hasRemaining()) {
                return 0;
            }
            int at = random.nextInt(datagram.remaining());
            datagram.put(datagram.position() + at, (byte) (datagram.get(datagram.position() + at) ^ (1 + random.nextInt(255))));
            return at;
        }
    }

    /** The fate of one datagram. */
    enum Verdict { FORWARD, DROP, CORRUPT }
}
