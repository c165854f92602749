package qsock.core.connection;

import java.nio.ByteBuffer;
import qsock.api.Role;
import qsock.core.crypto.PacketProtection;
import qsock.core.error.QuicProtocolException;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.params.TransportParameters;

/**
 * 0-RTT (RFC 9001 §4.6, RFC 9000 §7.4.1): the client's 0-RTT write keys, with which it sends stream data before the
 * handshake completes, within the limits the server's remembered transport parameters set; the server's 0-RTT read
 * keys, and the 0-RTT packets that arrived before them (RFC 9001 §4.1.4, bounded); the server's answer. 0-RTT packets
 * share the application packet number space (RFC 9000 §12.3). On rejection the client takes every packet it sent in
 * 0-RTT out of flight and queues their frames again, to leave in 1-RTT packets (RFC 9002 §6.4, RFC 9001 §4.6.2).
 *
 * <p>Not thread-safe; part of its {@link QuicConnection}.
 */
final class EarlyData {

    /** The client's 0-RTT write keys, until 1-RTT keys replace them or the server rejects; else null. */
    PacketProtection sealer;
    /** The server's 0-RTT read keys, from the ClientHello until the handshake is confirmed; else null. */
    PacketProtection opener;
    /** 0-RTT packets that arrived before the server decided on them (RFC 9001 §4.1.4). */
    final UndecryptablePackets pending = new UndecryptablePackets();
    /** Whether 0-RTT is over on this side: no 0-RTT packet is sent, opened or buffered any more. */
    private boolean over;
    /** Whether the client offered early data; the server: whether it accepted it (its 0-RTT read keys came). */
    private boolean attempted;
    /** The server's answer: null until known. */
    private Boolean accepted;
    long packetsSent;
    long packetsReceived;

    private final QuicConnection c;

    EarlyData(QuicConnection connection) {
        this.c = connection;
    }

    /**
     * The client offers early data under remembered server parameters: their flow-control and stream limits apply
     * to what it sends until the server's own parameters arrive (RFC 9000 §7.4.1). Parameters that do not decode
     * (a corrupt ticket store) leave the limits unknown: then no stream opens before the handshake, and nothing
     * is sent in 0-RTT.
     */
    void onAttempt(byte[] remembered) {
        if (c.role != Role.CLIENT || c.peerParameters != null || over) {
            return;
        }
        TransportParameters p;
        try {
            p = TransportParameters.decode(ByteBuffer.wrap(remembered), Role.SERVER);
        } catch (QuicProtocolException | RuntimeException e) {
            over = true;
            return;
        }
        attempted = true;
        c.streams.setPeerLimits(p.initialMaxData(), p.initialMaxStreamDataBidiLocal(),
                p.initialMaxStreamDataBidiRemote(), p.initialMaxStreamDataUni(), p.initialMaxStreamsBidi(),
                p.initialMaxStreamsUni());
    }

    /** The 0-RTT secret of this side's direction arrived (client WRITE, server READ); {@code keys} are its keys. */
    void onKeys(PacketProtection keys, long now) {
        if (over) {
            return;
        }
        if (c.role == Role.CLIENT) {
            if (attempted) {
                sealer = keys;
            }
        } else {
            attempted = true;
            opener = keys;
            c.receiver.processPending(pending, now);
        }
    }

    /** The handshake keys of the server arrived: without 0-RTT keys before them, the server took no early data. */
    void onHandshakeKeys() {
        if (c.role == Role.SERVER && opener == null) {
            end();
        }
    }

    /**
     * The TLS stack's answer to the early data. A client whose early data was rejected takes its 0-RTT packets out
     * of flight, without a congestion reaction (RFC 9002 §6.4), and queues their frames again: the stream data goes
     * in 1-RTT packets at the same offsets, so the application loses nothing. Until 1-RTT keys are installed (they
     * come after this answer, RFC 9001 §4.1.1) every application packet sent was a 0-RTT packet.
     */
    void onStatus(boolean accepted) {
        this.accepted = accepted;
        if (accepted) {
            return;
        }
        if (c.role == Role.CLIENT && attempted && packetsSent > 0) {
            c.outcome.clear();
            c.recovery.discardSpace(PacketNumberSpace.APPLICATION, c.outcome);
            c.fate.leaveFlight(c.outcome, c.spaces[2]);
            c.outcome.clear();
        }
        if (c.role == Role.CLIENT && attempted) {
            rejectRememberedLimits();
        }
        end();
    }

    /**
     * RFC 9000 §7.4.1, RFC 9001 §4.6.2: after a rejection the remembered limits are void and the server's new ones
     * apply as they are, lower or not (the larger of both holds only when the server accepted, since it then must
     * not lower them). The streams forget what they sent in 0-RTT, so their data goes out again under the new
     * credit; the server's parameters, when they came before this answer, are applied again over the cleared ones.
     */
    private void rejectRememberedLimits() {
        c.streams.onEarlyDataRejected();
        TransportParameters p = c.peerParameters;
        if (p != null) {
            c.streams.setPeerLimits(p.initialMaxData(), p.initialMaxStreamDataBidiLocal(),
                    p.initialMaxStreamDataBidiRemote(), p.initialMaxStreamDataUni(), p.initialMaxStreamsBidi(),
                    p.initialMaxStreamsUni());
        }
    }

    /** 0-RTT is over: its keys go (RFC 9001 §4.9.3) and what waited for them is dropped. */
    void end() {
        over = true;
        sealer = null;
        opener = null;
        c.packetsDropped += pending.size();
        pending.clear();
    }

    /**
     * {@return whether the client can seal 0-RTT packets now} With 0-RTT keys, and only while the server's transport
     * parameters of this connection are unknown (RFC 9000 §7.4.1: frames in 0-RTT use the remembered parameters
     * alone, never updated ones; what is left waits for 1-RTT), in the version the client chose (RFC 9368 §4: no 0-RTT
     * in a version the server moved it to, whose keys would differ anyway), and with no 1-RTT keys yet.
     */
    boolean canSend() {
        return sealer != null && !c.oneRtt.canSend() && c.peerParameters == null && c.version == c.versions.chosen;
    }

    /**
     * {@return whether a 0-RTT packet that arrives now is kept for the server's 0-RTT keys} Only on a server that has
     * not decided yet; a client never opens 0-RTT packets (RFC 9000 §17.2.3: only clients send them).
     */
    boolean mayBuffer() {
        return c.role == Role.SERVER && !over && opener == null;
    }

    boolean attempted() {
        return attempted;
    }

    Boolean accepted() {
        return accepted;
    }
}
