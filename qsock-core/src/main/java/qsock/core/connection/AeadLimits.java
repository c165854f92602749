package qsock.core.connection;

import qsock.core.crypto.PacketProtection;
import qsock.core.handshake.CipherSuite;

/**
 * The AEAD usage limits of one connection (RFC 9001 §6.6).
 *
 * <p>Integrity: the packets that fail authentication are counted across all keys of the connection (Initial,
 * Handshake and every 1-RTT generation; a key update resets nothing here), and once the count exceeds the
 * integrity limit of the AEAD of the key that just failed (2^52 for AES-GCM, 2^36 for ChaCha20-Poly1305) the
 * connection closes with AEAD_LIMIT_REACHED and processes no more packets.
 *
 * <p>Confidentiality: the packets sealed are counted per key ({@link PacketProtection#packetsSealed()}, so a
 * key update starts a new count). This side starts a key update well before the limit (at the configured
 * interval, or half the limit if that comes first); if the update cannot happen (the peer
 * acknowledges nothing of the current phase, RFC 9001 §6.1), the connection closes with AEAD_LIMIT_REACHED when
 * one packet is left under the limit, that packet being its CONNECTION_CLOSE, and then seals nothing more with
 * those keys (§6.6: "MUST stop using those keys").
 *
 * <p>Counting allocates nothing. The limits can be lowered for tests ({@link #lowerForTesting}).
 */
final class AeadLimits {

    /** Test override of the confidentiality limit; 0 for the suite's own. */
    private long confidentialityOverride;
    /** Test override of the integrity limit; 0 for the suite's own. */
    private long integrityOverride;
    /** Packets that failed authentication in this connection, across all keys (RFC 9001 §6.6). */
    private long authenticationFailures;

    /**
     * Lowers the limits, for tests only: no real AEAD is this weak, but a test cannot forge 2^36 packets or
     * seal 2^23. A value of 0 keeps the suite's limit.
     */
    void lowerForTesting(long confidentialityLimit, long integrityLimit) {
        if (confidentialityLimit < 0 || confidentialityLimit == 1 || integrityLimit < 0) {
            throw new IllegalArgumentException("limits " + confidentialityLimit + ", " + integrityLimit);
        }
        this.confidentialityOverride = confidentialityLimit;
        this.integrityOverride = integrityLimit;
    }

    long confidentialityLimit(CipherSuite suite) {
        return confidentialityOverride > 0 ? Math.min(confidentialityOverride, suite.confidentialityLimit())
                : suite.confidentialityLimit();
    }

    long integrityLimit(CipherSuite suite) {
        return integrityOverride > 0 ? Math.min(integrityOverride, suite.integrityLimit()) : suite.integrityLimit();
    }

    /** {@return the packets that failed authentication so far, across all keys} */
    long authenticationFailures() {
        return authenticationFailures;
    }

    /**
     * Counts a packet that failed authentication with {@code keys}.
     *
     * @return whether the count now exceeds the integrity limit: the connection must close with
     *         AEAD_LIMIT_REACHED
     */
    boolean onAuthenticationFailure(PacketProtection keys) {
        authenticationFailures++;
        return authenticationFailures > integrityLimit(keys.suite());
    }

    /**
     * {@return after how many packets sealed with one 1-RTT key this side starts a key update}: the configured
     * interval, but never later than half the confidentiality limit: the other half is for the time an update
     * may have to wait, for the peer to acknowledge a packet of the current phase and for the previous read keys
     * to go (RFC 9001 §6.1, §6.5)
     */
    long keyUpdateThreshold(CipherSuite suite, long interval) {
        long limit = confidentialityLimit(suite);
        return limit == Long.MAX_VALUE ? interval : Math.min(interval, Math.max(1, limit / 2));
    }

    /**
     * {@return whether {@code sealer} has sealed all packets but one of its confidentiality limit}: the
     * connection closes now, and that last packet carries the CONNECTION_CLOSE
     */
    boolean nearlyExhausted(PacketProtection sealer) {
        return sealer.packetsSealed() >= confidentialityLimit(sealer.suite()) - 1;
    }

    /** {@return whether {@code sealer} has sealed as many packets as its confidentiality limit allows} */
    boolean exhausted(PacketProtection sealer) {
        return sealer.packetsSealed() >= confidentialityLimit(sealer.suite());
    }
}
