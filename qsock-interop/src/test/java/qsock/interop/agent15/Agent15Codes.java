package qsock.interop.agent15;

import java.util.List;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import tech.kwik.agent15.ProtectionKeysType;
import tech.kwik.agent15.TlsConstants;

/** Translations between agent15's names and the handshake channel's: levels, cipher suites, alerts. */
final class Agent15Codes {

    /**
     * The suites offered and accepted: those qsock's packet protection has (AES-128-CCM is missing from the
     * JDK, and CCM_8 has no QUIC header protection, RFC 9001 §5.3).
     */
    static final List<TlsConstants.CipherSuite> CIPHER_SUITES = List.of(
            TlsConstants.CipherSuite.TLS_AES_128_GCM_SHA256,
            TlsConstants.CipherSuite.TLS_AES_256_GCM_SHA384,
            TlsConstants.CipherSuite.TLS_CHACHA20_POLY1305_SHA256);

    /** The TLS alert internal_error (RFC 8446 §6.2). */
    static final int INTERNAL_ERROR = 80;

    private Agent15Codes() {}

    /** {@return the keys agent15 expects handshake messages of {@code level} to have been protected with} */
    static ProtectionKeysType protection(EncryptionLevel level) {
        return switch (level) {
            case INITIAL -> ProtectionKeysType.None;
            case HANDSHAKE -> ProtectionKeysType.Handshake;
            case APPLICATION -> ProtectionKeysType.Application;
            // RFC 9001 §4.1.4: no CRYPTO frames in 0-RTT packets; the transport never hands any over.
            case EARLY_DATA -> throw new IllegalArgumentException("no handshake messages at " + level);
        };
    }

    /** {@return the channel's name of a suite agent15 negotiated, which is one of {@link #CIPHER_SUITES}} */
    static CipherSuite cipherSuite(TlsConstants.CipherSuite suite) {
        CipherSuite ours = suite == null ? null : CipherSuite.fromCode(suite.value & 0xFFFF);
        if (ours == null) {
            throw new IllegalStateException("agent15 negotiated " + suite + ", which was not offered");
        }
        return ours;
    }

    /** {@return the code of an agent15 alert, for the channel's handshakeFailed} */
    static int alert(TlsConstants.AlertDescription description) {
        return description.value & 0xFF;
    }
}
