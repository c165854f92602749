package qsock.tls;

import java.util.List;
import java.util.Objects;
import qsock.core.crypto.CipherSuite;
import qsock.tls.jca.NamedGroup;
import qsock.tls.jca.SignatureScheme;

/**
 * How a server handshakes: its credential and what it accepts. Build one with {@link #builder(Credential)}.
 * The server picks the cipher suite, group and application protocol in its own preference order among
 * what the client offers.
 *
 * @param credential the certificate chain and key to authenticate with
 * @param cipherSuites accepted, in preference order
 * @param groups accepted key exchange groups, in preference order
 * @param signatureSchemes usable for CertificateVerify, in preference order
 * @param applicationProtocols ALPN protocols served, in preference order; empty to accept clients that
 *     offer none (a client offering some then gets no_application_protocol)
 * @param keyLog receives SSLKEYLOGFILE lines, or null
 * @param delegateTasks true to hand signing to the caller as a task (see {@link TlsEngine})
 * @param quic true for QUIC; false only for testing over a TLS record layer on TCP
 */
public record TlsServerConfig(Credential credential, List<CipherSuite> cipherSuites, List<NamedGroup> groups,
                              List<SignatureScheme> signatureSchemes, List<String> applicationProtocols,
                              KeyLogSink keyLog, boolean delegateTasks, boolean quic) {

    public TlsServerConfig {
        Objects.requireNonNull(credential, "credential");
        cipherSuites = TlsConfigs.nonEmpty("cipher suites", cipherSuites);
        groups = TlsConfigs.nonEmpty("groups", groups);
        signatureSchemes = TlsConfigs.nonEmpty("signature schemes", signatureSchemes);
        applicationProtocols = TlsConfigs.protocols(applicationProtocols);
    }

    /** {@return a builder with the defaults and this credential} */
    public static Builder builder(Credential credential) {
        return new Builder(credential);
    }

    /** Builds a {@link TlsServerConfig}. */
    public static final class Builder {
        private final Credential credential;
        private List<CipherSuite> cipherSuites = TlsConfigs.DEFAULT_CIPHER_SUITES;
        private List<NamedGroup> groups = TlsConfigs.DEFAULT_GROUPS;
        private List<SignatureScheme> signatureSchemes = TlsConfigs.DEFAULT_SIGNATURE_SCHEMES;
        private List<String> applicationProtocols = List.of();
        private KeyLogSink keyLog;
        private boolean delegateTasks;
        private boolean quic = true;

        private Builder(Credential credential) {
            this.credential = Objects.requireNonNull(credential, "credential");
        }

        /** Cipher suites to accept, in preference order. */
        public Builder cipherSuites(CipherSuite... suites) {
            this.cipherSuites = List.of(suites);
            return this;
        }

        /** Groups to accept, in preference order. */
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

        /** {@return the configuration} */
        public TlsServerConfig build() {
            return new TlsServerConfig(credential, cipherSuites, groups, signatureSchemes, applicationProtocols,
                    keyLog, delegateTasks, quic);
        }
    }
}
