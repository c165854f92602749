package qsock.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import qsock.core.handshake.CipherSuite;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.jca.NamedGroup;
import qsock.tls.jca.SignatureScheme;

/**
 * How a client handshakes: what it offers, whom it trusts, and what it expects the server to be.
 * Build one with {@link #builder()}; the defaults are secure (system trust store, host name checked).
 *
 * @param cipherSuites offered, in preference order
 * @param groups supported key exchange groups, in preference order
 * @param keyShareGroups groups to send a key share for in the first ClientHello (a prefix or subset of
 *     {@code groups})
 * @param signatureSchemes accepted in CertificateVerify, in preference order (signature_algorithms)
 * @param certificateSignatureSchemes accepted on the certificates of the server's chain
 *     (signature_algorithms_cert, RFC 8446 §4.2.3); a chain signed otherwise is refused with
 *     unsupported_certificate
 * @param applicationProtocols ALPN protocols offered, in preference order; QUIC requires at least one
 * @param serverName the server's host name: sent as SNI (unless an IP literal) and checked against the
 *     certificate; null for none
 * @param certificateValidator checks the server's chain
 * @param keyLog receives SSLKEYLOGFILE lines, or null
 * @param delegateTasks true to hand certificate validation to the caller as a task (see {@link TlsEngine})
 * @param quic true for QUIC (the normal case); false only for testing over a TLS record layer on TCP, where
 *     the quic_transport_parameters extension is optional
 * @param credentials the client certificate chains and keys, in preference order, to answer a server's
 *     CertificateRequest with (RFC 8446 §4.4.2.3): the first whose key signs with a scheme of the request's
 *     signature_algorithms, whose chain is signed only with schemes the request accepts on certificates
 *     (signature_algorithms_cert, else signature_algorithms) and, when the request names
 *     certificate_authorities, one of whose certificates is issued by (or is) a listed authority; empty
 *     (or when none fits) to answer with an empty Certificate
 * @param externalPsk an external pre-shared key to offer (RFC 8446 §4.2.11), or null for none
 * @param pskModes the PSK key exchange modes offered with a PSK (RFC 8446 §4.2.9); by default psk_dhe_ke only
 * @param tickets where session tickets are kept for resumption and whether to try 0-RTT (RFC 8446 §4.6.1),
 *     or null to keep none
 */
