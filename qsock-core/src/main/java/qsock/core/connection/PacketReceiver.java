package qsock.core.connection;

import java.nio.ByteBuffer;
import qsock.api.ConnectionState;
import qsock.api.Role;
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketProtection;
import qsock.core.crypto.RetryIntegrity;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.packet.Ecn;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketParser;
import qsock.core.packet.PacketType;
import qsock.core.packet.ParseStatus;
import qsock.core.packet.VersionNegotiationPacket;
import qsock.core.wire.ConnectionId;

/**
 * Where datagrams from the peer are taken apart: each coalesced packet (RFC 9000 §12.2) is parsed, routed to its
 * packet number space, buffered if its keys have not arrived yet (RFC 9001 §4.1.4), opened (header protection, then
 * payload), checked for duplicates, and its frames handed to the {@link FrameDispatcher}. Retry and Version
 * Negotiation packets are answered here (RFC 9000 §17.2.5, §6.2); what cannot be processed may be a stateless reset.
 *
 * <p>Not thread-safe; part of its {@link QuicConnection}.
 */
final class PacketReceiver {

    /** The header of the packet being processed. */
    final PacketHeaderView header = new PacketHeaderView();
    private final OpenedPacket opened = new OpenedPacket();
    /** The datagram being processed, for frames that refer to the packet's header (RETIRE_CONNECTION_ID). */
    ByteBuffer currentDatagram;
    /** Our connection ID the peer used last on the current path, on the other path, and from a new address. */
    private final byte[] currentPathId = new byte[ConnectionId.MAX_LENGTH];
    private int currentPathIdLength = -1;
    private final byte[] otherPathId = new byte[ConnectionId.MAX_LENGTH];
    private int otherPathIdLength = -1;
    private final byte[] lastNewAddressId = new byte[ConnectionId.MAX_LENGTH];
    private int lastNewAddressIdLength;
    /** The last datagram from a new address used another of our IDs than the current path does. */
    boolean newAddressIdIsNew;
    /** ... the same as the other path's (the address answers are owed to). */
    boolean newAddressIdIsOtherPaths;

    private final QuicConnection c;
    /** The ECN codepoint of the datagram being processed, counted for each of its packets (RFC 9000 §13.4.1). */
    private Ecn datagramEcn = Ecn.NOT_ECT;

    PacketReceiver(QuicConnection connection) {
        this.c = connection;
    }

    /** Processes one datagram from the peer: every packet coalesced in it (RFC 9000 §12.2). */
    void receive(ByteBuffer datagram, long now) {
        datagramEcn = c.ecn.takeReceived();
        if (c.state == ConnectionState.CLOSED || c.state == ConnectionState.DRAINING) {
            return;
        }
        int length = datagram.remaining();
        c.amplification.onReceived(length, c.receivingFromNewAddress);
        if (c.state == ConnectionState.CLOSING) {
            // RFC 9000 §10.2.1: answer what arrives with CONNECTION_CLOSE, ever more sparsely.
            c.closing.onDatagram();
            return;
        }
        // Packets are found by index in the caller's buffer, whose position and limit nothing here moves:
        // the datagram runs from its position to its limit.
        ByteBuffer buf = datagram;
        int first = buf.position();
        int offset = first;
        boolean processedAny = false;
        int firstDcidOffset = -1;
        int firstDcidLength = 0;
        while (offset < buf.limit() && !c.state.isClosingOrClosed()) {
            ParseStatus status = PacketParser.parse(buf, offset, c.config.connectionIdLength(),
                    c.config.greaseQuicBit(), header);
            if (status == ParseStatus.VERSION_NEGOTIATION) {
                if (offset == first) {
                    onVersionNegotiation(buf, now);
                }
                break;
            }
            if (status != ParseStatus.OK) {
                c.packetsDropped++;
                break;
            }
            // RFC 9000 §12.2: coalesced packets with another Destination Connection ID are dropped.
            if (firstDcidOffset < 0) {
                firstDcidOffset = header.dcidOffset();
                firstDcidLength = header.dcidLength();
            } else if (!sameBytes(buf, header.dcidOffset(), header.dcidLength(), firstDcidOffset, firstDcidLength)) {
                c.packetsDropped++;
                offset = header.packetEnd();
                continue;
            }
            int end = header.packetEnd();
            currentDatagram = buf;
            if (processPacket(buf, header, now)) {
                processedAny = true;
            }
            offset = end;
        }
        if (processedAny && firstDcidOffset >= 0) {
            rememberDestinationId(buf, firstDcidOffset, firstDcidLength);
        }
        if (processedAny) {
            c.lastReceiveTime = now;
            c.ackElicitingSentSinceReceive = false;
            c.timeouts.restartIdleTimer(now);
        } else if (c.state == ConnectionState.CONFIRMED || c.state == ConnectionState.ESTABLISHED) {
            // RFC 9000 §10.3.1: a datagram we cannot process may be a stateless reset.
            c.handleStatelessReset(datagram, now);
        }
    }

