package qsock.core.connection;

import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketProtection;

/**
 * The 1-RTT keys and their updates (RFC 9001 §6): the current write and read generations, the next read
 * generation (derived on first need), and the previous read generation, kept for three PTOs after an update
 * so that reordered packets still open (§6.5). Header protection keys never change (§6).
 */
final class KeyPhases {

    PacketProtection sealer;
    PacketProtection opener;
    private PacketProtection nextOpener;
    private PacketProtection previousOpener;
    /** When the previous read keys are dropped; {@code Long.MAX_VALUE} while there are none. */
    long previousDiscardDeadline = Long.MAX_VALUE;
    /** The smallest packet number opened with the current read keys since the last update. */
    private long currentPhaseFirstPacket = -1;
    /** The number of key updates the peer started and we followed. */
    long updates;

    boolean canSend() {
        return sealer != null;
    }

    boolean canReceive() {
        return opener != null;
    }

    /**
     * Decrypts a 1-RTT packet whose header protection is removed, choosing the generation by its Key Phase
     * bit (RFC 9001 §6.3), and follows a key update the peer started.
     *
     * @param pto the current PTO, for how long the previous keys stay
     * @return the payload length, or {@link PacketProtection#AUTHENTICATION_FAILED}
     */
    int decrypt(java.nio.ByteBuffer buffer, OpenedPacket packet, long now, long pto) {
        int phase = packet.keyPhase();
        long pn = packet.packetNumber();
        if (phase == opener.keyPhase()) {
            int n = opener.decryptPayload(buffer, packet);
            if (n >= 0 && (currentPhaseFirstPacket < 0 || pn < currentPhaseFirstPacket)) {
                currentPhaseFirstPacket = pn;
            }
            return n;
        }
        if (previousOpener != null && pn < currentPhaseFirstPacket) {
            // A packet of the previous phase arriving late (§6.5).
            return previousOpener.decryptPayload(buffer, packet);
        }
        if (nextOpener == null) {
            nextOpener = opener.nextGeneration();
        }
        int n = nextOpener.decryptPayload(buffer, packet);
        if (n < 0) {
            return n;
        }
        // §6.2: the peer updated its keys; update ours to answer in the new phase.
        previousOpener = opener;
        opener = nextOpener;
        nextOpener = null;
        currentPhaseFirstPacket = pn;
        previousDiscardDeadline = now + 3 * pto;
        if (sealer.generation() < opener.generation()) {
            sealer = sealer.nextGeneration();
        }
        updates++;
        return n;
    }

    /** Drops the previous read keys once their time is over. */
    void onTimeout(long now) {
        if (previousOpener != null && now - previousDiscardDeadline >= 0) {
            previousOpener = null;
            previousDiscardDeadline = Long.MAX_VALUE;
        }
    }
}
