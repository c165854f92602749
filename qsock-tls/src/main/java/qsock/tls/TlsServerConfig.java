package qsock.tls;

import java.util.List;
import java.util.Objects;
import qsock.core.handshake.CipherSuite;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.jca.NamedGroup;
import qsock.tls.jca.SignatureScheme;

/**
 * How a server handshakes: its credential and what it accepts. Build one with {@link #builder(Credential)}.
 * The server picks the cipher suite, group and application protocol in its own preference order among
 * what the client offers.
 *
 * @param credentials the certificate chains and keys to authenticate with, in preference order: the
 *     server takes the first whose key can sign with a scheme the client accepts and whose chain is signed
 *     with schemes the client accepts on certificates (RFC 8446 §4.4.2.2), else the first whose key fits
 * @param cipherSuites accepted, in preference order
 * @param groups accepted key exchange groups, in preference order
 * @param signatureSchemes usable for CertificateVerify, in preference order
 * @param applicationProtocols ALPN protocols served, in preference order; empty to accept clients that
 *     offer none (a client offering some then gets no_application_protocol)
 * @param keyLog receives SSLKEYLOGFILE lines, or null
 * @param delegateTasks true to hand signing to the caller as a task (see {@link TlsEngine})
 * @param quic true for QUIC; false only for testing over a TLS record layer on TCP
 * @param helloRetryCookieKey the HMAC-SHA256 key that authenticates the cookie a HelloRetryRequest carries
 *     (RFC 8446 §4.2.2), at least 32 bytes; null to send HelloRetryRequests without a cookie
 * @param clientAuthentication whether to ask for, and require, a client certificate (RFC 8446 §4.3.2)
 * @param clientCertificateValidator checks the client's chain (extendedKeyUsage clientAuth when present);
 *     required unless {@code clientAuthentication} is {@link ClientAuth#NONE}
 * @param pskKeyring the external pre-shared keys accepted (RFC 8446 §4.2.11), or null for none; with keys,
 *     {@code credentials} may be empty, and clients then must offer a known PSK
 * @param pskModes the PSK key exchange modes this server uses, in preference order (RFC 8446 §4.2.9); by
 *     default psk_dhe_ke only
 * @param tickets session tickets, resumption and 0-RTT (RFC 8446 §4.6.1), or null to issue no tickets
 */
