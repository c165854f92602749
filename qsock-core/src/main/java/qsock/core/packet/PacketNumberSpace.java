package qsock.core.packet;

/**
 * The three packet number spaces (RFC 9000 §12.3): each numbers its packets from 0, is acknowledged only
 * within itself, and has its own loss recovery state (RFC 9002 §A.2). 0-RTT and 1-RTT packets share the
 * application data space.
 */
public enum PacketNumberSpace {
    /** Initial packets. */
    INITIAL,
    /** Handshake packets. */
    HANDSHAKE,
    /** 0-RTT and 1-RTT packets. */
    APPLICATION;

    /** {@return the space of a packet type} @throws IllegalArgumentException for Retry, which has no number */
    public static PacketNumberSpace of(PacketType type) {
        return switch (type) {
            case INITIAL -> INITIAL;
            case HANDSHAKE -> HANDSHAKE;
            case ZERO_RTT, ONE_RTT -> APPLICATION;
            case RETRY -> throw new IllegalArgumentException("Retry packets have no packet number");
        };
    }
}
