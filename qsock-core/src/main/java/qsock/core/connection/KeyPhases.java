package qsock.core.connection;

import qsock.core.qlog.QlogTrace;
import java.util.Queue;
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketProtection;

/**
 * The 1-RTT keys and their updates (RFC 9001 §6): the current write and read generations, the next read
 * generation (derived on first need), and the previous read generation, kept for three PTOs after an update
 * so that reordered packets still open (§6.5). Header protection keys never change (§6).
 *
 * <p>Updates the peer starts are followed; this side starts one after a configured number of packets under one
 * write key, below the AEAD confidentiality limit (§6.6: 2^23 packets for AES-GCM), or when the application asks
 * ({@link #initiate}), but only once the last update is over ({@link #updateRefusal}).
 *
 * <p>An update is complete when both sides send with the new keys: for one this side started, when the peer
 * acknowledged a packet of the new phase and answered in it (§6.1, §6.2); for the peer's, when our send keys
 * followed (§6.2). Each completed update is reported once, as a {@link ConnectionEvent.KeyUpdated}, to the queue
 * given to {@link #reportTo}, if any.
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
    /** The number of key updates this side started. */
    long initiated;
    /** The first packet number sealed with the current write keys, or -1 before one is. */
    private long writePhaseFirstPacket = -1;
    /** Packets sealed with the current write keys. */
    private long writePhasePackets;
    /** Whether an ACK covered a packet sealed with the current write keys (RFC 9001 §6.1). */
    private boolean writePhaseAcknowledged;
    /** This side started the update to the current write keys, and its completion is not yet reported. */
    private boolean localUpdateOpen;
    /** Where completed updates are reported, or null when nobody asked for them. */
    private Queue<ConnectionEvent> reports;
    /** The connection's qlog trace, told of every key update; null logs nothing. */
    QlogTrace qlog;
    /** Whether the keys are a server's, for qlog's key names. */
    boolean server;
    /** We followed the peer's update and no ack-eliciting packet of the new phase was asked for yet. */
    private boolean ackElicitationDue;

    /** Reports each completed key update to {@code events} from now on, or to nobody if null. */
    void reportTo(Queue<ConnectionEvent> events) {
        this.reports = events;
    }

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
        destroyGeneration(previousOpener);
        previousOpener = opener;
        opener = nextOpener;
        nextOpener = null;
        currentPhaseFirstPacket = pn;
        if (qlog != null) {
            qlog.keyUpdated(secret(false), sealer.generation() < opener.generation() ? "remote_update" : "local_update",
                    opener.generation(), now);
        }
        previousDiscardDeadline = now + 3 * pto;
        if (sealer.generation() < opener.generation()) {
            if (localUpdateOpen) {
                // The peer moved on from the phase we started: it had answered in it, so that update is over too.
                localUpdateOpen = false;
                report(sealer.keyPhase(), true);
            }
            PacketProtection old = sealer;
            sealer = sealer.nextGeneration();
            destroyGeneration(old);
            newWritePhase();
            updates++;
            ackElicitationDue = true;
            if (qlog != null) {
                qlog.keyUpdated(secret(true), "remote_update", sealer.generation(), now);
            }
            // §6.2: both sides now send with the keys of the peer's update.
            report(sealer.keyPhase(), false);
        } else {
            // The peer answered the update we started (§6.2); complete once a packet of it was acknowledged too.
            completeLocalUpdate();
        }
        return n;
    }

    /**
     * {@return true once after we followed the peer's update} The caller sends an ack-eliciting packet of the new
     * phase: an ACK-only one is never acknowledged (RFC 9000 §13.2.1), and until one of the new phase is, this side
     * may start no update (RFC 9001 §6.1); on a connection that only answers, that would be never.
     */
    boolean takeAckElicitation() {
        if (ackElicitationDue) {
            ackElicitationDue = false;
            return true;
        }
        return false;
    }

    /** Counts a 1-RTT packet sealed with the current write keys. */
    void onPacketSealed(long packetNumber) {
        if (writePhaseFirstPacket < 0) {
            writePhaseFirstPacket = packetNumber;
        }
        writePhasePackets++;
    }

    /** Notes the largest 1-RTT packet number an ACK frame acknowledged. */
    void onAcknowledged(long largestAcknowledged) {
        if (!writePhaseAcknowledged && writePhaseFirstPacket >= 0 && largestAcknowledged >= writePhaseFirstPacket) {
            writePhaseAcknowledged = true;
            completeLocalUpdate();
        }
    }

    /**
     * Reports the update this side started as complete if both sides are in its phase: the peer acknowledged a packet
     * sealed with the new keys (RFC 9001 §6.1) and answered with them (§6.2).
     */
    private void completeLocalUpdate() {
        if (localUpdateOpen && writePhaseAcknowledged && opener.generation() == sealer.generation()) {
            localUpdateOpen = false;
            report(sealer.keyPhase(), true);
        }
    }

    private void report(int keyPhase, boolean local) {
        if (reports != null) {
            reports.add(new ConnectionEvent.KeyUpdated(keyPhase, local));
        }
    }

    /**
     * {@return why this side may not start a key update now, or null if it may} The handshake's confirmation
     * (RFC 9001 §6.1) is the caller's to check. An update is in progress, and another must wait, until the peer
     * answered in the new phase (§6.2), a packet of the new phase was acknowledged (§6.1: "MUST NOT initiate a
     * subsequent key update unless it has received an acknowledgment for a packet that was sent protected with keys
     * from the current key phase"), and the previous read keys, kept for three PTOs after the switch, are gone
     * (§6.5: "SHOULD wait three times the PTO before initiating a key update after receiving an acknowledgment that
     * confirms that the previous key update was received"). The first phase needs no acknowledgement: there is no
     * previous update.
     */
    String updateRefusal() {
        if (sealer == null || opener == null) {
            return "no 1-RTT keys";
        }
        if (sealer.generation() != opener.generation()) {
            return "a key update is in progress: the peer has not answered in key phase " + sealer.keyPhase()
                    + " yet (RFC 9001 §6.2)";
        }
        if (sealer.generation() > 0 && !writePhaseAcknowledged) {
            return "a key update is in progress: no packet of key phase " + sealer.keyPhase()
                    + " acknowledged yet (RFC 9001 §6.1)";
        }
        if (previousOpener != null) {
            return "a key update is in progress: the previous read keys are kept for three PTOs after the last"
                    + " update (RFC 9001 §6.5)";
        }
        return null;
    }

    /**
     * Starts a key update when the current write keys sealed {@code interval} packets and the rules allow one
     * (RFC 9001 §6.1): the peer acknowledged a packet of the current phase, and both directions are in the
     * same phase with the previous read keys dropped. The read keys follow when the peer answers in the new
     * phase ({@link #decrypt}).
     *
     * @return whether an update started
     */
    boolean maybeInitiate(long interval) {
        if (writePhasePackets < interval || !writePhaseAcknowledged || previousOpener != null
                || sealer.generation() != opener.generation()) {
            return false;
        }
        initiate();
        return true;
    }

    /**
     * Starts a key update (RFC 9001 §6.1): new write keys from now on; the read keys follow when the peer answers in
     * the new phase ({@link #decrypt}). The caller checked that one may start ({@link #updateRefusal}).
     */
    void initiate() {
        PacketProtection old = sealer;
        sealer = sealer.nextGeneration();
        // Every packet of the old write keys is sealed: they are not needed any more (RFC 9001 §9).
        destroyGeneration(old);
        newWritePhase();
        initiated++;
        if (qlog != null) {
            qlog.keyUpdated(secret(true), "local_update", sealer.generation());
        }
        localUpdateOpen = true;
    }

    /** {@return qlog's KeyType of our 1-RTT secret ({@code ours}) or the peer's} */
    private String secret(boolean ours) {
        return (server == ours ? "server" : "client") + "_1rtt_secret";
    }

    private void newWritePhase() {
        writePhaseFirstPacket = -1;
        writePhasePackets = 0;
        writePhaseAcknowledged = false;
    }

    /** Drops the previous read keys once their time is over. */
    void onTimeout(long now) {
        if (previousDiscardDeadline != Long.MAX_VALUE && now - previousDiscardDeadline >= 0) {
            destroyGeneration(previousOpener);
            previousOpener = null;
            previousDiscardDeadline = Long.MAX_VALUE;
        }
    }

    /** {@return the previous read keys, kept after a key update for late packets; null when there are none} */
    PacketProtection previousOpener() {
        return previousOpener;
    }

    /**
     * Overwrites a generation's secret and AEAD key material that is no longer needed (RFC 9001 §9); the header
     * protection key stays, shared with the generations still in use.
     */
    private static void destroyGeneration(PacketProtection keys) {
        if (keys != null) {
            keys.destroy(false);
        }
    }

    /** Overwrites every 1-RTT secret and key, header protection included: the connection ended (RFC 9001 §9). */
    void destroy() {
        for (PacketProtection keys : new PacketProtection[] {sealer, opener, nextOpener, previousOpener}) {
            if (keys != null) {
                keys.destroy(true);
            }
        }
    }
}
