package qsock.core.params;

import qsock.core.wire.VarInt;

/**
 * The transport parameters qsock understands, with what the RFCs say about each: its code point, the
 * shape of its value, the range of an integer value, its default when absent, and whether only a server
 * may send it.
 *
 * <p>Parameter IDs on the wire are an open set: {@link #fromCode(long)} answers {@code null} for the ones
 * not listed here, which a receiver ignores (RFC 9000 §7.4.2). {@link #isReserved(long)} tells the IDs
 * of the form {@code 31 * N + 27} that exist only to exercise that rule (RFC 9000 §18.1).
 */
public enum TransportParameterId {
    /** RFC 9000 §18.2: the DCID of the client's first Initial, server only. */
    ORIGINAL_DESTINATION_CONNECTION_ID(0x00, Kind.CONNECTION_ID, true),
    /** RFC 9000 §18.2: idle timeout in milliseconds, 0 (the default) disables it. */
    MAX_IDLE_TIMEOUT(0x01, 0, VarInt.MAX_VALUE, 0, "is out of range (RFC 9000 §16)"),
    /** RFC 9000 §18.2: 16 bytes, server only. */
    STATELESS_RESET_TOKEN(0x02, Kind.STATELESS_RESET_TOKEN, true),
    /** RFC 9000 §18.2: the largest UDP payload the sender will receive; default 65527, at least 1200. */
    MAX_UDP_PAYLOAD_SIZE(0x03, 1200, VarInt.MAX_VALUE, 65527, "is below 1200 (RFC 9000 §18.2)"),
    /** RFC 9000 §18.2: the connection's initial flow control limit, in bytes. */
    INITIAL_MAX_DATA(0x04, 0, VarInt.MAX_VALUE, 0, "is out of range (RFC 9000 §16)"),
    /** RFC 9000 §18.2: initial limit for bidirectional streams the sender opens, in bytes. */
    INITIAL_MAX_STREAM_DATA_BIDI_LOCAL(0x05, 0, VarInt.MAX_VALUE, 0, "is out of range (RFC 9000 §16)"),
    /** RFC 9000 §18.2: initial limit for bidirectional streams the receiver opens, in bytes. */
    INITIAL_MAX_STREAM_DATA_BIDI_REMOTE(0x06, 0, VarInt.MAX_VALUE, 0, "is out of range (RFC 9000 §16)"),
    /** RFC 9000 §18.2: initial limit for unidirectional streams the receiver opens, in bytes. */
    INITIAL_MAX_STREAM_DATA_UNI(0x07, 0, VarInt.MAX_VALUE, 0, "is out of range (RFC 9000 §16)"),
    /** RFC 9000 §18.2, §4.6: bidirectional streams the receiver may open, at most 2^60. */
    INITIAL_MAX_STREAMS_BIDI(0x08, 0, 1L << 60, 0, "exceeds 2^60 (RFC 9000 §4.6, §18.2)"),
    /** RFC 9000 §18.2, §4.6: unidirectional streams the receiver may open, at most 2^60. */
    INITIAL_MAX_STREAMS_UNI(0x09, 0, 1L << 60, 0, "exceeds 2^60 (RFC 9000 §4.6, §18.2)"),
    /** RFC 9000 §18.2: exponent scaling the ACK Delay field; default 3, at most 20. */
    ACK_DELAY_EXPONENT(0x0a, 0, 20, 3, "exceeds 20 (RFC 9000 §18.2)"),
    /** RFC 9000 §18.2: in milliseconds; default 25, below 2^14. */
    MAX_ACK_DELAY(0x0b, 0, (1L << 14) - 1, 25, "is 2^14 or more (RFC 9000 §18.2)"),
    /** RFC 9000 §18.2: a flag, sent with an empty value. */
    DISABLE_ACTIVE_MIGRATION(0x0c, Kind.EMPTY, false),
    /** RFC 9000 §18.2: the server's preferred address, server only. */
    PREFERRED_ADDRESS(0x0d, Kind.PREFERRED_ADDRESS, true),
    /** RFC 9000 §18.2: connection IDs the sender will store; default 2, at least 2. */
    ACTIVE_CONNECTION_ID_LIMIT(0x0e, 2, VarInt.MAX_VALUE, 2, "is below 2 (RFC 9000 §18.2)"),
    /** RFC 9000 §18.2, §7.3: the SCID of the sender's first Initial; required from both endpoints. */
    INITIAL_SOURCE_CONNECTION_ID(0x0f, Kind.CONNECTION_ID, false),
    /** RFC 9000 §18.2, §7.3: the SCID of the server's Retry, server only. */
    RETRY_SOURCE_CONNECTION_ID(0x10, Kind.CONNECTION_ID, true),
    /** RFC 9368 §3: Chosen Version and Available Versions. */
    VERSION_INFORMATION(0x11, Kind.VERSION_INFORMATION, false),
    /** RFC 9221 §3: the largest DATAGRAM frame the sender will receive; 0 (the default) means none. */
    MAX_DATAGRAM_FRAME_SIZE(0x20, 0, VarInt.MAX_VALUE, 0, "is out of range (RFC 9000 §16)"),
    /** RFC 9287 §3: a flag, sent with an empty value. */
    GREASE_QUIC_BIT(0x2ab2, Kind.EMPTY, false);

