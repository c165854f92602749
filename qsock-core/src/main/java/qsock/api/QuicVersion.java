package qsock.api;

import java.util.HexFormat;

/**
 * The QUIC versions qsock speaks, with everything that differs between them on the wire: the Type bits of
 * long headers (RFC 9369 §3.2), the Initial salt, the HKDF label prefix for packet protection keys, and
 * the fixed Retry integrity key and nonce (RFC 9001 §5.2, §5.8; RFC 9369 §3.3).
 *
 * <p>Version numbers on the wire are an open set of 32-bit values; {@link #fromWire(int)} answers
 * {@code null} for those qsock does not support.
 */
public enum QuicVersion {
    /** QUIC version 1, RFC 9000. */
    V1(0x0000_0001,
            "38762cf7f55934b34d179ae6a4c80cadccbb7f0a",
            "quic ",
            "be0c690b9f66575a1d766b54e368c84e",
            "461599d35d632bf2239825bb",
            0),
    /** QUIC version 2, RFC 9369. */
    V2(0x6b33_43cf,
            "0dede3def700a6db819381be6e269dcbf9bd2ed9",
            "quicv2 ",
            "8fb4b01b56ac48e260fbcbcead7ccc92",
            "d86969bc2d7c6d9990efb04a",
            1);

    private final int wire;
    private final byte[] initialSalt;
    private final String labelPrefix;
    private final byte[] retryKey;
    private final byte[] retryNonce;
    /** What this version adds, modulo 4, to version 1's long-header Type bits. */
    private final int typeOffset;

    QuicVersion(int wire, String salt, String labelPrefix, String retryKey, String retryNonce, int typeOffset) {
        HexFormat hex = HexFormat.of();
        this.wire = wire;
        this.initialSalt = hex.parseHex(salt);
        this.labelPrefix = labelPrefix;
        this.retryKey = hex.parseHex(retryKey);
        this.retryNonce = hex.parseHex(retryNonce);
        this.typeOffset = typeOffset;
    }

    /** {@return the 32-bit version number as sent on the wire} */
    public int wireValue() {
        return wire;
    }

    /** {@return the supported version with this wire value, or null if qsock does not speak it} */
    public static QuicVersion fromWire(int wire) {
        for (QuicVersion v : VALUES) {
            if (v.wire == wire) {
                return v;
            }
        }
        return null;
    }

    private static final QuicVersion[] VALUES = values();

    /**
     * {@return true for versions of the form 0x?a?a?a?a, reserved to exercise version negotiation}
     * (RFC 9000 §15)
     */
    public static boolean isReservedForNegotiation(int wire) {
        return (wire & 0x0f0f_0f0f) == 0x0a0a_0a0a;
    }

    /** {@return a copy of the salt for Initial secrets (RFC 9001 §5.2, RFC 9369 §3.3.1)} */
    public byte[] initialSalt() {
        return initialSalt.clone();
    }

    /**
     * {@return the prefix of the packet protection labels: "quic " for v1, "quicv2 " for v2}
     * The labels are this prefix followed by "key", "iv", "hp" or "ku" (RFC 9369 §3.3.2).
     */
    public String labelPrefix() {
        return labelPrefix;
    }

    /** {@return a copy of the AES-128-GCM key for Retry integrity tags (RFC 9001 §5.8, RFC 9369 §3.3.3)} */
    public byte[] retryIntegrityKey() {
        return retryKey.clone();
    }

    /** {@return a copy of the nonce for Retry integrity tags} */
    public byte[] retryIntegrityNonce() {
        return retryNonce.clone();
    }

    /**
     * {@return what this version adds, modulo 4, to the long-header Type bits of version 1} Version 2 moves
     * every type one up: Initial is 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00 (RFC 9369 §3.2).
     */
    public int longHeaderTypeOffset() {
        return typeOffset;
    }

    @Override
    public String toString() {
        return name() + "(0x" + Integer.toHexString(wire) + ")";
    }
}