public record TlsServerConfig(List<Credential> credentials, List<CipherSuite> cipherSuites, List<NamedGroup> groups,
                              List<SignatureScheme> signatureSchemes, List<String> applicationProtocols,
                              KeyLogSink keyLog, boolean delegateTasks, boolean quic, byte[] helloRetryCookieKey,
                              ClientAuth clientAuthentication, CertificateValidator clientCertificateValidator,
                              PskKeyring pskKeyring, List<PskMode> pskModes, ServerTickets tickets) {

    /** The shortest cookie key accepted: HMAC-SHA256's output length. */
    public static final int MIN_COOKIE_KEY_LENGTH = 32;

    public TlsServerConfig {
        if (pskKeyring == null) {
            pskKeyring = PskKeyring.empty();
        }
        pskModes = TlsConfigs.pskModes(pskModes);
        // A PSK-only server needs no certificate (RFC 8446 §2.2: the PSK authenticates it).
        credentials = pskKeyring.isEmpty() ? TlsConfigs.nonEmpty("credentials", credentials)
                : List.copyOf(credentials);
        cipherSuites = TlsConfigs.nonEmpty("cipher suites", cipherSuites);
        groups = TlsConfigs.nonEmpty("groups", groups);
        signatureSchemes = TlsConfigs.nonEmpty("signature schemes", signatureSchemes);
        applicationProtocols = TlsConfigs.protocols(applicationProtocols);
        if (helloRetryCookieKey != null) {
            if (helloRetryCookieKey.length < MIN_COOKIE_KEY_LENGTH) {
                throw new IllegalArgumentException("a cookie key needs at least " + MIN_COOKIE_KEY_LENGTH + " bytes");
            }
            helloRetryCookieKey = helloRetryCookieKey.clone();
        }
        Objects.requireNonNull(clientAuthentication, "clientAuthentication");
        if (clientAuthentication != ClientAuth.NONE && clientCertificateValidator == null) {
            throw new IllegalArgumentException("client authentication needs a validator for client chains");
        }
    }

    /** A configuration without session tickets. */
    public TlsServerConfig(List<Credential> credentials, List<CipherSuite> cipherSuites, List<NamedGroup> groups,
                           List<SignatureScheme> signatureSchemes, List<String> applicationProtocols,
                           KeyLogSink keyLog, boolean delegateTasks, boolean quic, byte[] helloRetryCookieKey,
                           ClientAuth clientAuthentication, CertificateValidator clientCertificateValidator,
                           PskKeyring pskKeyring, List<PskMode> pskModes) {
        this(credentials, cipherSuites, groups, signatureSchemes, applicationProtocols, keyLog, delegateTasks, quic,
                helloRetryCookieKey, clientAuthentication, clientCertificateValidator, pskKeyring, pskModes, null);
    }

    /** A configuration without pre-shared keys. */
    public TlsServerConfig(List<Credential> credentials, List<CipherSuite> cipherSuites, List<NamedGroup> groups,
                           List<SignatureScheme> signatureSchemes, List<String> applicationProtocols,
                           KeyLogSink keyLog, boolean delegateTasks, boolean quic, byte[] helloRetryCookieKey,
                           ClientAuth clientAuthentication, CertificateValidator clientCertificateValidator) {
        this(credentials, cipherSuites, groups, signatureSchemes, applicationProtocols, keyLog, delegateTasks, quic,
                helloRetryCookieKey, clientAuthentication, clientCertificateValidator, null,
                TlsConfigs.DEFAULT_PSK_MODES);
    }

    /** A configuration that asks for no client certificate. */
    public TlsServerConfig(List<Credential> credentials, List<CipherSuite> cipherSuites, List<NamedGroup> groups,
                           List<SignatureScheme> signatureSchemes, List<String> applicationProtocols,
                           KeyLogSink keyLog, boolean delegateTasks, boolean quic, byte[] helloRetryCookieKey) {
        this(credentials, cipherSuites, groups, signatureSchemes, applicationProtocols, keyLog, delegateTasks, quic,
                helloRetryCookieKey, ClientAuth.NONE, null);
    }

    /** A configuration whose HelloRetryRequests carry no cookie. */
    public TlsServerConfig(List<Credential> credentials, List<CipherSuite> cipherSuites, List<NamedGroup> groups,
                           List<SignatureScheme> signatureSchemes, List<String> applicationProtocols,
                           KeyLogSink keyLog, boolean delegateTasks, boolean quic) {
        this(credentials, cipherSuites, groups, signatureSchemes, applicationProtocols, keyLog, delegateTasks, quic,
                null);
    }

    /** {@return a copy of the cookie key, or null when HelloRetryRequests carry no cookie} */
    @Override
    public byte[] helloRetryCookieKey() {
        return helloRetryCookieKey == null ? null : helloRetryCookieKey.clone();
    }

    /** {@return the first credential, or null for a server with pre-shared keys only} */
    public Credential credential() {
        return credentials.isEmpty() ? null : credentials.get(0);
    }

    /** {@return this configuration accepting {@code suites} instead, in this order of preference} */
    public TlsServerConfig withCipherSuites(List<CipherSuite> suites) {
        return new TlsServerConfig(credentials, suites, groups, signatureSchemes, applicationProtocols, keyLog,
                delegateTasks, quic, helloRetryCookieKey, clientAuthentication, clientCertificateValidator, pskKeyring,
                pskModes, tickets);
    }

    /** {@return this configuration accepting {@code protocols} in ALPN instead, in its order of preference} */
    public TlsServerConfig withApplicationProtocols(List<String> protocols) {
        return new TlsServerConfig(credentials, cipherSuites, groups, signatureSchemes, protocols, keyLog, delegateTasks,
                quic, helloRetryCookieKey, clientAuthentication, clientCertificateValidator, pskKeyring, pskModes, tickets);
    }

    /**
     * {@return this configuration asking for ({@link ClientAuth#REQUEST}) or requiring ({@link ClientAuth#REQUIRE}) a
     * client certificate, or not, whose chain {@code validator} checks, instead}
     *
     * @throws IllegalArgumentException if a certificate is asked for without a validator
     */
    public TlsServerConfig withClientAuthentication(ClientAuth policy, CertificateValidator validator) {
        return new TlsServerConfig(credentials, cipherSuites, groups, signatureSchemes, applicationProtocols, keyLog,
                delegateTasks, quic, helloRetryCookieKey, policy, validator, pskKeyring, pskModes, tickets);
    }

    /** {@return a builder with the defaults and this credential} */
    public static Builder builder(Credential credential) {
        return new Builder(Objects.requireNonNull(credential, "credential"));
    }

    /**
     * {@return a builder for a server that authenticates with external pre-shared keys only, no certificate
     * (RFC 8446 §2.2)}
     *
     * @throws IllegalArgumentException if the keyring is empty
     */
    public static Builder builder(PskKeyring keyring) {
        if (keyring.isEmpty()) {
            throw new IllegalArgumentException("a server without a certificate needs at least one PSK");
        }
        return new Builder(null).pskKeyring(keyring);
    }

    /** Builds a {@link TlsServerConfig}. */
    public static final class Builder {
        private final List<Credential> credentials = new java.util.ArrayList<>();
        private List<CipherSuite> cipherSuites = TlsConfigs.DEFAULT_CIPHER_SUITES;
        private List<NamedGroup> groups = TlsConfigs.DEFAULT_GROUPS;
        private List<SignatureScheme> signatureSchemes = TlsConfigs.DEFAULT_SIGNATURE_SCHEMES;
        private List<String> applicationProtocols = List.of();
        private KeyLogSink keyLog;
        private boolean delegateTasks;
        private boolean quic = true;
        private byte[] helloRetryCookieKey;
        private ClientAuth clientAuthentication = ClientAuth.NONE;
        private CertificateValidator clientCertificateValidator;
        private PskKeyring pskKeyring;
        private List<PskMode> pskModes = TlsConfigs.DEFAULT_PSK_MODES;
        private ServerTickets tickets;

        private Builder(Credential credential) {
            if (credential != null) {
                this.credentials.add(credential);
            }
        }

        /**
         * Issues session tickets and resumes with them (RFC 8446 §4.6.1); {@link ServerTickets#defaults()} for
         * one ticket a day under a random key; null (the default) for none.
         */
        public Builder tickets(ServerTickets tickets) {
            this.tickets = tickets;
            return this;
        }

        /** The external pre-shared keys to accept (RFC 8446 §4.2.11). */
        public Builder pskKeyring(PskKeyring keyring) {
            this.pskKeyring = Objects.requireNonNull(keyring, "keyring");
            return this;
        }

        /**
         * The PSK key exchange modes to use, in preference order (RFC 8446 §4.2.9); the default is psk_dhe_ke
         * only. psk_ke (no forward secrecy) is used only when the client offers it too.
         */
        public Builder pskModes(PskMode... modes) {
            this.pskModes = List.of(modes);
            return this;
        }

        /** Adds another credential, for clients that cannot use the ones before it (for example ECDSA and RSA). */
        public Builder addCredential(Credential credential) {
            this.credentials.add(Objects.requireNonNull(credential, "credential"));
            return this;
        }

        /** Cipher suites to accept, in preference order. */
        public Builder cipherSuites(CipherSuite... suites) {
            this.cipherSuites = List.of(suites);
            return this;
        }

        /**
         * Groups to accept, in preference order. The default prefers X25519MLKEM768 when the client sends a
         * share for it, then x25519, secp256r1, secp384r1; leaving X25519MLKEM768 out turns it off.
         */
        public Builder groups(NamedGroup... groups) {
            this.groups = List.of(groups);
            return this;
        }

        /** Signature schemes to sign with, in preference order. */
        public Builder signatureSchemes(SignatureScheme... schemes) {
            this.signatureSchemes = List.of(schemes);
            return this;
        }

        /** ALPN protocols served, in preference order. */
        public Builder applicationProtocols(String... protocols) {
            this.applicationProtocols = List.of(protocols);
            return this;
        }

        /** Where to write SSLKEYLOGFILE lines, or null. */
        public Builder keyLog(KeyLogSink keyLog) {
            this.keyLog = keyLog;
            return this;
        }

        /** Hand CertificateVerify signing to the caller as a task instead of running it inline. */
        public Builder delegateTasks(boolean delegate) {
            this.delegateTasks = delegate;
            return this;
        }

        /** Handshake for a TLS record layer over TCP instead of QUIC; for tests only. */
        public Builder forTlsOverTcpTesting() {
            this.quic = false;
            return this;
        }

        /**
         * Whether a HelloRetryRequest carries a cookie (RFC 8446 §4.2.2): on, the server authenticates it with
         * a fresh random key of this configuration; off (the default), it sends none.
         */
        public Builder helloRetryCookie(boolean cookie) {
            if (cookie) {
                byte[] key = new byte[MIN_COOKIE_KEY_LENGTH];
                new java.security.SecureRandom().nextBytes(key);
                this.helloRetryCookieKey = key;
            } else {
                this.helloRetryCookieKey = null;
            }
            return this;
        }

        /** Sends cookies authenticated with this key (at least 32 bytes), for servers that share it. */
        public Builder helloRetryCookieKey(byte[] key) {
            this.helloRetryCookieKey = Objects.requireNonNull(key, "key").clone();
            return this;
        }

        /**
         * Asks for ({@link ClientAuth#REQUEST}) or requires ({@link ClientAuth#REQUIRE}) a client certificate,
         * whose chain {@code validator} checks (RFC 8446 §4.3.2, §4.4.2.4).
         */
        public Builder clientAuthentication(ClientAuth policy, CertificateValidator validator) {
            this.clientAuthentication = Objects.requireNonNull(policy, "policy");
            this.clientCertificateValidator = validator;
            return this;
        }

        /** {@return the configuration} */
        public TlsServerConfig build() {
            return new TlsServerConfig(credentials, cipherSuites, groups, signatureSchemes, applicationProtocols,
                    keyLog, delegateTasks, quic, helloRetryCookieKey, clientAuthentication, clientCertificateValidator,
                    pskKeyring, pskModes, tickets);
        }
    }
}
