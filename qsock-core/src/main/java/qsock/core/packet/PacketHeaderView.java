package qsock.core.packet;

import java.nio.ByteBuffer;
import qsock.api.QuicVersion;
import qsock.core.wire.ConnectionId;

/**
 * The unprotected part of one packet's header inside a datagram buffer, as found by
 * {@link PacketParser#parse}: offsets and lengths, never copies, so that receiving a packet allocates
 * nothing. One view is meant to be reused for every packet a receive loop handles; its values are only
 * meaningful after a parse that returned {@link ParseStatus#OK}, {@link ParseStatus#VERSION_NEGOTIATION} or
 * {@link ParseStatus#UNSUPPORTED_VERSION}, and only until the next parse.
 *
 * <p>Fields protected by header protection (the low bits of the first byte and the packet number) are
 * not read here; packet protection removes that protection from {@link #pnOffset()} on.
 */
public final class PacketHeaderView {

    int packetStart;
    int packetEnd;
    boolean longHeader;
    int firstByte;
    int version;
    QuicVersion quicVersion;
    PacketType type;
    int dcidOffset;
    int dcidLength;
    int scidOffset;
    int scidLength;
    int tokenOffset;
    int tokenLength;
    int pnOffset;

    void reset(int start) {
        packetStart = start;
        packetEnd = start;
        longHeader = false;
        firstByte = 0;
        version = 0;
        quicVersion = null;
        type = null;
        dcidOffset = dcidLength = scidOffset = scidLength = 0;
        tokenOffset = tokenLength = 0;
        pnOffset = 0;
    }

    /** {@return the offset of the packet's first byte in the datagram buffer} */
    public int packetStart() {
        return packetStart;
    }

    /**
     * {@return the offset just past the packet}: the end of its Length for Initial, 0-RTT and Handshake
     * packets, the end of the datagram for the others. A coalesced packet may follow it.
     */
    public int packetEnd() {
        return packetEnd;
    }

    /** {@return the packet's length in bytes} */
    public int packetLength() {
        return packetEnd - packetStart;
    }

    /** {@return true for a long header (including Version Negotiation)} */
    public boolean isLongHeader() {
        return longHeader;
    }

    /** {@return the first byte as received, still under header protection where it applies} */
    public int firstByte() {
        return firstByte;
    }

    /** {@return the version field of a long header (0 for Version Negotiation), 0 for short headers} */
    public int version() {
        return version;
    }

    /** {@return the supported version of the packet, or null for Version Negotiation and unknown versions} */
    public QuicVersion quicVersion() {
        return quicVersion;
    }

    /** {@return the packet type, or null for Version Negotiation and unknown versions} */
    public PacketType type() {
        return type;
    }

    /** {@return the offset of the Destination Connection ID} */
    public int dcidOffset() {
        return dcidOffset;
    }

    /** {@return the length of the Destination Connection ID} */
    public int dcidLength() {
        return dcidLength;
    }

    /** {@return the offset of the Source Connection ID (long headers only)} */
    public int scidOffset() {
        return scidOffset;
    }

    /** {@return the length of the Source Connection ID (long headers only)} */
    public int scidLength() {
        return scidLength;
    }

    /** {@return the offset of the token: the Initial token, or the Retry token} */
    public int tokenOffset() {
        return tokenOffset;
    }

    /** {@return the token length: the Initial token, or the Retry token without the integrity tag} */
    public int tokenLength() {
        return tokenLength;
    }

    /**
     * {@return where the protected packet number starts} For Retry it is the start of the integrity tag;
     * for Version Negotiation, the start of the version list.
     */
    public int pnOffset() {
        return pnOffset;
    }

    /** {@return the Destination Connection ID as a value (allocates; for new connections and logs)} */
    public ConnectionId dcid(ByteBuffer datagram) {
        return copyCid(datagram, dcidOffset, dcidLength);
    }

    /** {@return the Source Connection ID as a value (allocates)} */
    public ConnectionId scid(ByteBuffer datagram) {
        return copyCid(datagram, scidOffset, scidLength);
    }

    private static ConnectionId copyCid(ByteBuffer datagram, int offset, int length) {
        byte[] b = new byte[length];
        datagram.get(offset, b);
        return ConnectionId.of(b);
    }

    /** {@return a copy of the token bytes (allocates)} */
    public byte[] token(ByteBuffer datagram) {
        byte[] b = new byte[tokenLength];
        datagram.get(tokenOffset, b);
        return b;
    }

    @Override
    public String toString() {
        return "PacketHeaderView[" + (longHeader ? "long" : "short") + ", type=" + type
                + ", version=0x" + Integer.toHexString(version) + ", dcidLength=" + dcidLength
                + ", scidLength=" + scidLength + ", tokenLength=" + tokenLength
                + ", packet=" + packetStart + ".." + packetEnd + ", pnOffset=" + pnOffset + "]";
    }
}
