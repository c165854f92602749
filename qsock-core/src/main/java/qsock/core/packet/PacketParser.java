package qsock.core.packet;

import java.nio.ByteBuffer;
import qsock.api.QuicVersion;
import qsock.core.wire.ConnectionId;
import qsock.core.wire.VarInt;

/**
 * Reads the unprotected part of packet headers (RFC 9000 §17) from a datagram, without copying and
 * without allocating: the first of the two steps of receiving a packet. The second step, removing header
 * and packet protection from {@link PacketHeaderView#pnOffset()} on, needs keys and belongs to packet
 * protection.
 *
 * <p>Coalesced packets (RFC 9000 §12.2) are walked by parsing again from the previous packet's
 * {@link PacketHeaderView#packetEnd()} while it is before the datagram's limit.
 */
public final class PacketParser {

    /** First byte bit of the long header form. */
    static final int FORM_BIT = 0x80;
    /** First byte fixed bit, the "QUIC bit" of RFC 9287. */
    static final int FIXED_BIT = 0x40;

    /**
     * The smallest valid short header packet with the AEADs of RFC 9001 (RFC 9000 §10.3): 1 byte of
     * header, at least 4 bytes from the packet number field on for the header protection sample, and a
     * 16-byte sample or tag.
     */
    public static final int MIN_SHORT_HEADER_PACKET = 21;

    private PacketParser() {}

    /**
     * Parses the header of the packet starting at {@code offset} of {@code datagram} (up to its limit).
     *
     * @param shortHeaderDcidLength the length of the connection IDs this endpoint issues, which short
     *     headers do not announce (RFC 9000 §17.3)
     * @param acceptZeroFixedBit true if this endpoint advertised grease_quic_bit (RFC 9287 §3), so a fixed
     *     bit of 0 is legal
     * @param out the view to fill; reset first
     */
    public static ParseStatus parse(ByteBuffer datagram, int offset, int shortHeaderDcidLength,
                                    boolean acceptZeroFixedBit, PacketHeaderView out) {
        out.reset(offset);
        int limit = datagram.limit();
        if (offset >= limit) {
            return ParseStatus.TOO_SHORT;
        }
        int first = datagram.get(offset) & 0xff;
        out.firstByte = first;
        if ((first & FORM_BIT) == 0) {
            return parseShort(datagram, offset, limit, first, shortHeaderDcidLength, acceptZeroFixedBit, out);
        }
        return parseLong(datagram, offset, limit, first, acceptZeroFixedBit, out);
    }

    private static ParseStatus parseShort(ByteBuffer buf, int offset, int limit, int first, int dcidLength,
                                          boolean acceptZeroFixedBit, PacketHeaderView out) {
        // RFC 9000 §10.3: short header packets under 21 bytes are never valid.
        if (limit - offset < Math.max(MIN_SHORT_HEADER_PACKET, 1 + dcidLength + 4 + 16)) {
            return ParseStatus.TOO_SHORT;
        }
        // RFC 9000 §17.3.1: a zero fixed bit is invalid, unless we asked for greasing (RFC 9287 §3).
        if ((first & FIXED_BIT) == 0 && !acceptZeroFixedBit) {
            return ParseStatus.FIXED_BIT_ZERO;
        }
        out.longHeader = false;
        out.type = PacketType.ONE_RTT;
        out.dcidOffset = offset + 1;
        out.dcidLength = dcidLength;
        out.pnOffset = offset + 1 + dcidLength;
        // A short header packet has no Length: it runs to the end of the datagram (RFC 9000 §12.2).
        out.packetEnd = limit;
        return ParseStatus.OK;
    }