    /**
     * Keeps which of our connection IDs the peer used on each path, without allocating: on the current path it is
     * copied when it changes; for a datagram from a new address it is compared (RFC 9000 §9.5: a peer that moved to a
     * new ID on a new path gets packets with a new ID of its own there, while a NAT rebinding keeps its ID).
     */
    private void rememberDestinationId(ByteBuffer buf, int offset, int length) {
        if (c.receivingFromNewAddress) {
            newAddressIdIsNew = currentPathIdLength >= 0 && !matches(buf, offset, length, currentPathId,
                    currentPathIdLength);
            newAddressIdIsOtherPaths = otherPathIdLength >= 0 && matches(buf, offset, length, otherPathId,
                    otherPathIdLength);
            buf.get(offset, lastNewAddressId, 0, length);
            lastNewAddressIdLength = length;
        } else if (!c.receivingOnProbePath
                && !matches(buf, offset, length, currentPathId, currentPathIdLength)) {
            buf.get(offset, currentPathId, 0, length);
            currentPathIdLength = length;
        }
    }

    /** The ID the last datagram from a new address used is now the other path's. */
    void otherPathUsesLastNewAddressId() {
        System.arraycopy(lastNewAddressId, 0, otherPathId, 0, lastNewAddressIdLength);
        otherPathIdLength = lastNewAddressIdLength;
    }

    /** The peer moved to the new address: the ID it used there is the current path's. */
    void currentPathUsesLastNewAddressId() {
        System.arraycopy(lastNewAddressId, 0, currentPathId, 0, lastNewAddressIdLength);
        currentPathIdLength = lastNewAddressIdLength;
        otherPathIdLength = -1;
    }

