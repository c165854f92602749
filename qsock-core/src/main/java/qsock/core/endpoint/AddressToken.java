package qsock.core.endpoint;

import qsock.core.wire.ConnectionId;

/**
 * What a valid address validation token said (see {@link AddressTokens}).
 *
 * @param kind whether a Retry packet (RFC 9000 §8.1.2) or a NEW_TOKEN frame (§8.1.3) carried it
 * @param originalDestinationId for a Retry token, the Destination Connection ID of the client's first Initial; null
 *     for a NEW_TOKEN token
 * @param retrySourceId for a Retry token, the Source Connection ID of the Retry; null for a NEW_TOKEN token
 * @param issuedAt when it was issued, on the token clock
 */
public record AddressToken(Kind kind, ConnectionId originalDestinationId, ConnectionId retrySourceId, long issuedAt) {

    /** The two kinds of token, told apart by their first byte, which is authenticated with the rest. */
    public enum Kind {
        /** Carried by a Retry packet: bound to the client's IP address and port; lives seconds. */
        RETRY(0x52),
        /** Carried by a NEW_TOKEN frame: bound to the client's IP address only (its port changes); lives hours. */
        NEW_TOKEN(0x4e);

        final int marker;

        Kind(int marker) {
            this.marker = marker;
        }

        /** {@return the kind whose first byte is {@code b}, or null} */
        static Kind ofMarker(int b) {
            return b == RETRY.marker ? RETRY : b == NEW_TOKEN.marker ? NEW_TOKEN : null;
        }
    }
}