public record TlsClientConfig(List<CipherSuite> cipherSuites, List<NamedGroup> groups,
                              List<NamedGroup> keyShareGroups, List<SignatureScheme> signatureSchemes,
                              List<SignatureScheme> certificateSignatureSchemes, List<String> applicationProtocols, String serverName,
                              CertificateValidator certificateValidator, KeyLogSink keyLog,
                              boolean delegateTasks, boolean quic, List<Credential> credentials,
                              ExternalPsk externalPsk, List<PskMode> pskModes, ClientTickets tickets) {

    public TlsClientConfig {
        cipherSuites = TlsConfigs.nonEmpty("cipher suites", cipherSuites);
        groups = TlsConfigs.nonEmpty("groups", groups);
        keyShareGroups = TlsConfigs.nonEmpty("key share groups", keyShareGroups);
        if (!groups.containsAll(keyShareGroups)) {
            throw new IllegalArgumentException("key share groups " + keyShareGroups + " must be among " + groups);
        }
        signatureSchemes = TlsConfigs.nonEmpty("signature schemes", signatureSchemes);
        for (SignatureScheme scheme : signatureSchemes) {
            if (!scheme.usableInTls13CertificateVerify()) {
                throw new IllegalArgumentException(scheme + " cannot sign a TLS 1.3 CertificateVerify");
            }
        }
        certificateSignatureSchemes = TlsConfigs.nonEmpty("certificate signature schemes", certificateSignatureSchemes);
        applicationProtocols = TlsConfigs.protocols(applicationProtocols);
        Objects.requireNonNull(certificateValidator, "certificateValidator");
        credentials = credentials == null ? List.of() : List.copyOf(credentials);
        if (serverName != null && (serverName.isEmpty() || serverName.length() > 255)) {
            throw new IllegalArgumentException("server name must be 1-255 characters: '" + serverName + "'");
        }
        pskModes = TlsConfigs.pskModes(pskModes);
    }

    /** A configuration without a pre-shared key. */
    public TlsClientConfig(List<CipherSuite> cipherSuites, List<NamedGroup> groups,
                           List<NamedGroup> keyShareGroups, List<SignatureScheme> signatureSchemes,
                           List<SignatureScheme> certificateSignatureSchemes, List<String> applicationProtocols,
                           String serverName, CertificateValidator certificateValidator, KeyLogSink keyLog,
                           boolean delegateTasks, boolean quic, List<Credential> credentials) {
        this(cipherSuites, groups, keyShareGroups, signatureSchemes, certificateSignatureSchemes, applicationProtocols,
                serverName, certificateValidator, keyLog, delegateTasks, quic, credentials, null,
                TlsConfigs.DEFAULT_PSK_MODES, null);
    }

    /** {@return this configuration naming {@code name} in server_name and checking the certificate against it} */
    public TlsClientConfig withServerName(String name) {
        return new TlsClientConfig(cipherSuites, groups, keyShareGroups, signatureSchemes, certificateSignatureSchemes,
                applicationProtocols, name, certificateValidator, keyLog, delegateTasks, quic, credentials, externalPsk,
                pskModes, tickets);
    }

    /** {@return this configuration answering a CertificateRequest from {@code list} instead} */
    public TlsClientConfig withCredentials(List<Credential> list) {
        return new TlsClientConfig(cipherSuites, groups, keyShareGroups, signatureSchemes, certificateSignatureSchemes,
                applicationProtocols, serverName, certificateValidator, keyLog, delegateTasks, quic, list, externalPsk,
                pskModes, tickets);
    }

    /** {@return this configuration offering {@code suites} instead, in this order of preference} */
    public TlsClientConfig withCipherSuites(List<CipherSuite> suites) {
        return new TlsClientConfig(suites, groups, keyShareGroups, signatureSchemes, certificateSignatureSchemes,
                applicationProtocols, serverName, certificateValidator, keyLog, delegateTasks, quic, credentials,
                externalPsk, pskModes, tickets);
    }

    /** {@return this configuration offering {@code protocols} in ALPN instead} */
    public TlsClientConfig withApplicationProtocols(List<String> protocols) {
        return new TlsClientConfig(cipherSuites, groups, keyShareGroups, signatureSchemes, certificateSignatureSchemes,
                protocols, serverName, certificateValidator, keyLog, delegateTasks, quic, credentials, externalPsk,
                pskModes, tickets);
    }

    /**
     * {@return this configuration keeping and resuming with session tickets as {@code tickets} says instead (null for
     * none)}
     */
    public TlsClientConfig withTickets(ClientTickets tickets) {
        return new TlsClientConfig(cipherSuites, groups, keyShareGroups, signatureSchemes, certificateSignatureSchemes,
                applicationProtocols, serverName, certificateValidator, keyLog, delegateTasks, quic, credentials,
                externalPsk, pskModes, tickets);
    }

    /**
     * {@return this configuration offering the external pre-shared key {@code psk} (RFC 8446 §4.2.11) with the
     * key exchange modes {@code modes} (RFC 8446 §4.2.9) instead}
     *
     * @param psk the key to offer, or null for none
     * @param modes the modes to offer with it; psk_dhe_ke only is the default
     */
    public TlsClientConfig withExternalPsk(ExternalPsk psk, List<PskMode> modes) {
        return new TlsClientConfig(cipherSuites, groups, keyShareGroups, signatureSchemes, certificateSignatureSchemes,
                applicationProtocols, serverName, certificateValidator, keyLog, delegateTasks, quic, credentials, psk,
                modes, tickets);
    }

    /** A configuration without a client certificate. */
    public TlsClientConfig(List<CipherSuite> cipherSuites, List<NamedGroup> groups,
                           List<NamedGroup> keyShareGroups, List<SignatureScheme> signatureSchemes,
                           List<SignatureScheme> certificateSignatureSchemes, List<String> applicationProtocols,
                           String serverName, CertificateValidator certificateValidator, KeyLogSink keyLog,
                           boolean delegateTasks, boolean quic) {
        this(cipherSuites, groups, keyShareGroups, signatureSchemes, certificateSignatureSchemes, applicationProtocols,
                serverName, certificateValidator, keyLog, delegateTasks, quic, List.of());
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link TlsClientConfig}; every setter validates its argument. */
    public static final class Builder {
        private List<CipherSuite> cipherSuites = TlsConfigs.DEFAULT_CIPHER_SUITES;
        private List<NamedGroup> groups = TlsConfigs.DEFAULT_GROUPS;
        private List<NamedGroup> keyShareGroups;
        private List<SignatureScheme> signatureSchemes = TlsConfigs.DEFAULT_SIGNATURE_SCHEMES;
        private List<SignatureScheme> certificateSignatureSchemes = TlsConfigs.DEFAULT_CERTIFICATE_SIGNATURE_SCHEMES;
        private List<String> applicationProtocols = List.of();
        private String serverName;
        private CertificateValidator certificateValidator;
        private KeyLogSink keyLog;
        private boolean delegateTasks;
        private boolean quic = true;
        private final List<Credential> credentials = new ArrayList<>();
        private ExternalPsk externalPsk;
        private List<PskMode> pskModes = TlsConfigs.DEFAULT_PSK_MODES;
        private ClientTickets tickets;

        private Builder() {}

        /**
         * Keeps session tickets and resumes with them (RFC 8446 §4.6.1); {@link ClientTickets#defaults()} for an
         * in-memory store; null (the default) for none.
         */
        public Builder tickets(ClientTickets tickets) {
            this.tickets = tickets;
            return this;
        }

        /**
         * An external pre-shared key to offer (RFC 8446 §4.2.11). A server that accepts it authenticates with
         * it instead of a certificate; one that does not falls back to a full handshake.
         */
        public Builder externalPsk(ExternalPsk psk) {
            this.externalPsk = Objects.requireNonNull(psk, "psk");
            return this;
        }

        /**
         * The PSK key exchange modes to offer (RFC 8446 §4.2.9), default psk_dhe_ke only; psk_ke gives up
         * forward secrecy and is used only when the server allows it too.
         */
        public Builder pskModes(PskMode... modes) {
            this.pskModes = List.of(modes);
            return this;
        }

        /**
         * Adds a certificate chain and key to answer a server's CertificateRequest with (RFC 8446 §4.4.2);
         * with several, the first the request allows is sent (see {@link TlsClientConfig}).
         */
        public Builder credential(Credential credential) {
            this.credentials.add(Objects.requireNonNull(credential, "credential"));
            return this;
        }

        /** Cipher suites to offer, in preference order. */
        public Builder cipherSuites(CipherSuite... suites) {
            this.cipherSuites = List.of(suites);
            return this;
        }

        /**
         * Groups to support, in preference order; the first gets a key share unless set otherwise, and when
         * the first is X25519MLKEM768 the first classical group after it gets one too. The default is
         * X25519MLKEM768, x25519, secp256r1, secp384r1 (key shares for the first two); leaving
         * X25519MLKEM768 out turns the post-quantum hybrid off.
         */
        public Builder groups(NamedGroup... groups) {
            this.groups = List.of(groups);
            return this;
        }

        /** Groups to send key shares for in the ClientHello. */
        public Builder keyShareGroups(NamedGroup... groups) {
            this.keyShareGroups = List.of(groups);
            return this;
        }

        /** Signature schemes to accept, in preference order. */
        public Builder signatureSchemes(SignatureScheme... schemes) {
            this.signatureSchemes = List.of(schemes);
            return this;
        }

        /** Signature schemes to accept on certificates (signature_algorithms_cert). */
        public Builder certificateSignatureSchemes(SignatureScheme... schemes) {
            this.certificateSignatureSchemes = List.of(schemes);
            return this;
        }

        /** ALPN protocols to offer, in preference order. */
        public Builder applicationProtocols(String... protocols) {
            this.applicationProtocols = List.of(protocols);
            return this;
        }

        /** The server's name, for SNI and the certificate check. */
        public Builder serverName(String serverName) {
            this.serverName = serverName;
            return this;
        }

        /** The validator of the server's chain; the default trusts the system's trust store. */
        public Builder certificateValidator(CertificateValidator validator) {
            this.certificateValidator = Objects.requireNonNull(validator, "validator");
            return this;
        }

        /** Accepts any server certificate: for tests and tools only, never for real traffic. */
        public Builder insecure() {
            this.certificateValidator = CertificateValidator.insecure();
            return this;
        }

        /** Where to write SSLKEYLOGFILE lines, or null. */
        public Builder keyLog(KeyLogSink keyLog) {
            this.keyLog = keyLog;
            return this;
        }

        /** Hand certificate validation to the caller as a task instead of running it inline. */
        public Builder delegateTasks(boolean delegate) {
            this.delegateTasks = delegate;
            return this;
        }

        /**
         * Handshake for a TLS record layer over TCP instead of QUIC, so that the engine can be tested
         * against TLS stacks without QUIC support. Not for production use.
         */
        public Builder forTlsOverTcpTesting() {
            this.quic = false;
            return this;
        }

        /** {@return the configuration} */
        public TlsClientConfig build() {
            return new TlsClientConfig(cipherSuites, groups,
                    keyShareGroups != null ? keyShareGroups : TlsConfigs.defaultKeyShareGroups(groups), signatureSchemes,
                    certificateSignatureSchemes, applicationProtocols, serverName,
                    certificateValidator != null ? certificateValidator : CertificateValidator.system(),
                    keyLog, delegateTasks, quic, credentials, externalPsk, pskModes, tickets);
        }
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        parts.add("suites=" + cipherSuites);
        parts.add("groups=" + groups);
        parts.add("alpn=" + applicationProtocols);
        parts.add("serverName=" + serverName);
        if (externalPsk != null) {
            parts.add("psk=" + externalPsk + pskModes);
        }
        parts.add(quic ? "quic" : "tls-over-tcp-testing");
        return "TlsClientConfig" + parts;
    }
}
