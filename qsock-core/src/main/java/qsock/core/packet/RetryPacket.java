package qsock.core.packet;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import qsock.api.QuicVersion;
import qsock.core.wire.ConnectionId;

/**
 * A Retry packet (RFC 9000 §17.2.5): the server's request that the client prove its address by
 * repeating a token. It has no packet number and no protection beyond its integrity tag (RFC 9001 §5.8),
 * which packet protection computes over the bytes this class writes.
 *
 * @param version the version of the Initial it answers (RFC 9369 §4: Retry keeps the original version)
 * @param dcid the client's Source Connection ID
 * @param scid the connection ID the server chose; never equal to the client's original DCID
 * @param token the address validation token, never empty (RFC 9000 §17.2.5.2)
 * @param integrityTag the 16-byte Retry Integrity Tag
 * @param unusedBits the four unused low bits of the first byte, arbitrary (clients ignore them)
 */
public record RetryPacket(QuicVersion version, ConnectionId dcid, ConnectionId scid, byte[] token,
                          byte[] integrityTag, int unusedBits) {

    /** Length of the Retry Integrity Tag (RFC 9001 §5.8). */
    public static final int INTEGRITY_TAG_LENGTH = 16;

    public RetryPacket {
        if (token.length == 0) {
            throw new IllegalArgumentException("a Retry token is never empty");
        }
        if (integrityTag.length != INTEGRITY_TAG_LENGTH) {
            throw new IllegalArgumentException("integrity tag must be 16 bytes");
        }
        if ((unusedBits & ~0x0f) != 0) {
            throw new IllegalArgumentException("unused bits are the low four bits: " + unusedBits);
        }
        token = token.clone();
        integrityTag = integrityTag.clone();
    }

    /**
     * Writes the packet up to, not including, the integrity tag at the buffer's position: the bytes the
     * tag covers (after the Original Destination Connection ID of the pseudo-packet).
     */
    public static void writeWithoutTag(ByteBuffer out, QuicVersion version, ConnectionId dcid, ConnectionId scid,
                                       byte[] token, int unusedBits) {
        if (token.length == 0) {
            throw new IllegalArgumentException("a Retry token is never empty");
        }
        out.put((byte) (PacketParser.FORM_BIT | PacketParser.FIXED_BIT
                | (PacketType.RETRY.longHeaderTypeBits(version) << 4) | (unusedBits & 0x0f)));
        out.putInt(version.wireValue());
        out.put((byte) dcid.length());
        dcid.writeTo(out);
        out.put((byte) scid.length());
        scid.writeTo(out);
        out.put(token);
    }

    /** Writes the whole packet, tag included, at the buffer's position. */
    public void writeTo(ByteBuffer out) {
        writeWithoutTag(out, version, dcid, scid, token, unusedBits);
        out.put(integrityTag);
    }

    /**
     * {@return the Retry packet that {@code view} parsed, or null if it is not a valid one} RFC 9000
     * §17.2.5.2: a client discards a Retry with an empty token. The tag is not verified here.
     */
    public static RetryPacket from(ByteBuffer datagram, PacketHeaderView view) {
        if (view.type() != PacketType.RETRY || view.tokenLength() == 0) {
            return null;
        }
        byte[] tag = new byte[INTEGRITY_TAG_LENGTH];
        datagram.get(view.pnOffset(), tag);
        return new RetryPacket(view.quicVersion(), view.dcid(datagram), view.scid(datagram),
                view.token(datagram), tag, view.firstByte() & 0x0f);
    }

    @Override
    public byte[] token() {
        return token.clone();
    }

    @Override
    public byte[] integrityTag() {
        return integrityTag.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetryPacket r && version == r.version && dcid.equals(r.dcid) && scid.equals(r.scid)
                && Arrays.equals(token, r.token) && Arrays.equals(integrityTag, r.integrityTag)
                && unusedBits == r.unusedBits;
    }

    @Override
    public int hashCode() {
        return ((version.hashCode() * 31 + dcid.hashCode()) * 31 + scid.hashCode()) * 31 + Arrays.hashCode(token);
    }

    @Override
    public String toString() {
        return "RetryPacket[" + version + ", dcid=" + dcid + ", scid=" + scid + ", token="
                + HexFormat.of().formatHex(token) + "]";
    }
}
