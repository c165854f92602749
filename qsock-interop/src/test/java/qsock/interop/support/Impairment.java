package qsock.interop.support;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * What a {@link UdpRelay} does to the datagrams it forwards, after the QUIC interop runner's network scenarios:
 * {@code drop-rate} (handshakeloss) and {@code corrupt-rate} (handshakecorruption), 30% each way with bursts of up
 * to 3. Each direction draws from its own generator, seeded from {@link #seed()}, so a failing run names the seed
 * that replays its pattern of losses (the interleaving of the two directions depends on the peers' timing).
 *
 * @param seed the seed of both directions' generators
 * @param lossPercent the chance, in percent, that a datagram starts a burst of losses
 * @param corruptPercent the chance, in percent, that a datagram starts a burst of corrupted datagrams
 * @param maxBurst the longest burst: each burst is 1..maxBurst datagrams long
 */
public record Impairment(long seed, int lossPercent, int corruptPercent, int maxBurst) {

    /** Checks the fields. */
    public Impairment {
        if (lossPercent < 0 || lossPercent > 100 || corruptPercent < 0 || corruptPercent > 100 || maxBurst < 1) {
            throw new IllegalArgumentException("loss " + lossPercent + "%, corruption " + corruptPercent
                    + "%, burst " + maxBurst);
        }
    }

    /** {@return a relay that forwards every datagram as it came} */
    public static Impairment none() {
        return new Impairment(0, 0, 0, 1);
    }

    /** {@return the runner's handshakeloss network: 30% loss each way, bursts of up to 3} */
    public static Impairment loss(long seed) {
        return new Impairment(seed, 30, 0, 3);
    }

    /** {@return the runner's handshakecorruption network: 30% of datagrams corrupted each way, bursts of up to 3} */
    public static Impairment corruption(long seed) {
        return new Impairment(seed, 0, 30, 3);
    }

    /** {@return true if this impairment changes nothing} */
    public boolean isNone() {
        return lossPercent == 0 && corruptPercent == 0;
    }

    /** One direction's state: its generator and the bursts under way. Used by one relay thread only. */
    final class Direction {
        private final SplittableRandom random;
        private int lossesLeft;
        private int corruptionsLeft;

        Direction(int index) {
            this.random = new SplittableRandom(seed * 31 + index);
        }

        /** What happens to the next datagram. */
        Verdict next() {
            if (lossesLeft == 0 && lossPercent > 0 && random.nextInt(100) < lossPercent) {
                lossesLeft = 1 + random.nextInt(maxBurst);
            }
            if (lossesLeft > 0) {
                lossesLeft--;
                return Verdict.DROP;
            }
            if (corruptionsLeft == 0 && corruptPercent > 0 && random.nextInt(100) < corruptPercent) {
                corruptionsLeft = 1 + random.nextInt(maxBurst);
            }
            if (corruptionsLeft > 0) {
                corruptionsLeft--;
                return Verdict.CORRUPT;
            }
            return Verdict.FORWARD;
        }

        /** Flips the bits of one random byte of {@code datagram} (between its position and limit), in place. */
        void corrupt(ByteBuffer datagram) {
            if (!datagram.hasRemaining()) {
                return;
            }
            int at = datagram.position() + random.nextInt(datagram.remaining());
            datagram.put(at, (byte) (datagram.get(at) ^ (1 + random.nextInt(255))));
        }
    }

    /** The fate of one datagram. */
    enum Verdict { FORWARD, DROP, CORRUPT }
}
