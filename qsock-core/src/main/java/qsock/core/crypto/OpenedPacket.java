package qsock.core.crypto;

/**
 * What {@link PacketProtection} learns while opening a packet: a mutable holder the caller allocates once
 * and passes to every call, so opening allocates nothing. Each call overwrites it; after a failed call
 * its fields are unspecified.
 *
 * <p>Filled in two steps, which a receiver with key updates runs apart: removing header protection (the
 * unprotected first byte, the packet number and the payload bounds) and then decrypting the payload
 * (which shortens the payload by the tag).
 */
public final class OpenedPacket {

    int packetStart;
    int packetEnd;
    int firstByte;
    long packetNumber;
    int packetNumberLength;
    int payloadOffset;
    int payloadLength;

    /** Creates an empty holder. */
    public OpenedPacket() {}

    /** {@return the index of the packet's first byte} */
    public int packetStart() {
        return packetStart;
    }

    /** {@return the index just past the packet's last byte, tag included} */
    public int packetEnd() {
        return packetEnd;
    }

    /** {@return the first byte of the packet without header protection, 0-255} */
    public int firstByte() {
        return firstByte;
    }

    /** {@return true if the packet has a long header} */
    public boolean isLongHeader() {
        return (firstByte & 0x80) != 0;
    }

    /**
     * {@return the Key Phase bit of a short header, 0 or 1 (RFC 9000 §17.3.1); -1 for a long header,
     * which has none}
     */
    public int keyPhase() {
        return isLongHeader() ? -1 : (firstByte >>> 2) & 1;
    }

    /**
     * {@return the Reserved Bits of the first byte}: bits 0x0c of a long header, 0x18 of a short header.
     * RFC 9000 §17.2 and §17.3.1: non-zero after successful decryption is a PROTOCOL_VIOLATION, a check
     * for the caller, which knows the packet authenticated.
     */
    public int reservedBits() {
        return firstByte & (isLongHeader() ? 0x0c : 0x18);
    }

    /** {@return the full packet number, recovered from its truncated form (RFC 9000 Appendix A.3)} */
    public long packetNumber() {
        return packetNumber;
    }

    /** {@return the length of the Packet Number field, 1 to 4} */
    public int packetNumberLength() {
        return packetNumberLength;
    }

    /** {@return the index of the payload, just after the Packet Number field} */
    public int payloadOffset() {
        return payloadOffset;
    }

    /**
     * {@return the payload length}: after header protection is removed, the ciphertext with its tag;
     * after decryption, the plaintext frames
     */
    public int payloadLength() {
        return payloadLength;
    }

    @Override
    public String toString() {
        return "OpenedPacket[pn=" + packetNumber + ", pnLength=" + packetNumberLength + ", firstByte=0x"
                + Integer.toHexString(firstByte) + ", payload=" + payloadOffset + "+" + payloadLength + "]";
    }
}
