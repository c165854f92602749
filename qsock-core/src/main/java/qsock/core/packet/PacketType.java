package qsock.core.packet;

import qsock.api.QuicVersion;
import qsock.core.handshake.EncryptionLevel;

/**
 * The kinds of QUIC packet that carry a packet number or a token (RFC 9000 §17). Version Negotiation and
 * Stateless Reset are not in this list: neither is a packet of a version, and neither carries frames.
 *
 * <p>The Type bits of a long header differ between versions: {@link #longHeaderTypeBits} and
 * {@link #fromLongHeaderTypeBits} map them with the version's {@link QuicVersion#longHeaderTypeOffset()}.
 */
public enum PacketType {
    /** Long header; carries the first CRYPTO frames, protected with keys from the connection ID. */
    INITIAL,
    /** Long header; early application data protected with keys from a resumed session. */
    ZERO_RTT,
    /** Long header; the rest of the handshake. */
    HANDSHAKE,
    /** Long header; a server's address validation challenge, no packet number and no frames. */
    RETRY,
    /** Short header; application data after the handshake. */
    ONE_RTT;

    /** {@return true for packets sent with a long header} */
    public boolean hasLongHeader() {
        return this != ONE_RTT;
    }

    private static final PacketType[] VALUES = values();

    /** {@return the packet type that carries handshake data and keys of {@code level} (RFC 9001 §4.1.4)} */
    public static PacketType of(EncryptionLevel level) {
        return switch (level) {
            case INITIAL -> INITIAL;
            case EARLY_DATA -> ZERO_RTT;
            case HANDSHAKE -> HANDSHAKE;
            case APPLICATION -> ONE_RTT;
        };
    }

    /**
     * {@return the two Type bits of a long header for this type in {@code version}} Version 1's bits are the
     * order of this enum (RFC 9000 §17.2); version 2 adds its offset modulo 4 (RFC 9369 §3.2).
     *
     * @throws IllegalArgumentException for {@link #ONE_RTT}, which has a short header
     */
    public int longHeaderTypeBits(QuicVersion version) {
        if (!hasLongHeader()) {
            throw new IllegalArgumentException(this + " has no long header");
        }
        return (ordinal() + version.longHeaderTypeOffset()) & 0b11;
    }

    /** {@return the packet type that the two Type bits {@code bits} (0-3) of a long header mean in {@code version}} */
    public static PacketType fromLongHeaderTypeBits(QuicVersion version, int bits) {
        return VALUES[(bits - version.longHeaderTypeOffset()) & 0b11];
    }
}
