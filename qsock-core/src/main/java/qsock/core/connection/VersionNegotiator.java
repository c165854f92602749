package qsock.core.connection;

import java.util.List;
import qsock.api.ConnectionState;
import qsock.api.QuicVersion;
import qsock.api.Role;
import qsock.core.crypto.PacketProtection;
import qsock.core.error.ConnectionError;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.packet.VersionNegotiationPacket;
import qsock.core.params.VersionInformation;

/**
 * The version of a connection and how it was reached (RFC 9368, RFC 9369 §4): the client's start over after a
 * Version Negotiation packet (incompatible negotiation, RFC 9368 §2.1), the server's move of a client to the version
 * it prefers and the client's following it (compatible negotiation, §2.3), and the version_information transport
 * parameter both send and check, which detects downgrades (§4). Versions 1 and 2, all qsock speaks, are compatible
 * with each other both ways (RFC 9369 §4), so every configured version is one a first flight converts to.
 *
 * <p>Not thread-safe; part of its {@link QuicConnection}.
 */
final class VersionNegotiator {

    private final QuicConnection c;
    /**
     * The client's Chosen Version of the current attempt: the version of its first Initial (for a server, the
     * version of the client's Initial that made the connection).
     */
    QuicVersion chosen;
    /** The client's very first version, before any Version Negotiation packet (RFC 9368 §1.2 Original Version). */
    final QuicVersion original;
    /** Whether the client started over after a Version Negotiation packet; then it ignores any other (§4). */
    boolean reactedToVersionNegotiation;
    /** Whether the client knows the server's version: it opened a server Initial, in the chosen version or not. */
    private boolean negotiatedKnown;
    /**
     * A server that moved the client to another version opens the client's Initials of the chosen version with these
     * keys until it processes a Handshake packet of the new version (RFC 9369 §4); else null.
     */
    PacketProtection chosenInitialOpener;
    /** How many times the client started its handshake over; the handshake driver starts again when it changes. */
    int attempt;

    VersionNegotiator(QuicConnection connection, QuicVersion version) {
        this.c = connection;
        this.chosen = version;
        this.original = version;
    }

    /**
     * {@return our version_information (RFC 9368 §3): the version in use, and our versions in preference order}
     * Without compatible negotiation ({@code ConnectionConfig.compatibleVersionNegotiation}) only the version in use
     * is listed: a client's list then leaves a server nothing to move it to (§2.3), and a server's tells the client
     * it takes no other.
     */
    VersionInformation local() {
        List<QuicVersion> versions = c.config.compatibleVersionNegotiation() ? c.config.versions()
                : List.of(c.version);
        int[] available = new int[versions.size()];
        for (int i = 0; i < available.length; i++) {
            available[i] = versions.get(i).wireValue();
        }
        return VersionInformation.of(c.version.wireValue(), available);
    }

    /**
     * A client's answer to a Version Negotiation packet, whose connection IDs it already checked (RFC 9000 §6.2,
     * RFC 9368 §2.1, §4): one listing the version it attempted is ignored, and so is any after it started over once;
     * otherwise it starts over with the first of its versions the packet lists, or ends the attempt if none.
     */
    void onVersionNegotiation(VersionNegotiationPacket vn, long now) {
        if (reactedToVersionNegotiation || vn.lists(original.wireValue())) {
            return;
        }
        QuicVersion next = null;
        for (QuicVersion v : c.config.versions()) {
            if (vn.lists(v.wireValue())) {
                next = v;
                break;
            }
        }
        if (next == null) {
            c.closing.closeSilently(new ConnectionError(ConnectionError.Kind.VERSION_NEGOTIATION, 0, 0,
                    "the server offers " + PacketReceiver.versionList(vn.versions()) + ", none of ours", true));
            return;
        }
        reactedToVersionNegotiation = true;
        startOver(next, now);
    }

    /**
     * A new connection attempt with {@code next} (RFC 9368 §2.1): fresh Initial keys of that version for the same
     * Destination Connection ID, the first flight forgotten (it never reached a server that speaks it), and a new
     * handshake, which the handshake driver starts when it sees {@link #attempt} change; it asks for our transport
     * parameters again, now naming {@code next} as the Chosen Version.
     */
    private void startOver(QuicVersion next, long now) {
        chosen = next;
        c.setVersion(next);
        PacketSpace old = c.spaces[0];
        c.outcome.clear();
        c.recovery.onRetry(c.outcome);
        c.fate.leaveFlight(c.outcome, null);
        c.outcome.clear();
        c.builder.forget(old);
        PacketSpace fresh = new PacketSpace(old.id, old.level, c.config.maxAckDelayMillis() * 1_000_000L,
                c.config.maxCryptoBuffer());
        // Packet numbers go on: the loss detector's log of the space is ordered by them.
        fresh.nextPacketNumber = old.nextPacketNumber;
        fresh.sealer = PacketProtection.initial(next, c.originalDestinationId, Role.CLIENT);
        fresh.opener = PacketProtection.initial(next, c.originalDestinationId, Role.SERVER);
        old.discard();
        c.spaces[0] = fresh;
        c.parameters.forgetLocal();
        // RFC 9369 §5: a NEW_TOKEN token from a connection of the first version does not start one of another.
        c.initialToken = null;
        attempt++;
    }