    private static boolean matches(ByteBuffer buf, int offset, int length, byte[] id, int idLength) {
        if (length != idLength) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (buf.get(offset + i) != id[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameBytes(ByteBuffer buf, int a, int aLength, int b, int bLength) {
        if (aLength != bLength) {
            return false;
        }
        for (int i = 0; i < aLength; i++) {
            if (buf.get(a + i) != buf.get(b + i)) {
                return false;
            }
        }
        return true;
    }

    /** {@return true if the packet was opened and processed} */
    private boolean processPacket(ByteBuffer buf, PacketHeaderView view, long now) {
        PacketType type = view.type();
        if (type == PacketType.RETRY) {
            onRetry(buf, view);
            return false;
        }
        if (c.role == Role.CLIENT && type == PacketType.INITIAL && view.tokenLength() != 0) {
            // RFC 9000 §17.2.2: a server's Initial carries no token; a client discards one that does.
            c.packetsDropped++;
            return false;
        }
        if (view.isLongHeader() && c.peerSourceIdLearned
                && !c.peerInitialSourceId.matches(buf, view.scidOffset(), view.scidLength())) {
            // RFC 9000 §7.2: once the peer's Source Connection ID is known (the client: from the server's first
            // Initial that opened; the server: from the client's first Initial), a long-header packet naming
            // another is discarded: only NEW_CONNECTION_ID changes the peer's connection ID.
            c.packetsDropped++;
            return false;
        }
        boolean zeroRtt = type == PacketType.ZERO_RTT;
        if (zeroRtt && c.earlyData.opener == null) {
            // RFC 9001 §4.1.4: kept while the server has not decided on early data; dropped otherwise (RFC 9000
            // §17.2.3: a client drops 0-RTT packets, and so does a server without 0-RTT keys).
            if (!c.earlyData.mayBuffer() || view.quicVersion() != c.version
                    || !c.earlyData.pending.add(buf, view.packetStart(), view.packetEnd(), datagramEcn)) {
                c.packetsDropped++;
            }
            return false;
        }
        // RFC 9369 §4: packets of a version not in use are dropped, but for the Initials of compatible negotiation.
        PacketProtection otherVersionInitial = null;
        if (view.isLongHeader() && view.quicVersion() != c.version) {
            otherVersionInitial = type == PacketType.INITIAL ? otherVersionInitialOpener(view) : null;
            if (otherVersionInitial == null) {
                c.packetsDropped++;
                return false;
            }
        }
        PacketSpace space = c.spaceOf(type);
        if (space.discarded) {
            c.packetsDropped++;
            return false;
        }
        boolean keysReady = type == PacketType.ONE_RTT ? c.oneRtt.canReceive() : zeroRtt || space.opener != null;
        if (!keysReady) {
            if (!space.pending.add(buf, view.packetStart(), view.packetEnd(), datagramEcn)) {
                c.packetsDropped++;
            }
            return false;
        }
        PacketProtection hp = type == PacketType.ONE_RTT ? c.oneRtt.opener : zeroRtt ? c.earlyData.opener
                : otherVersionInitial != null ? otherVersionInitial : space.opener;
        if (!hp.removeHeaderProtection(buf, view.packetStart(), view.pnOffset(), view.packetEnd(),
                space.largestReceived, opened)) {
            c.packetsDropped++;
            return false;
        }
        int n = type == PacketType.ONE_RTT
                ? c.oneRtt.decrypt(buf, opened, now, c.recovery.rtt().pto(c.peerMaxAckDelayNanos, true))
                : hp.decryptPayload(buf, opened);
        if (n < 0) {
            c.packetsDropped++;
            onAuthenticationFailure(hp, now);
            return false;
        }
        if (type == PacketType.ONE_RTT && c.oneRtt.takeAckElicitation()) {
            // We followed the peer's key update: a PING of the new phase gets one of our packets of it acknowledged,
            // without which we could start no update of our own (RFC 9001 §6.1) while we only send ACKs.
            c.pingPending = true;
        }
        if (otherVersionInitial != null && c.role == Role.CLIENT) {
            // RFC 9369 §4: an authenticated server Initial of another version is the server's compatible move to it.
            c.versions.followServer(view.quicVersion(), otherVersionInitial);
        }
        long pn = opened.packetNumber();
        if (space.acks.isDuplicate(pn)) {
            c.packetsDropped++;
            return false;
        }
        c.packetsReceived++;
        if (c.qlog != null) {
            // The frames are read back from the opened plaintext, before the dispatcher acts on them.
            c.qlog.packet(false, type, pn, view.packetEnd() - view.packetStart(), buf, opened.payloadOffset(),
                    opened.payloadOffset() + opened.payloadLength(), now);
        }
        if (zeroRtt) {
            c.earlyData.packetsReceived++;
        }
        // RFC 9000 §7.2: a client takes the server's first Source Connection ID as its destination, once it opens.
        if (c.role == Role.CLIENT && type == PacketType.INITIAL && !c.peerSourceIdLearned) {
            ConnectionId scid = view.scid(buf);
            c.peerIds.replaceInitial(scid);
            c.peerInitialSourceId = scid;
            c.peerSourceIdLearned = true;
        }
        boolean highest = pn > space.largestReceived;
        c.dispatcher.packetNonProbing = false;
        try {
            // RFC 9000 §17.2, §17.3.1: reserved bits are 0 once header protection is off.
            if (opened.reservedBits() != 0) {
                throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION, "reserved bits set");
            }
            boolean ackEliciting = c.dispatcher.processFrames(buf, opened, type, space, now);
            if (highest) {
                space.largestReceived = pn;
            }
            // RFC 9000 §9.3: the peer moved only if an authenticated packet from its new address is the highest
            // numbered yet and carries a non-probing frame. Only 1-RTT packets count: a peer migrates once the
            // handshake is confirmed (§9), and a Handshake packet from elsewhere moves nothing.
            if (c.receivingFromNewAddress && highest && c.dispatcher.packetNonProbing && type == PacketType.ONE_RTT) {
                c.peerMoved = true;
            }
            space.acks.onPacketReceived(pn, ackEliciting, datagramEcn == Ecn.CE, now);
            space.acks.countEcn(datagramEcn);
        } catch (QuicProtocolException e) {
            // The closing period starts now: a connection idle for longer than three PTOs would otherwise go
            // CLOSED before its CONNECTION_CLOSE left.
            c.closeWithError(e.errorCode(), e.frameType(), e.reason(), now);
            return true;
        }
        if (type == PacketType.HANDSHAKE && c.role == Role.SERVER) {
            // RFC 9369 §4: a Handshake packet of the negotiated version ends the Initials of the chosen one.
            c.versions.chosenInitialOpener = null;
            // RFC 9000 §8.1: a Handshake packet from the client proves its address; RFC 9001 §4.9.1: the
            // server discards Initial keys when it first processes one.
            c.amplification.validateAddress();
            c.recovery.setPeerCompletedAddressValidation(true);
            c.discardSpace(c.spaces[0]);
        }
        // A client does not take a Handshake packet from the server as proof that the server validated its address:
        // a server stopped by its anti-amplification limit sends Handshake packets too. Only an ACK of one of our
        // Handshake packets, or handshake confirmation, proves it (RFC 9002 §6.2.2.1, Appendix A.8); the loss
        // detector sees both itself. Until then the client's anti-deadlock PTO keeps it sending.
        return true;
    }

    /**
     * {@return the keys to open an Initial of a version other than the one in use, or null to drop it} A server that
     * moved the client to another version still opens its Initials of the chosen one; a client takes a server Initial
     * of another of its versions as the server's compatible move there (RFC 9369 §4).
     */
    private PacketProtection otherVersionInitialOpener(PacketHeaderView view) {
        if (c.role == Role.SERVER) {
            return view.quicVersion() == c.versions.chosen ? c.versions.chosenInitialOpener : null;
        }
        return c.versions.compatibleInitialOpener(view.quicVersion());
    }

    /**
     * RFC 9001 §6.6: packets that fail authentication count against the integrity limit, across all keys of the
     * connection; past it the connection closes with AEAD_LIMIT_REACHED at once and processes no more packets (the
     * closing state processes none).
     */
    private void onAuthenticationFailure(PacketProtection keys, long now) {
        if (c.aeadLimits.onAuthenticationFailure(keys)) {
            c.closeWithError(TransportErrorCode.AEAD_LIMIT_REACHED, 0, "more than "
                    + c.aeadLimits.integrityLimit(keys.suite()) + " packets failed authentication", now);
        }
    }

    /** Processes the packets of {@code space} that arrived before their keys, which are now installed. */
    void processPending(PacketSpace space, long now) {
        processPending(space.pending, now);
    }

    /** Processes {@code pending}, packets that arrived before their keys, which are now installed. */
    void processPending(UndecryptablePackets pending, long now) {
        int n = pending.size();
        if (n == 0) {
            return;
        }
        // Copy out first: processing may buffer again only for another level, never this one.
        Ecn datagramsEcn = datagramEcn;
        try {
            for (int i = 0; i < n && !c.state.isClosingOrClosed(); i++) {
                ByteBuffer packet = pending.packet(i);
                ParseStatus status = PacketParser.parse(packet, 0, c.config.connectionIdLength(),
                        c.config.greaseQuicBit(), header);
                if (status == ParseStatus.OK) {
                    // RFC 9000 §13.4.1: counted with the codepoint of the datagram it came in.
                    datagramEcn = pending.ecn(i);
                    processPacket(packet, header, now);
                }
            }
        } finally {
            datagramEcn = datagramsEcn;
        }
        pending.clear();
    }

    /**
     * A client's answer to a Retry (RFC 9000 §8.1.2, §17.2.5): the first valid one makes the client start over with
     * the token it carries, addressing the connection ID the server chose, under Initial keys derived from that ID
     * (RFC 9001 §5.2); everything sent so far leaves recovery (RFC 9002 §6.3) and the ClientHello goes again in
     * new Initial packets, whose numbers continue (§17.2.5.3). The server's transport parameters must then name
     * the Retry's Source Connection ID (§7.3). Any other Retry is dropped.
     */
    private void onRetry(ByteBuffer buf, PacketHeaderView view) {
        // §17.2.5.2: at most one Retry, none after any packet from the server; servers never take one.
        if (c.role != Role.CLIENT || c.retrySourceId != null || c.packetsReceived > 0 || view.quicVersion() != c.version
                || view.tokenLength() == 0) {
            c.packetsDropped++;
            return;
        }
        ByteBuffer packet = buf.duplicate().limit(view.packetEnd()).position(view.packetStart());
        ConnectionId scid = view.scid(buf);
        if (!RetryIntegrity.verify(c.version, c.originalDestinationId, packet) || scid.equals(c.originalDestinationId)
                || !view.dcid(buf).equals(c.localIds.initial())) {
            c.packetsDropped++;
            return;
        }
        c.retrySourceId = scid;
        c.retryToken = ByteBuffer.wrap(view.token(buf)).asReadOnlyBuffer();
        c.peerIds.replaceInitial(scid);
        PacketSpace initial = c.spaces[0];
        initial.sealer = PacketProtection.initial(c.version, scid, Role.CLIENT);
        initial.opener = PacketProtection.initial(c.version, scid, Role.SERVER);
        c.outcome.clear();
        c.recovery.onRetry(c.outcome);
        // Only Initial packets were sent (no 0-RTT is offered), so their frames are the Initial CRYPTO data.
        c.fate.leaveFlight(c.outcome, initial);
        c.outcome.clear();
        // Whatever was not yet acknowledged goes again; the server processed none of it.
        initial.crypto.retransmitUnacked();
        c.retries++;
    }

    /** {@return the versions a Version Negotiation packet lists, in hex, at most eight of them} */
    static String versionList(int[] versions) {
        if (versions.length == 0) {
            return "no version";
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(versions.length, 8); i++) {
            s.append(i == 0 ? "" : ", ").append(String.format("0x%08x", versions[i]));
        }
        return versions.length > 8 ? s.append(" and ").append(versions.length - 8).append(" more").toString()
                : s.toString();
    }

    private void onVersionNegotiation(ByteBuffer buf, long now) {
        // RFC 9000 §6.2: a client that has received any packet ignores Version Negotiation; RFC 8999 §6: so does
        // one whose connection IDs are not those of our Initial, echoed.
        if (c.role != Role.CLIENT || c.packetsReceived > 0 || c.retrySourceId != null) {
            return;
        }
        VersionNegotiationPacket vn = VersionNegotiationPacket.from(buf, header);
        if (!ConnectionId.of(vn.dcid()).equals(c.localIds.initial())
                || !ConnectionId.of(vn.scid()).equals(c.originalDestinationId)) {
            return;
        }
        c.versions.onVersionNegotiation(vn, now);
    }
}
