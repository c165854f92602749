package qsock.core.connection;

import java.nio.ByteBuffer;
import java.util.random.RandomGenerator;
import qsock.core.cc.CongestionController;
import qsock.core.cc.Pacer;
import qsock.core.handshake.CipherSuite;
import qsock.core.crypto.PacketProtection;
import qsock.core.frame.FrameEncoder;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.packet.PacketNumber;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.packet.PacketType;
import qsock.core.qlog.QlogTrace;
import qsock.api.QuicVersion;
import qsock.core.recovery.LossDetector;
import qsock.core.recovery.SentPacket;
import qsock.core.wire.ConnectionId;

/**
 * Where every packet the connection sends is built: the packets of one datagram, coalesced (RFC 9000 §12.2), in
 * four steps, as quinn's {@code PacketBuilder} and ngtcp2's {@code ngtcp2_ppe} do.
 * <ol>
 *   <li>{@link #startDatagram} takes the buffer and the datagram's byte budget;</li>
 *   <li>{@link #begin} writes a packet's header: long for Initial and Handshake, short for 1-RTT, the next packet
 *       number of its space in the fewest bytes the largest acknowledged one allows (RFC 9000 §17.1), the fixed
 *       bit or, for a peer that greases it, a random one (RFC 9287 §3), and a Length field (long headers) sized
 *       for the room left: two bytes when the packet cannot exceed 16383 bytes, else four;</li>
 *   <li>the caller writes frames at {@link #buffer()}'s position up to {@link #payloadLimit()}, then
 *       {@link #finish} (a packet recovery tracks) or {@link #finishUntracked} (CONNECTION_CLOSE), which pad the
 *       packet so that header protection has its sample (RFC 9001 §5.4.2) and leave room for the AEAD tag; or
 *       {@link #abandon} if it wrote nothing; {@link #padDatagram} pads the datagram's last packet up to a size
 *       (1200 bytes for a datagram with an Initial, RFC 9000 §14.1; the probed size for a path MTU probe,
 *       §14.4);</li>
 *   <li>{@link #seal} fills in the Length fields, seals each packet with its keys and header protection, hands
 *       each tracked packet to recovery with the record of its frames, and to congestion control and pacing
 *       when in flight.</li>
 * </ol>
 * It also remembers the packets of the datagram it sealed last, for {@link QuicConnection#onDatagramNotSent}.
 * Nothing here allocates: the layouts of the (at most {@link #MAX_PACKETS}) packets are reused.
 *
 * <p>Not thread-safe; the connection owns it.
 */
final class PacketBuilder {

    /** The AEAD tag every packet ends with. */
    static final int TAG = CipherSuite.TAG_LENGTH;
    /** Packet number and payload together give a full header protection sample (RFC 9001 §5.4.2). */
    static final int MIN_PN_AND_PAYLOAD = 4;
    /** Packets one datagram coalesces at most: one per packet number space. */
    static final int MAX_PACKETS = 3;
    /** The room below which the connection begins no packet in a datagram: too little for an ACK and a frame. */
    static final int MIN_PACKET_ROOM = 64;
    /**
     * The room that always holds a packet of a one-range ACK, which a budget-limited sender may need to send: the
     * longest header a server's packet has (long header without token: 1 + 4 + 1 + 20 + 1 + 20 + 4 + 4 = 55 bytes),
     * the AEAD tag (16) and the longest one-range ACK frame (1 + 8 + 8 + 1 + 8 = 26), rounded up.
     */
    static final int MIN_ACK_PACKET_ROOM = 100;
    /** The largest packet whose Length field two bytes hold (a varint of 2 bytes holds up to 16383). */
    private static final int TWO_BYTE_LENGTH_LIMIT = 16383;

    /** A packet laid out in the datagram, sealed once every packet of the datagram is written. */
    private static final class Layout {
        PacketSpace space;
        PacketProtection sealer;
        int start;
        int pnOffset;
        int pnLength;
        int lengthFieldSize;
        long packetNumber;
        int payloadEnd;
        /** Where the payload begins, for the qlog trace that reads the frames back before sealing. */
        int payloadStart;
        PacketType type;
        boolean longHeader;
        boolean tracked;
        boolean ackEliciting;
        boolean inFlight;
        SentFrames frames;

        void forget() {
            space = null;
            sealer = null;
            frames = null;
        }
    }

    private QuicVersion version;
    private final RandomGenerator random;
    private final LossDetector recovery;
    private final CongestionController congestion;
    /** The connection's ECN state, told of every packet sealed (RFC 9000 §13.4.2); set once by the connection. */
    EcnValidation ecn;
    /** The connection's qlog trace, told of every packet sealed; null (the default) logs nothing. */
    QlogTrace qlog;
    private final Pacer pacer;
    private final KeyPhases oneRtt;
    private final Layout[] layouts = {new Layout(), new Layout(), new Layout()};
    private final PacketNumberSkips skips;