    private static ParseStatus parseLong(ByteBuffer buf, int offset, int limit, int first,
                                         boolean acceptZeroFixedBit, PacketHeaderView out) {
        out.longHeader = true;
        int pos = offset + 1;
        // RFC 8999 §5.1: version, DCID length, at least the SCID length byte.
        if (limit - pos < 4 + 1) {
            return ParseStatus.TRUNCATED;
        }
        int version = buf.getInt(pos);
        out.version = version;
        pos += 4;
        int dcidLength = buf.get(pos++) & 0xff;
        if (limit - pos < dcidLength + 1) {
            return ParseStatus.TRUNCATED;
        }
        out.dcidOffset = pos;
        out.dcidLength = dcidLength;
        pos += dcidLength;
        int scidLength = buf.get(pos++) & 0xff;
        if (limit - pos < scidLength) {
            return ParseStatus.TRUNCATED;
        }
        out.scidOffset = pos;
        out.scidLength = scidLength;
        pos += scidLength;

        if (version == 0) {
            return parseVersionNegotiation(pos, limit, out);
        }
        QuicVersion quicVersion = QuicVersion.fromWire(version);
        if (quicVersion == null) {
            // RFC 9000 §6.1: answerable with Version Negotiation whatever the CID lengths (up to 255 each).
            out.packetEnd = limit;
            return ParseStatus.UNSUPPORTED_VERSION;
        }
        out.quicVersion = quicVersion;
        // RFC 9000 §17.2: v1 (and v2) long headers with a connection ID over 20 bytes MUST be dropped.
        if (dcidLength > ConnectionId.MAX_LENGTH || scidLength > ConnectionId.MAX_LENGTH) {
            return ParseStatus.CONNECTION_ID_TOO_LONG;
        }
        // RFC 9000 §17.2: a zero fixed bit is invalid, unless we asked for greasing (RFC 9287 §3).
        if ((first & FIXED_BIT) == 0 && !acceptZeroFixedBit) {
            return ParseStatus.FIXED_BIT_ZERO;
        }
        PacketType type = PacketType.fromLongHeaderTypeBits(quicVersion, (first >>> 4) & 0b11);
        out.type = type;

        if (type == PacketType.RETRY) {
            return parseRetry(pos, limit, out);
        }
        if (type == PacketType.INITIAL) {
            long tokenLength = VarInt.get(buf, pos, limit);
            if (tokenLength < 0) {
                return ParseStatus.TRUNCATED;
            }
            pos += VarInt.lengthOf(buf.get(pos));
            if (tokenLength > limit - pos) {
                return ParseStatus.TRUNCATED;
            }
            out.tokenOffset = pos;
            out.tokenLength = (int) tokenLength;
            pos += (int) tokenLength;
        }
        long length = VarInt.get(buf, pos, limit);
        if (length < 0) {
            return ParseStatus.TRUNCATED;
        }
        pos += VarInt.lengthOf(buf.get(pos));
        if (length > limit - pos) {
            return ParseStatus.LENGTH_BEYOND_DATAGRAM;
        }
        out.pnOffset = pos;
        out.packetEnd = pos + (int) length;
        return ParseStatus.OK;
    }

    private static ParseStatus parseRetry(int pos, int limit, PacketHeaderView out) {
        // RFC 9000 §17.2.5: Retry Token (..), Retry Integrity Tag (128) to the end of the datagram.
        if (limit - pos < RetryPacket.INTEGRITY_TAG_LENGTH) {
            return ParseStatus.TRUNCATED;
        }
        out.tokenOffset = pos;
        out.tokenLength = limit - pos - RetryPacket.INTEGRITY_TAG_LENGTH;
        out.pnOffset = limit - RetryPacket.INTEGRITY_TAG_LENGTH;
        out.packetEnd = limit;
        return ParseStatus.OK;
    }

    private static ParseStatus parseVersionNegotiation(int pos, int limit, PacketHeaderView out) {
        // RFC 9000 §17.2.1: the rest of the datagram is a list of 32-bit versions.
        if ((limit - pos) % 4 != 0) {
            return ParseStatus.MALFORMED_VERSION_LIST;
        }
        out.pnOffset = pos;
        out.packetEnd = limit;
        return ParseStatus.VERSION_NEGOTIATION;
    }

    /**
     * {@return true if the packet in {@code view} carries the same Destination Connection ID as the
     * datagram's first packet} RFC 9000 §12.2: receivers SHOULD ignore coalesced packets with another DCID.
     */
    public static boolean sameDestination(ByteBuffer datagram, PacketHeaderView first, PacketHeaderView view) {
        if (first.dcidLength != view.dcidLength) {
            return false;
        }
        for (int i = 0; i < first.dcidLength; i++) {
            if (datagram.get(first.dcidOffset + i) != datagram.get(view.dcidOffset + i)) {
                return false;
            }
        }
        return true;
    }
}
