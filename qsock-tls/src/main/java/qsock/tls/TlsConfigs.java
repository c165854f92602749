package qsock.tls;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import qsock.core.handshake.CipherSuite;
import qsock.tls.jca.NamedGroup;
import qsock.tls.jca.SignatureScheme;

/** Defaults and checks shared by the client and server configurations. */
final class TlsConfigs {

    /** AES-GCM first: the JDK runs it on AES-NI and CLMUL; ChaCha20 is several times slower here. */
    static final List<CipherSuite> DEFAULT_CIPHER_SUITES = List.of(CipherSuite.TLS_AES_128_GCM_SHA256,
            CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256);

    /**
     * The post-quantum hybrid first (draft-ietf-tls-ecdhe-mlkem), so that a server that knows it picks it,
     * then the classical groups that every TLS 1.3 peer has (RFC 8446 §9.1).
     */
    static final List<NamedGroup> DEFAULT_GROUPS = List.of(NamedGroup.X25519MLKEM768, NamedGroup.X25519,
            NamedGroup.SECP256R1, NamedGroup.SECP384R1);

    /**
     * The groups a client sends key shares for when it is not told: the first of {@code groups}, and when that
     * is the hybrid X25519MLKEM768, also the first classical group after it, so that a server without the
     * hybrid need not ask for another share by HelloRetryRequest (draft-ietf-tls-ecdhe-mlkem §5, RFC 8446
     * §4.2.8). The classical share costs 32 bytes next to the hybrid's 1216.
     */
    static List<NamedGroup> defaultKeyShareGroups(List<NamedGroup> groups) {
        NamedGroup first = groups.get(0);
        if (first != NamedGroup.X25519MLKEM768) {
            return List.of(first);
        }
        for (NamedGroup g : groups) {
            if (g != NamedGroup.X25519MLKEM768) {
                return List.of(first, g);
            }
        }
        return List.of(first);
    }

    static final List<SignatureScheme> DEFAULT_SIGNATURE_SCHEMES = List.of(
            SignatureScheme.ECDSA_SECP256R1_SHA256, SignatureScheme.ECDSA_SECP384R1_SHA384,
            SignatureScheme.ED25519, SignatureScheme.RSA_PSS_RSAE_SHA256, SignatureScheme.RSA_PSS_RSAE_SHA384,
            SignatureScheme.RSA_PSS_RSAE_SHA512, SignatureScheme.RSA_PSS_PSS_SHA256,
            SignatureScheme.RSA_PSS_PSS_SHA384, SignatureScheme.RSA_PSS_PSS_SHA512);

    /**
     * Every CertificateVerify scheme plus RSASSA-PKCS1-v1_5 with SHA-2, which most certificate authorities
     * still sign with (RFC 8446 §4.2.3 allows it in certificates). SHA-1 is left out (§4.4.2.4).
     */
    static final List<SignatureScheme> DEFAULT_CERTIFICATE_SIGNATURE_SCHEMES = List.of(
            SignatureScheme.ECDSA_SECP256R1_SHA256, SignatureScheme.ECDSA_SECP384R1_SHA384,
            SignatureScheme.ECDSA_SECP521R1_SHA512, SignatureScheme.ED25519, SignatureScheme.ED448,
            SignatureScheme.RSA_PSS_RSAE_SHA256, SignatureScheme.RSA_PSS_RSAE_SHA384,
            SignatureScheme.RSA_PSS_RSAE_SHA512, SignatureScheme.RSA_PSS_PSS_SHA256,
            SignatureScheme.RSA_PSS_PSS_SHA384, SignatureScheme.RSA_PSS_PSS_SHA512,
            SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PKCS1_SHA384, SignatureScheme.RSA_PKCS1_SHA512);

    private TlsConfigs() {}

    static <T> List<T> nonEmpty(String what, List<T> list) {
        List<T> copy = List.copyOf(list);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("at least one of " + what + " is needed");
        }
        if (new HashSet<>(copy).size() != copy.size()) {
            throw new IllegalArgumentException(what + " repeat an entry: " + copy);
        }
        return copy;
    }

    /** RFC 7301 §3.1: each protocol name is 1-255 bytes; the list must fit a 16-bit vector. */
    static List<String> protocols(List<String> protocols) {
        List<String> copy = List.copyOf(protocols);
        int total = 0;
        for (String p : copy) {
            int length = p.getBytes(StandardCharsets.UTF_8).length;
            if (length < 1 || length > 255) {
                throw new IllegalArgumentException("ALPN protocol names are 1-255 bytes: '" + p + "'");
            }
            total += 1 + length;
        }
        if (total > 0xffff - 2) {
            throw new IllegalArgumentException("ALPN list too long");
        }
        if (new HashSet<>(copy).size() != copy.size()) {
            throw new IllegalArgumentException("ALPN protocols repeat an entry: " + copy);
        }
        return copy;
    }

    /** psk_dhe_ke only: psk_ke gives up forward secrecy and must be asked for (RFC 8446 §4.2.9, §8). */
    static final List<PskMode> DEFAULT_PSK_MODES = List.of(PskMode.PSK_DHE_KE);

    /** At least one mode, none twice. */
    static List<PskMode> pskModes(List<PskMode> modes) {
        List<PskMode> copy = nonEmpty("PSK modes", modes);
        if (new HashSet<>(copy).size() != copy.size()) {
            throw new IllegalArgumentException("PSK modes repeat an entry: " + copy);
        }
        return copy;
    }
}