    private ByteBuffer out;
    private int datagramStart;
    private int limit;
    private int count;
    /** The packet begun and not yet finished or abandoned, or null. */
    private Layout open;
    private int payloadStart;

    private boolean greaseQuicBit;
    private long greaseBits;
    private int greaseBitsLeft;

    // The tracked packets of the datagram sealed last, for onDatagramNotSent.
    private final PacketNumberSpace[] lastSpaces = new PacketNumberSpace[MAX_PACKETS];
    private final long[] lastNumbers = new long[MAX_PACKETS];
    private int lastPackets;
    private int lastLength;
    private boolean lastAckEliciting;
    private long packetsSent;

    PacketBuilder(QuicVersion version, RandomGenerator random, LossDetector recovery, CongestionController congestion,
                  Pacer pacer, KeyPhases oneRtt) {
        this.version = version;
        this.random = random;
        this.recovery = recovery;
        this.congestion = congestion;
        this.pacer = pacer;
        this.oneRtt = oneRtt;
        this.skips = new PacketNumberSkips(random);
    }

    /** The peer advertised grease_quic_bit and so do we: the fixed bit is random from now on (RFC 9287 §3). */
    void greaseQuicBit(boolean grease) {
        this.greaseQuicBit = grease;
    }

    /** Starts a datagram at {@code out}'s position, of at most {@code budget} bytes. */
    void startDatagram(ByteBuffer out, int budget) {
        if (budget < 0 || budget > out.remaining()) {
            throw new IllegalArgumentException("budget " + budget + " with " + out.remaining() + " bytes of room");
        }
        this.out = out;
        this.datagramStart = out.position();
        this.limit = datagramStart + budget;
        this.count = 0;
        this.open = null;
    }

    /** {@return the buffer packets are written into; frames go at its position} */
    ByteBuffer buffer() {
        return out;
    }

    /** {@return the bytes left in the datagram's budget from the buffer's position} */
    int room() {
        return limit - out.position();
    }

    /** {@return the packets finished in the datagram so far} */
    int packetCount() {
        return count;
    }

    /**
     * Writes the header of the next packet of {@code space}, sealed with {@code sealer} (whose key phase a short
     * header carries), and leaves the buffer's position at the first payload byte.
     *
     * @param scid our connection ID for a long header; ignored for 1-RTT
     * @param token the Initial token (remaining bytes), or null for none
     */
    void begin(PacketSpace space, PacketProtection sealer, ConnectionId dcid, ConnectionId scid, ByteBuffer token) {
        begin(space, sealer, dcid, scid, token, space.id != PacketNumberSpace.APPLICATION);
    }

    /**
     * Writes the header of the next 0-RTT packet (a long header, RFC 9000 §17.2.3), numbered in the application
     * space (§12.3), sealed with the client's 0-RTT keys {@code sealer}; see {@link #begin}.
     */
    void beginZeroRtt(PacketSpace space, PacketProtection sealer, ConnectionId dcid, ConnectionId scid) {
        begin(space, sealer, dcid, scid, null, true);
    }

    /**
     * Writes the header of a 1-RTT packet for a path other than the current one (a probe, a PATH_RESPONSE on the path
     * its challenge came by) with the longest packet number encoding, 4 bytes. RFC 9000 §17.1 sizes the encoding for
     * the reordering of one path; a receiver reads two paths' datagrams in its own order, and may have processed many
     * later packets of the current path before this one: a shorter encoding would then decode wrong and the packet
     * fail authentication. Such packets are few: the 3 bytes cost nothing that matters.
     */
    void beginOnOtherPath(PacketSpace space, PacketProtection sealer, ConnectionId dcid) {
        fullPacketNumber = true;
        try {
            begin(space, sealer, dcid, null, null, false);
        } finally {
            fullPacketNumber = false;
        }
    }

    /** Set while {@link #beginOnOtherPath} begins its packet. */
    private boolean fullPacketNumber;

