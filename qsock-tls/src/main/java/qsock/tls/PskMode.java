package qsock.tls;

/**
 * A PSK key exchange mode (RFC 8446 §4.2.9): how a pre-shared key establishes the connection's keys.
 */
public enum PskMode {
    /** psk_ke: the PSK alone; no (EC)DHE, hence no forward secrecy. Used only when both sides are configured for it. */
    PSK_KE(0),
    /** psk_dhe_ke: the PSK together with an (EC)DHE exchange (the default). */
    PSK_DHE_KE(1);

    private final int code;

    PskMode(int code) {
        this.code = code;
    }

    /** {@return the PskKeyExchangeMode code on the wire} */
    public int code() {
        return code;
    }

    /** {@return the mode with this wire code, or null for one this library does not know} */
    public static PskMode fromCode(int code) {
        for (PskMode m : values()) {
            if (m.code == code) {
                return m;
            }
        }
        return null;
    }
}
