package qsock.core.packet;

import java.nio.ByteBuffer;
import qsock.api.QuicVersion;
import qsock.core.wire.ConnectionId;
import qsock.core.wire.VarInt;

/**
 * Writes the headers of Initial, 0-RTT, Handshake and 1-RTT packets (RFC 9000 §17.2, §17.3) into a packet
 * buffer, in the clear; packet protection then seals the payload and masks the header in place.
 *
 * <p>A long header's Length covers the packet number, the payload and the AEAD tag, none of which is known
 * when the header is written; so the Length field is written with a fixed size and filled in by
 * {@link #setLength} once the packet is complete. Two bytes cover packets up to 16383 bytes; four are for
 * larger datagrams (path MTU discovery on loopback reaches 65527).
 */
public final class PacketHeaderWriter {

    private static final int SPIN_BIT = 0x20;
    private static final int KEY_PHASE_BIT = 0x04;

    private PacketHeaderWriter() {}

    /**
     * Writes a long header and the packet number at the buffer's position, leaving the position at the
     * first payload byte.
     *
     * @param type INITIAL, ZERO_RTT or HANDSHAKE (Retry has its own layout: {@link RetryPacket})
     * @param token the Initial token (remaining bytes are written, position untouched), or null for none;
     *     must be null for other types
     * @param pnLength the packet number field length, 1-4 (see {@link PacketNumber#encodedLength})
     * @param lengthFieldSize 2 or 4: the size reserved for the Length field
     * @param fixedBit the fixed bit; false only when the peer advertised grease_quic_bit (RFC 9287 §3)
     * @return the offset of the packet number field, which {@link #setLength} and packet protection need
     */
    public static int writeLongHeader(ByteBuffer out, QuicVersion version, PacketType type,
                                      ConnectionId dcid, ConnectionId scid, ByteBuffer token,
                                      long packetNumber, int pnLength, int lengthFieldSize, boolean fixedBit) {
        if (type == PacketType.RETRY || type == PacketType.ONE_RTT) {
            throw new IllegalArgumentException(type + " does not use this header layout");
        }
        if (token != null && type != PacketType.INITIAL) {
            throw new IllegalArgumentException("only Initial packets carry a token");
        }
        checkPnLength(pnLength);
        if (lengthFieldSize != 2 && lengthFieldSize != 4) {
            throw new IllegalArgumentException("Length field size must be 2 or 4: " + lengthFieldSize);
        }
        // RFC 9000 §17.2: reserved bits are sent as 0; the low two bits carry the packet number length.
        int first = PacketParser.FORM_BIT | (fixedBit ? PacketParser.FIXED_BIT : 0)
                | (type.longHeaderTypeBits(version) << 4) | (pnLength - 1);
        out.put((byte) first);
        out.putInt(version.wireValue());
        out.put((byte) dcid.length());
        dcid.writeTo(out);
        out.put((byte) scid.length());
        scid.writeTo(out);
        if (type == PacketType.INITIAL) {
            int tokenLength = token == null ? 0 : token.remaining();
            VarInt.write(out, tokenLength);
            if (token != null) {
                out.put(token.duplicate());
            }
        }
        // Placeholder with the chosen size; setLength fills it in.
        VarInt.write(out, 0, lengthFieldSize);
        int pnOffset = out.position();
        writePacketNumber(out, packetNumber, pnLength);
        return pnOffset;
    }

    /**
     * Fills in the Length field of a long header written by {@link #writeLongHeader}: everything from the
     * packet number to {@code packetEnd}, which must include the AEAD tag.
     */
    public static void setLength(ByteBuffer out, int pnOffset, int lengthFieldSize, int packetEnd) {
        long length = packetEnd - pnOffset;
        if (length <= 0) {
            throw new IllegalArgumentException("packet end " + packetEnd + " is not after " + pnOffset);
        }
        VarInt.put(out, pnOffset - lengthFieldSize, length, lengthFieldSize);
    }

    /**
     * Writes a short header (RFC 9000 §17.3.1) and the packet number at the buffer's position.
     *
     * @return the offset of the packet number field
     */
    public static int writeShortHeader(ByteBuffer out, ConnectionId dcid, boolean spin, boolean keyPhase,
                                       long packetNumber, int pnLength, boolean fixedBit) {
        checkPnLength(pnLength);
        int first = (fixedBit ? PacketParser.FIXED_BIT : 0) | (spin ? SPIN_BIT : 0)
                | (keyPhase ? KEY_PHASE_BIT : 0) | (pnLength - 1);
        out.put((byte) first);
        dcid.writeTo(out);
        int pnOffset = out.position();
        writePacketNumber(out, packetNumber, pnLength);
        return pnOffset;
    }

    /** {@return the size of a long header up to and including the packet number field} */
    public static int longHeaderLength(PacketType type, ConnectionId dcid, ConnectionId scid, int tokenLength,
                                       int pnLength, int lengthFieldSize) {
        int n = 1 + 4 + 1 + dcid.length() + 1 + scid.length();
        if (type == PacketType.INITIAL) {
            n += VarInt.size(tokenLength) + tokenLength;
        }
        return n + lengthFieldSize + pnLength;
    }

    /** Writes the {@code pnLength} least significant bytes of {@code packetNumber}, big-endian. */
    private static void writePacketNumber(ByteBuffer out, long packetNumber, int pnLength) {
        if (packetNumber < 0 || packetNumber > PacketNumber.MAX) {
            throw new IllegalArgumentException("packet number out of range: " + packetNumber);
        }
        for (int shift = (pnLength - 1) * 8; shift >= 0; shift -= 8) {
            out.put((byte) (packetNumber >>> shift));
        }
    }

    private static void checkPnLength(int pnLength) {
        if (pnLength < 1 || pnLength > 4) {
            throw new IllegalArgumentException("packet number length must be 1-4: " + pnLength);
        }
    }
}