    private void begin(PacketSpace space, PacketProtection sealer, ConnectionId dcid, ConnectionId scid,
                       ByteBuffer token, boolean longHeader) {
        if (open != null) {
            throw new IllegalStateException("a packet is already being built");
        }
        if (count == MAX_PACKETS) {
            throw new IllegalStateException("a datagram coalesces at most " + MAX_PACKETS + " packets");
        }
        Layout l = layouts[count];
        long pn = space.nextPacketNumber;
        int pnLength = fullPacketNumber ? 4 : PacketNumber.encodedLength(pn, recovery.largestAcked(space.id));
        boolean fixedBit = !greaseQuicBit || greaseBit();
        l.space = space;
        l.sealer = sealer;
        l.start = out.position();
        l.pnLength = pnLength;
        l.packetNumber = pn;
        l.longHeader = longHeader;
        if (l.longHeader) {
            l.lengthFieldSize = limit - l.start <= TWO_BYTE_LENGTH_LIMIT ? 2 : 4;
            PacketType type = space.id == PacketNumberSpace.APPLICATION ? PacketType.ZERO_RTT
                    : PacketType.of(space.level);
            l.type = type;
            l.pnOffset = PacketHeaderWriter.writeLongHeader(out, version, type, dcid, scid,
                    token, pn, pnLength, l.lengthFieldSize, fixedBit);
        } else {
            l.type = PacketType.ONE_RTT;
            l.lengthFieldSize = 0;
            l.pnOffset = PacketHeaderWriter.writeShortHeader(out, dcid, false, sealer.keyPhase() == 1, pn, pnLength,
                    fixedBit);
        }
        payloadStart = out.position();
        l.payloadStart = payloadStart;
        open = l;
    }

    /** {@return where the payload of the packet being built must end: the budget less the AEAD tag} */
    int payloadLimit() {
        return limit - TAG;
    }

    /** {@return whether the packet being built has no frame yet} */
    boolean isEmpty() {
        return out.position() == payloadStart;
    }

    /** Drops the packet being built: the buffer goes back to its start and its packet number stays unused. */
    void abandon() {
        out.position(open.start);
        open.forget();
        open = null;
    }

    /**
     * Finishes the packet being built as one recovery tracks, {@code frames} recording what it carries. A packet is
     * in flight if it is ack-eliciting or padded (RFC 9002 §2).
     */
    void finish(boolean ackEliciting, SentFrames frames) {
        Layout l = close();
        l.tracked = true;
        l.ackEliciting = ackEliciting;
        l.inFlight |= ackEliciting;
        l.frames = frames;
    }

    /**
     * Finishes the packet being built as one recovery does not track: a CONNECTION_CLOSE of the closing period,
     * sent again on the next trigger rather than on loss (RFC 9000 §10.2.1).
     */
    void finishUntracked() {
        Layout l = close();
        l.tracked = false;
        l.ackEliciting = false;
        l.frames = null;
    }

    private Layout close() {
        Layout l = open;
        if (l == null) {
            throw new IllegalStateException("no packet is being built");
        }
        if (isEmpty()) {
            throw new IllegalStateException("a packet holds at least one frame (RFC 9000 §12.4)");
        }
        int end = out.position();
        l.inFlight = false;
        if (end - l.pnOffset < MIN_PN_AND_PAYLOAD) {
            FrameEncoder.writePadding(out, MIN_PN_AND_PAYLOAD - (end - l.pnOffset));
            l.inFlight = true;
        }
        l.payloadEnd = out.position();
        // RFC 9000 §21.4: the application space skips a number now and then, against optimistic ACKs.
        l.space.nextPacketNumber = l.space.id == PacketNumberSpace.APPLICATION
                ? skips.after(l.packetNumber) : l.packetNumber + 1;
        // Room for the tag; sealing fills it.
        out.position(l.payloadEnd + TAG);
        open = null;
        count++;
        return l;
    }

    /**
     * Pads the datagram's last packet with PADDING so that the datagram is {@code size} bytes, or fills its budget
     * if that is smaller; a padded packet is in flight.
     */
    void padDatagram(int size) {
        if (count == 0 || open != null) {
            throw new IllegalStateException("padding goes in the last finished packet");
        }
        Layout last = layouts[count - 1];
        int target = datagramStart + Math.min(size, limit - datagramStart) - TAG;
        if (last.payloadEnd < target) {
            out.position(last.payloadEnd);
            FrameEncoder.writePadding(out, target - last.payloadEnd);
            last.payloadEnd = target;
            last.inFlight = true;
            out.position(target + TAG);
        }
    }

    /** {@return whether the last finished packet is ack-eliciting} */
    boolean lastAckEliciting() {
        return layouts[count - 1].ackEliciting;
    }

    /**
     * Seals every packet of the datagram and tracks those finished with {@link #finish}: handed to recovery with
     * their frames, and to congestion control and pacing when in flight; an ACK frame among them is recorded.
     * Leaves the buffer's position at the datagram's end.
     *
     * @return the datagram's length
     */
    int seal(long now) {
        if (count == 0 || open != null) {
            throw new IllegalStateException("nothing to seal");
        }
        lastPackets = 0;
        lastAckEliciting = false;
        for (int i = 0; i < count; i++) {
            Layout l = layouts[i];
            if (l.longHeader) {
                PacketHeaderWriter.setLength(out, l.pnOffset, l.lengthFieldSize, l.payloadEnd + TAG);
            }
            if (qlog != null) {
                // The frames are read back from the plaintext, before sealing encrypts it in place.
                qlog.packet(true, l.type, l.packetNumber, l.payloadEnd + TAG - l.start, out, l.payloadStart,
                        l.payloadEnd, now);
            }
            int size = l.sealer.seal(out, l.start, l.pnOffset, l.pnLength, l.packetNumber, l.payloadEnd);
            packetsSent++;
            if (!l.longHeader) {
                oneRtt.onPacketSealed(l.packetNumber);
            }
            SentPacket sent = l.tracked ? track(l, size, now) : null;
            if (ecn != null) {
                ecn.onPacketSealed(l.space.id, sent);
            }
        }
        countedSizeCap = Integer.MAX_VALUE;
        int length = layouts[count - 1].payloadEnd + TAG - datagramStart;
        out.position(datagramStart + length);
        lastLength = length;
        return length;
    }