    /** The shape of a parameter's value. */
    public enum Kind {
        /** A variable-length integer filling the whole value (RFC 9000 §18.2). */
        INTEGER,
        /** A connection ID of 0 to 20 bytes filling the whole value. */
        CONNECTION_ID,
        /** Exactly 16 bytes. */
        STATELESS_RESET_TOKEN,
        /** A flag: present with a zero-length value, or absent. */
        EMPTY,
        /** The Preferred Address structure of RFC 9000 §18.2. */
        PREFERRED_ADDRESS,
        /** The Version Information structure of RFC 9368 §3. */
        VERSION_INFORMATION,
    }

    private static final TransportParameterId[] VALUES = values();

    private final long code;
    private final Kind kind;
    private final boolean serverOnly;
    private final long minValue;
    private final long maxValue;
    private final long defaultValue;
    private final String rangeRule;
    private final String rfcName;

    TransportParameterId(long code, long minValue, long maxValue, long defaultValue, String rangeRule) {
        this(code, Kind.INTEGER, false, minValue, maxValue, defaultValue, rangeRule);
    }

    TransportParameterId(long code, Kind kind, boolean serverOnly) {
        this(code, kind, serverOnly, 0, 0, 0, null);
    }

    TransportParameterId(long code, Kind kind, boolean serverOnly, long minValue, long maxValue,
            long defaultValue, String rangeRule) {
        this.code = code;
        this.kind = kind;
        this.serverOnly = serverOnly;
        this.minValue = minValue;
        this.maxValue = maxValue;
        this.defaultValue = defaultValue;
        this.rangeRule = rangeRule;
        this.rfcName = name().toLowerCase(java.util.Locale.ROOT);
    }

    /** {@return the code point as sent on the wire} */
    public long code() {
        return code;
    }

    /** {@return the shape of this parameter's value} */
    public Kind kind() {
        return kind;
    }

    /** {@return true if only a server may send this parameter (RFC 9000 §18.2)} */
    public boolean isServerOnly() {
        return serverOnly;
    }

    /** {@return the smallest valid value of an integer parameter} */
    public long minValue() {
        requireInteger();
        return minValue;
    }

    /** {@return the largest valid value of an integer parameter} */
    public long maxValue() {
        requireInteger();
        return maxValue;
    }

    /** {@return the value an integer parameter takes when absent} */
    public long defaultValue() {
        requireInteger();
        return defaultValue;
    }

    /** {@return true if {@code value} is valid for this integer parameter} */
    public boolean allows(long value) {
        requireInteger();
        return value >= minValue && value <= maxValue;
    }

    /** {@return the parameter's name as the RFC spells it, e.g. {@code max_udp_payload_size}} */
    public String rfcName() {
        return rfcName;
    }

    /** The words completing "{@code <name> <value> ...}" when an integer value is out of range. */
    String rangeRule() {
        return rangeRule;
    }

    private void requireInteger() {
        if (kind != Kind.INTEGER) {
            throw new IllegalStateException(rfcName + " is not an integer parameter");
        }
    }

    /** {@return the parameter with this code point, or null if qsock does not know it} */
    public static TransportParameterId fromCode(long code) {
        if (code >= 0 && code <= 0x11) {
            // The ids 0x00..0x11 are the first 18 constants, in order.
            return VALUES[(int) code];
        }
        if (code == MAX_DATAGRAM_FRAME_SIZE.code) {
            return MAX_DATAGRAM_FRAME_SIZE;
        }
        if (code == GREASE_QUIC_BIT.code) {
            return GREASE_QUIC_BIT;
        }
        return null;
    }

    /**
     * {@return true if {@code code} has the form {@code 31 * N + 27}} Such IDs are reserved to exercise
     * the rule that unknown parameters are ignored (RFC 9000 §18.1); they carry no meaning.
     */
    public static boolean isReserved(long code) {
        return code >= 0 && code % 31 == 27;
    }

    /**
     * {@return the reserved ID {@code 31 * n + 27}} A sender picks {@code n} (at random, say) and sends a
     * parameter with that ID to exercise its peer's tolerance of unknown parameters (RFC 9000 §18.1).
     *
     * @throws IllegalArgumentException if the ID would not fit a varint
     */
    public static long reserved(long n) {
        if (n < 0 || n > (VarInt.MAX_VALUE - 27) / 31) {
            throw new IllegalArgumentException("31 * " + n + " + 27 is not a varint");
        }
        return 31 * n + 27;
    }

    /** {@return a name for any parameter code: the RFC name if known, else its hex form} */
    public static String describe(long code) {
        TransportParameterId id = fromCode(code);
        if (id != null) {
            return id.rfcName;
        }
        return (isReserved(code) ? "reserved transport parameter 0x" : "unknown transport parameter 0x")
                + Long.toHexString(code);
    }
}
