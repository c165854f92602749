package qsock.core.frame;

import java.util.EnumSet;
import qsock.core.packet.PacketType;

/**
 * The frame types of QUIC v1 (RFC 9000 §12.4, Table 3) and of the DATAGRAM extension (RFC 9221 §4), with
 * the properties that the packet layer, loss recovery and congestion control look up per frame.
 *
 * <p>Each constant covers a range of type codes whose low bits are flags (ACK, STREAM, MAX_STREAMS,
 * STREAMS_BLOCKED, DATAGRAM). CONNECTION_CLOSE is split in two, {@link #CONNECTION_CLOSE} (0x1c) and
 * {@link #APPLICATION_CLOSE} (0x1d), because the two codes may appear in different packet types.
 *
 * <p>The table below is written in the RFC's own notation: the "Pkts" letters (I = Initial,
 * H = Handshake, 0 = 0-RTT, 1 = 1-RTT, "_" = not permitted) and the "Spec" letters (N = not
 * ack-eliciting, C = not counted in flight, P = probing, F = flow controlled). Two entries differ from a
 * literal reading of Table 3, each for a reason given in the RFC itself:
 * <ul>
 *   <li>RETIRE_CONNECTION_ID is refused in 0-RTT: §12.5 lists it among the frames that cannot be sent
 *       in 0-RTT and lets a server treat its receipt there as PROTOCOL_VIOLATION, as it does for ACK,
 *       CRYPTO, NEW_TOKEN, PATH_RESPONSE and HANDSHAKE_DONE (which Table 3 already excludes).</li>
 *   <li>CONNECTION_CLOSE carries "C" as well as "N": RFC 9002 §2 defines in-flight packets as those
 *       that are ack-eliciting or contain PADDING, and §3 says packets with only ACK or
 *       CONNECTION_CLOSE frames do not count toward congestion control limits.</li>
 * </ul>
 */
public enum FrameType {
    /** PADDING (0x00); a run of zero bytes decodes as one {@link PaddingFrame}. */
    PADDING(0x00, 0x00, "IH01", "NP"),
    /** PING (0x01). */
    PING(0x01, 0x01, "IH01", ""),
    /** ACK (0x02) and ACK with ECN counts (0x03). */
    ACK(0x02, 0x03, "IH_1", "NC"),
    /** RESET_STREAM (0x04). */
    RESET_STREAM(0x04, 0x04, "__01", ""),
    /** STOP_SENDING (0x05). */
    STOP_SENDING(0x05, 0x05, "__01", ""),
    /** CRYPTO (0x06). */
    CRYPTO(0x06, 0x06, "IH_1", ""),
    /** NEW_TOKEN (0x07). */
    NEW_TOKEN(0x07, 0x07, "___1", ""),
    /** STREAM (0x08-0x0f): the low three bits are OFF (0x04), LEN (0x02) and FIN (0x01). */
    STREAM(0x08, 0x0f, "__01", "F"),
    /** MAX_DATA (0x10). */
    MAX_DATA(0x10, 0x10, "__01", ""),
    /** MAX_STREAM_DATA (0x11). */
    MAX_STREAM_DATA(0x11, 0x11, "__01", ""),
    /** MAX_STREAMS for bidirectional (0x12) and unidirectional (0x13) streams. */
    MAX_STREAMS(0x12, 0x13, "__01", ""),
    /** DATA_BLOCKED (0x14). */
    DATA_BLOCKED(0x14, 0x14, "__01", ""),
    /** STREAM_DATA_BLOCKED (0x15). */
    STREAM_DATA_BLOCKED(0x15, 0x15, "__01", ""),
    /** STREAMS_BLOCKED for bidirectional (0x16) and unidirectional (0x17) streams. */
    STREAMS_BLOCKED(0x16, 0x17, "__01", ""),
    /** NEW_CONNECTION_ID (0x18). */
    NEW_CONNECTION_ID(0x18, 0x18, "__01", "P"),
    /** RETIRE_CONNECTION_ID (0x19); refused in 0-RTT as RFC 9000 §12.5 allows (see the class comment). */
    RETIRE_CONNECTION_ID(0x19, 0x19, "___1", ""),
    /** PATH_CHALLENGE (0x1a). */
    PATH_CHALLENGE(0x1a, 0x1a, "__01", "P"),
    /** PATH_RESPONSE (0x1b). */
    PATH_RESPONSE(0x1b, 0x1b, "___1", "P"),
    /** CONNECTION_CLOSE of type 0x1c: a transport error, permitted in every packet type. */
    CONNECTION_CLOSE(0x1c, 0x1c, "IH01", "NC"),
    /**
     * CONNECTION_CLOSE of type 0x1d: an application error, only in the application data packet number
     * space (RFC 9000 §12.5, §19.19; note "ih" of Table 3).
     */
    APPLICATION_CLOSE(0x1d, 0x1d, "__01", "NC"),
    /** HANDSHAKE_DONE (0x1e). */
    HANDSHAKE_DONE(0x1e, 0x1e, "___1", ""),
    /**
     * DATAGRAM without (0x30) and with (0x31) a Length field (RFC 9221 §4): application data, so only in
     * 0-RTT and 1-RTT packets (RFC 9221 §5); ack-eliciting and congestion controlled, not flow
     * controlled (RFC 9221 §5.2-§5.4).
     */
    DATAGRAM(0x30, 0x31, "__01", "");