    /**
     * The most bytes the next sealed datagram's packets count for in flight, the congestion window and the pacer:
     * set for a path MTU probe, which counts as a datagram of the current size (see {@link #countAsAtMost}).
     */
    private int countedSizeCap = Integer.MAX_VALUE;

    /**
     * Makes the datagram sealed next count as at most {@code bytes} for congestion control, pacing and bytes in
     * flight: a path MTU probe counts as a datagram of the current size, what the sender asked room for. Counted
     * whole, a large probe would fill the window and drain the pacer's bucket until the peer acknowledges it, which
     * it may delay (max_ack_delay): what the application sends meanwhile would wait for it. Its loss is no congestion
     * signal (RFC 9000 §14.4), so the rest of it is at no one's cost but the probe's. Reset by {@link #seal}.
     */
    void countAsAtMost(int bytes) {
        countedSizeCap = bytes;
    }

    private SentPacket track(Layout l, int wireSize, long now) {
        int size = Math.min(wireSize, countedSizeCap);
        SentPacket sent = recovery.onPacketSent(l.space.id, l.packetNumber, now, size, l.ackEliciting, l.inFlight);
        if (l.frames.ackLargest >= 0) {
            l.space.acks.onAckSent(l.packetNumber);
        }
        sent.setFrames(l.frames);
        if (l.inFlight) {
            congestion.onPacketSent(now, size);
            pacer.onPacketSent(now, size, congestion.congestionWindow(), recovery.rtt().smoothedRtt());
        }
        lastAckEliciting |= l.ackEliciting;
        lastSpaces[lastPackets] = l.space.id;
        lastNumbers[lastPackets] = l.packetNumber;
        lastPackets++;
        return sent;
    }

    /** {@return whether the datagram being built, or else the one sealed last, holds a packet of {@code id}} */
    boolean holds(PacketNumberSpace id) {
        for (int i = 0; i < count; i++) {
            if (layouts[i].space != null && layouts[i].space.id == id) {
                return true;
            }
        }
        return false;
    }

    /** {@return whether the datagram sealed last holds an ack-eliciting packet} */
    boolean sealedAckEliciting() {
        return lastAckEliciting;
    }

    /** {@return the length of the datagram sealed last, until {@link #forgetLastDatagram}} */
    int lastDatagramLength() {
        return lastLength;
    }

    /** {@return the tracked packets of the datagram sealed last} */
    int lastDatagramPackets() {
        return lastPackets;
    }

    /** {@return the space of the {@code i}th tracked packet of the datagram sealed last} */
    PacketNumberSpace lastDatagramSpace(int i) {
        return lastSpaces[i];
    }

    /** {@return the packet number of the {@code i}th tracked packet of the datagram sealed last} */
    long lastDatagramPacketNumber(int i) {
        return lastNumbers[i];
    }

    /** The datagram sealed last was dealt with (it left, or never did and was accounted for). */
    void forgetLastDatagram() {
        lastPackets = 0;
        lastLength = 0;
    }

    /** Builds long headers of {@code v} from now on: the version changed (RFC 9368). */
    void setVersion(QuicVersion v) {
        version = v;
    }

    /** Lets go of the keys and frame records of {@code space}'s packets in the layouts: the space is discarded. */
    void forget(PacketSpace space) {
        for (Layout l : layouts) {
            if (l.space == space) {
                l.forget();
            }
        }
    }

    /** {@return packets sealed} */
    long packetsSent() {
        return packetsSent;
    }

    /**
     * {@return a random fixed bit for a peer that greases it (RFC 9287 §3)} The bits come 64 at a time from the
     * connection's generator: drawing one per packet from a secure generator cost ~4% of a bulk sender's CPU.
     */
    private boolean greaseBit() {
        if (greaseBitsLeft == 0) {
            greaseBits = random.nextLong();
            greaseBitsLeft = 64;
        }
        greaseBitsLeft--;
        boolean bit = (greaseBits & 1) != 0;
        greaseBits >>>= 1;
        return bit;
    }
}
