package qsock.core.packet;

/**
 * The outcome of reading the unprotected part of a packet header. Anything but {@link #OK},
 * {@link #VERSION_NEGOTIATION} and {@link #UNSUPPORTED_VERSION} means the packet is dropped (RFC 9000
 * §12.2, §17.2: malformed packets are discarded, not answered); the name says why, for logs and qlog.
 */
public enum ParseStatus {
    /** A long or short header packet of a supported version; the header view is complete. */
    OK,
    /** A Version Negotiation packet (version 0); connection IDs and the version list are readable. */
    VERSION_NEGOTIATION,
    /**
     * A long header of a version qsock does not speak. Only the invariant fields (RFC 8999 §5.1) were
     * read: the version and both connection IDs, enough to answer with Version Negotiation.
     */
    UNSUPPORTED_VERSION,
    /** Fewer bytes than the smallest valid packet of its form. */
    TOO_SHORT,
    /** The fixed bit is 0 and the greasing of it (RFC 9287) was not advertised (RFC 9000 §17.2). */
    FIXED_BIT_ZERO,
    /** A connection ID longer than 20 bytes in a version 1 or 2 long header (RFC 9000 §17.2: MUST drop). */
    CONNECTION_ID_TOO_LONG,
    /** A field runs past the end of the datagram. */
    TRUNCATED,
    /** The Length field points past the end of the datagram. */
    LENGTH_BEYOND_DATAGRAM,
    /** A Version Negotiation packet whose version list is not a whole number of 32-bit versions. */
    MALFORMED_VERSION_LIST;

    /** {@return true if the packet should be dropped} */
    public boolean isDrop() {
        return ordinal() > UNSUPPORTED_VERSION.ordinal();
    }
}