    private static final FrameType[] BY_CODE = new FrameType[0x32];

    static {
        for (FrameType t : values()) {
            for (int code = (int) t.firstCode; code <= t.lastCode; code++) {
                BY_CODE[code] = t;
            }
        }
    }

    private final long firstCode;
    private final long lastCode;
    private final EnumSet<PacketType> packetTypes;
    private final boolean ackEliciting;
    private final boolean inFlight;
    private final boolean probing;
    private final boolean flowControlled;

    FrameType(long firstCode, long lastCode, String pkts, String spec) {
        this.firstCode = firstCode;
        this.lastCode = lastCode;
        this.packetTypes = EnumSet.noneOf(PacketType.class);
        if (pkts.charAt(0) == 'I') {
            packetTypes.add(PacketType.INITIAL);
        }
        if (pkts.charAt(1) == 'H') {
            packetTypes.add(PacketType.HANDSHAKE);
        }
        if (pkts.charAt(2) == '0') {
            packetTypes.add(PacketType.ZERO_RTT);
        }
        if (pkts.charAt(3) == '1') {
            packetTypes.add(PacketType.ONE_RTT);
        }
        this.ackEliciting = spec.indexOf('N') < 0;
        this.inFlight = spec.indexOf('C') < 0;
        this.probing = spec.indexOf('P') >= 0;
        this.flowControlled = spec.indexOf('F') >= 0;
    }

    /**
     * {@return the frame type of a wire type code, or null if the code names no frame this
     * implementation knows}
     */
    public static FrameType of(long code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
    }

    /** {@return the lowest type code of this frame type} */
    public long firstCode() {
        return firstCode;
    }

    /** {@return the highest type code of this frame type (equal to {@link #firstCode()} without flag bits)} */
    public long lastCode() {
        return lastCode;
    }

    /** {@return true if {@code code} is one of this frame type's codes} */
    public boolean hasCode(long code) {
        return code >= firstCode && code <= lastCode;
    }

    /** {@return true if a frame of this type may appear in a packet of {@code packetType} (RFC 9000 §12.4)} */
    public boolean allowedIn(PacketType packetType) {
        return packetTypes.contains(packetType);
    }

    /** {@return the packet types a frame of this type may appear in; a new set each call} */
    public EnumSet<PacketType> packetTypes() {
        return EnumSet.copyOf(packetTypes);
    }

    /**
     * {@return true if the frame makes its packet ack-eliciting: all frames but ACK, PADDING and
     * CONNECTION_CLOSE (RFC 9002 §2)}
     */
    public boolean ackEliciting() {
        return ackEliciting;
    }

    /**
     * {@return true if the frame puts its packet in flight, counted toward bytes in flight and
     * congestion controlled: ack-eliciting frames and PADDING (RFC 9002 §2, §3)}
     */
    public boolean inFlight() {
        return inFlight;
    }

    /**
     * {@return true if a packet holding only frames of probing types is a probing packet: PADDING,
     * NEW_CONNECTION_ID, PATH_CHALLENGE and PATH_RESPONSE (RFC 9000 §9.1)}
     */
    public boolean probing() {
        return probing;
    }

    /** {@return true if the frame's contents count against flow control: STREAM only (RFC 9000 §4)} */
    public boolean flowControlled() {
        return flowControlled;
    }
}
