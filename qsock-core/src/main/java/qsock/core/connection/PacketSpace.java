package qsock.core.connection;

import qsock.core.handshake.EncryptionLevel;
import qsock.core.crypto.PacketProtection;
import qsock.core.packet.PacketNumber;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.recovery.AckTracker;

/**
 * The per-space state of a connection (RFC 9000 §12.3): packet numbers sent and received, the ACK state of
 * what was received, the CRYPTO stream of its level and the keys. 1-RTT keys, which change with key
 * updates, are kept by {@link KeyPhases}; this holds the Initial and Handshake ones.
 */
final class PacketSpace {

    final PacketNumberSpace id;
    final EncryptionLevel level;
    final AckTracker acks;
    final CryptoStream crypto;
    PacketProtection sealer;
    PacketProtection opener;
    long nextPacketNumber;
    long largestReceived = PacketNumber.NONE;
    /** PTO probes still to send in this space (RFC 9002 §6.2.4). */
    int probesPending;
    boolean discarded;
    /** Packets that arrived before their keys (RFC 9001 §4.1.4 allows buffering them), bounded. */
    final UndecryptablePackets pending = new UndecryptablePackets();

    PacketSpace(PacketNumberSpace id, EncryptionLevel level, long maxAckDelayNanos, int maxCryptoBuffer) {
        this.id = id;
        this.level = level;
        this.acks = new AckTracker(id, maxAckDelayNanos);
        this.crypto = new CryptoStream(maxCryptoBuffer);
    }

    boolean canSend() {
        return !discarded && sealer != null;
    }

    /**
     * Forgets keys and state (RFC 9001 §4.9), and lets go of what held them (the ACK ranges, the CRYPTO buffers),
     * since the connection lives on without this space; the loss detector's share is discarded by the caller.
     */
    void discard() {
        discarded = true;
        // RFC 9001 §9: the level's secrets and keys are overwritten, not left to the garbage collector.
        if (sealer != null) {
            sealer.destroy(true);
        }
        if (opener != null) {
            opener.destroy(true);
        }
        sealer = null;
        opener = null;
        probesPending = 0;
        acks.discard();
        crypto.discard();
        pending.clear();
    }
}
