package qsock.core.connection;

/**
 * The timers of a connection, each one slot of its {@link TimerTable}. The connection's next deadline is the
 * earliest of them.
 */
enum Timer {
    /** The idle timeout (RFC 9000 §10.1): the connection closes silently when it fires. */
    IDLE,
    /** The end of the closing or draining period (RFC 9000 §10.2): three PTOs after it began. */
    CLOSE,
    /** Our keep-alive: a PING once the connection has been quiet for the configured time. */
    KEEP_ALIVE,
    /** The pacer's release time for the next datagram (RFC 9002 §7.7). */
    PACING,
    /** When the delayed ACK of 1-RTT packets is due (RFC 9000 §13.2.1), while one can be sent. */
    ACK_DELAY,
    /** Loss detection or probe timeout, as recovery sets it (RFC 9002 §6.1.2, §6.2). */
    LOSS_DETECTION,
    /** When the read keys of the previous key phase are discarded (RFC 9001 §6.5). */
    KEY_DISCARD,
    /** When path MTU discovery looks above its settled size again (RFC 8899 §5.1.1, PMTU_RAISE_TIMER). */
    PATH_MTU_RAISE,
    /** When the validation of the peer's new address fails (RFC 9000 §8.2.4). */
    PATH_VALIDATION,
    /** When a client gives up the path it probes to move to (RFC 9000 §8.2.4, §9.2). */
    PATH_PROBE;

    /** The number of timers. */
    static final int COUNT = values().length;
}
