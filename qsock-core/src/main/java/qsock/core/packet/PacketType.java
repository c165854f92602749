package qsock.core.packet;

/**
 * The kinds of QUIC packet that carry a packet number or a token (RFC 9000 §17). Version Negotiation and
 * Stateless Reset are not in this list: neither is a packet of a version, and neither carries frames.
 *
 * <p>The Type bits of a long header differ between versions; {@link QuicVersion} maps them.
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
}
