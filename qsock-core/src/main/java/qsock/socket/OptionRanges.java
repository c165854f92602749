package qsock.socket;

import java.time.Duration;

/**
 * The ranges the Linux kernel module's setsockopt checks (quic_param_check_and_copy, quic_config_check_and_copy), for
 * the options of {@link QuicSocketOptions} that carry them, and the checks themselves: each refusal is an
 * {@link IllegalArgumentException} naming the field, the value and the range, the kernel's EINVAL.
 */
final class OptionRanges {

    /** The smallest datagram every QUIC path carries (RFC 9000 §14): the kernel's QUIC_PATH_MIN_PMTU. */
    static final long MIN_PMTU = 1200;
    /** The largest UDP payload (RFC 9000 §18.2): the kernel's QUIC_MAX_UDP_PAYLOAD. */
    static final long MAX_UDP_PAYLOAD = 65527;
    /** The kernel's local cap on initial_max_data: S32_MAX / 4. */
    static final long MAX_LOCAL_DATA = Integer.MAX_VALUE / 4;
    /** The kernel's local cap on each initial_max_stream_data: S32_MAX / 8. */
    static final long MAX_LOCAL_STREAM_DATA = Integer.MAX_VALUE / 8;
    /** The kernel's local cap on initial_max_streams_bidi and _uni: QUIC_MAX_STREAMS. */
    static final long MAX_LOCAL_STREAMS = 4096;
    /** RFC 9000 §19.11: a stream count never exceeds 2^60. */
    static final long MAX_STREAMS = 1L << 60;
    /** RFC 9000 §16: the largest variable-length integer. */
    static final long MAX_VARINT = (1L << 62) - 1;
    /** The kernel's QUIC_MIN_IDLE_TIMEOUT: 1 s. */
    static final Duration MIN_IDLE_TIMEOUT = Duration.ofSeconds(1);
    /** RFC 9000 §18.2: max_ack_delay values of 2^14 ms or more are invalid (the kernel's QUIC_MAX_ACK_DELAY). */
    static final Duration MAX_ACK_DELAY_EXCLUSIVE = Duration.ofMillis(1L << 14);
    /** RFC 9000 §18.2: ack_delay_exponent values above 20 are invalid. */
    static final int MAX_ACK_DELAY_EXPONENT = 20;
    /** The kernel's QUIC_CONN_ID_LEAST and QUIC_CONN_ID_LIMIT: 2 to 8 active connection IDs. */
    static final int MIN_ACTIVE_CONNECTION_IDS = 2;
    static final int MAX_ACTIVE_CONNECTION_IDS = 8;

    /** The draft's bounds on initial_smoothed_rtt: QUIC_RTO_MIN (100 ms) to QUIC_RTO_MAX (6 s). */
    static final Duration MIN_INITIAL_RTT = Duration.ofMillis(100);
    static final Duration MAX_INITIAL_RTT = Duration.ofSeconds(6);
    /** The kernel's QUIC_MIN_PROBE_TIMEOUT: a path MTU probe interval, when on, is at least 5 s. */
    static final Duration MIN_PLPMTUD_INTERVAL = Duration.ofSeconds(5);
    /** The kernel's cap: U32_MAX / QUIC_PMTUD_RAISE_TIMER_FACTOR microseconds, so that 30 intervals fit a u32. */
    static final Duration MAX_PLPMTUD_INTERVAL = Duration.ofNanos(0xFFFF_FFFFL / 30 * 1000);
    /** The kernel's QUIC_MIN_PATH_TIMEOUT: a keep-alive interval, when on, is at least 1.5 s. */
    static final Duration MIN_KEEPALIVE = Duration.ofMillis(1500);
    /** The kernel's field is a u32 of microseconds. */
    static final Duration MAX_KEEPALIVE = Duration.ofNanos(0xFFFF_FFFFL * 1000);
    /** The kernel's field is a u8 of seconds. */
    static final Duration MAX_RECEIVE_SESSION_TICKET = Duration.ofSeconds(255);

    /** The kernel's QUIC_ALPN_MAX_LEN: the comma-joined ALPN list has at most 128 bytes. */
    static final int MAX_ALPN_LIST = 128;
    /** The kernel's QUIC_TICKET_MIN_LEN and QUIC_TICKET_MAX_LEN (and the draft's bound). */
    static final int MIN_SESSION_TICKET = 64;
    static final int MAX_SESSION_TICKET = 4096;
    /** The kernel's QUIC_TP_EXT_MAX_LEN: a transport parameter extension set has at most 512 bytes. */
    static final int MAX_TRANSPORT_PARAM_EXT = 512;

    private OptionRanges() {}

    /** Checks {@code min <= value <= max}. */
    static void range(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " " + value + " is not in " + min + ".." + max);
        }
    }

    /** Checks 0, or {@code min <= value <= max}. */
    static void zeroOrRange(String field, long value, long min, long max) {
        if (value != 0 && (value < min || value > max)) {
            throw new IllegalArgumentException(field + " " + value + " is neither 0 nor in " + min + ".." + max);
        }
    }

    /** Checks that {@code d} is not null and not negative. */
    static Duration notNegative(String field, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(field + " must be a duration of zero or more, not " + d);
        }
        return d;
    }

    /** Checks {@code min <= d <= max} (inclusive). */
    static void range(String field, Duration d, Duration min, Duration max) {
        notNegative(field, d);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new IllegalArgumentException(field + " " + d + " is not in " + min + ".." + max);
        }
    }

    /** Checks zero (off), or {@code min <= d <= max}. */
    static void zeroOrRange(String field, Duration d, Duration min, Duration max) {
        notNegative(field, d);
        if (!d.isZero()) {
            range(field, d, min, max);
        }
    }

    /**
     * {@return {@code d} in milliseconds} qsock keeps these settings in whole milliseconds (transport parameters
     * travel so, RFC 9000 §18.2), so a finer duration is refused rather than silently cut.
     */
    static long wholeMillis(String field, Duration d) {
        notNegative(field, d);
        long millis;
        try {
            millis = d.toMillis();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(field + " " + d + " is too long");
        }
        if (!Duration.ofMillis(millis).equals(d)) {
            throw new IllegalArgumentException(field + " " + d + " is not a whole number of milliseconds, the "
                    + "resolution qsock keeps it in");
        }
        return millis;
    }
}
