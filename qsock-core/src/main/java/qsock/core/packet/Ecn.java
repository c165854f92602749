package qsock.core.packet;

/**
 * The ECN codepoint of an IP packet (RFC 3168 §5; RFC 9000 §13.4): the two low bits of the IPv4 TOS byte or the IPv6
 * traffic class. A runtime that reads them passes each received datagram's to the endpoint, and marks each datagram
 * it sends with the one the endpoint names.
 */
public enum Ecn {
    /** Not ECN-capable transport (00). */
    NOT_ECT(0b00),
    /** ECN-capable transport, ECT(1) (01). */
    ECT_1(0b01),
    /** ECN-capable transport, ECT(0) (10): what QUIC marks (RFC 9000 §13.4.2). */
    ECT_0(0b10),
    /** Congestion experienced (11): set by a router instead of dropping. */
    CE(0b11);

    private static final Ecn[] BY_BITS = {NOT_ECT, ECT_1, ECT_0, CE};

    private final int bits;

    Ecn(int bits) {
        this.bits = bits;
    }

    /** {@return the two ECN bits, as in the low bits of the TOS byte or traffic class} */
    public int bits() {
        return bits;
    }

    /** {@return the codepoint in the two low bits of {@code tos}, an IPv4 TOS byte or IPv6 traffic class} */
    public static Ecn fromTos(int tos) {
        return BY_BITS[tos & 0b11];
    }
}