    /**
     * Whether a client takes a server Initial of {@code version}, not the one in use, as the server's move to it
     * (RFC 9369 §4: the first long header Version that differs from the original version names the negotiated
     * one): only before it knows the server's version, only for one of its own versions.
     *
     * @return the Initial keys to open that packet with, or null to drop it
     */
    PacketProtection compatibleInitialOpener(QuicVersion version) {
        // Once Handshake keys are in, the server's ServerHello arrived: its version is the one in use.
        if (c.role != Role.CLIENT || negotiatedKnown || c.spaces[1].opener != null
                || c.state != ConnectionState.HANDSHAKING || !c.config.versions().contains(version)
                || !c.config.compatibleVersionNegotiation()) {
            return null;
        }
        return PacketProtection.initial(version, initialDestination(), Role.SERVER);
    }

    /**
     * A server Initial of {@code version} opened with the keys {@link #compatibleInitialOpener} gave: the client
     * follows the server there (RFC 9369 §4), with Initial keys of that version for what it sends from now on.
     */
    void followServer(QuicVersion version, PacketProtection opener) {
        negotiatedKnown = true;
        c.setVersion(version);
        PacketSpace initial = c.spaces[0];
        initial.opener = opener;
        initial.sealer = PacketProtection.initial(version, initialDestination(), Role.CLIENT);
    }

    private qsock.core.wire.ConnectionId initialDestination() {
        return c.retrySourceId != null ? c.retrySourceId : c.originalDestinationId;
    }

    /**
     * Checks the peer's version_information (RFC 9368 §4), null if it sent none; a server then moves the client to
     * the version it prefers among those the client lists (compatible negotiation, §2.3), before its own transport
     * parameters are encoded.
     *
     * @throws QuicProtocolException VERSION_NEGOTIATION_ERROR for a downgrade or a mismatch
     */
    void onPeerVersionInformation(VersionInformation peer) throws QuicProtocolException {
        if (c.role == Role.SERVER) {
            if (peer == null) {
                return; // RFC 9368 §4: servers MAY complete the handshake without it
            }
            // RFC 9368 §4: the client's Chosen Version is the version of its Initial.
            if (peer.chosenVersion() != chosen.wireValue()) {
                throw error("the client's Chosen Version 0x" + Integer.toHexString(peer.chosenVersion())
                        + " is not the version of its Initial, " + chosen);
            }
            if (!c.config.compatibleVersionNegotiation()) {
                return; // the client stays on the version it came with (the socket draft's disable_compatible_version)
            }
            // RFC 9368 §2.3: the server picks among the client's Available Versions. It moves the client only to a
            // version both sides rank above the Chosen Version: the server's list, then the client's (its order is
            // advisory, but a client that chose the version it prefers is left there: Kwik 0.10.8 aborts when moved
            // from version 2 to version 1).
            List<Integer> clientOrder = peer.availableVersions();
            int chosenRank = clientOrder.indexOf(chosen.wireValue());
            for (QuicVersion v : c.config.versions()) {
                if (v == chosen) {
                    return;
                }
                int rank = clientOrder.indexOf(v.wireValue());
                if (rank >= 0 && rank < chosenRank) {
                    moveClientTo(v);
                    return;
                }
            }
            return;
        }
        if (peer == null) {
            // RFC 9368 §4: after a Version Negotiation packet, the server's Version Information must be there.
            if (reactedToVersionNegotiation) {
                throw error("the server sent no version_information after Version Negotiation");
            }
            return;
        }
        // RFC 9368 §4: the server's Chosen Version is the negotiated one, and one we offered.
        if (peer.chosenVersion() != c.version.wireValue()) {
            throw error("the server's Chosen Version 0x" + Integer.toHexString(peer.chosenVersion())
                    + " is not the version in use, " + c.version);
        }
        if (!c.config.versions().contains(QuicVersion.fromWire(peer.chosenVersion()))) {
            throw error("the server chose 0x" + Integer.toHexString(peer.chosenVersion()) + ", which we did not offer");
        }
        if (reactedToVersionNegotiation && peer.availableVersions().isEmpty()) {
            // RFC 9368 §4: a server that sent Version Negotiation must list what it supports; an empty list after
            // one means the Version Negotiation packet did not come from it.
            throw error("the server lists no Available Versions, after a Version Negotiation packet");
        }
        if (reactedToVersionNegotiation) {
            // RFC 9368 §4: we would have attempted the same version, had the Version Negotiation packet listed the
            // server's Available Versions and the negotiated one; else it was forged to force a downgrade.
            QuicVersion would = null;
            for (QuicVersion v : c.config.versions()) {
                if (v == c.version || peer.isAvailable(v.wireValue())) {
                    would = v;
                    break;
                }
            }
            if (would != chosen) {
                throw error("version downgrade: we attempted " + chosen + " after Version Negotiation, but the server"
                        + " offers " + peer.availableVersions().stream().map(v -> "0x" + Integer.toHexString(v))
                        .toList() + " and we prefer " + would);
            }
        }
    }

    /**
     * The server's compatible negotiation (RFC 9368 §2.3, RFC 9369 §4): what it sends from now on, its CRYPTO frames
     * first of all, is of {@code version}; it keeps opening the client's Initials of the chosen version until a
     * Handshake packet of the new version arrives.
     */
    private void moveClientTo(QuicVersion version) {
        PacketSpace initial = c.spaces[0];
        chosenInitialOpener = initial.opener;
        initial.opener = PacketProtection.initial(version, c.originalDestinationId, Role.CLIENT);
        initial.sealer = PacketProtection.initial(version, c.originalDestinationId, Role.SERVER);
        c.setVersion(version);
        c.parameters.forgetLocal();
    }

    private static QuicProtocolException error(String reason) {
        return new QuicProtocolException(TransportErrorCode.VERSION_NEGOTIATION_ERROR, reason + " (RFC 9368 §4)");
    }
}
