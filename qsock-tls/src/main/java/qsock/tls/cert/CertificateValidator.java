package qsock.tls.cert;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;
import qsock.core.error.PeerText;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/**
 * Decides whether a peer's certificate chain is acceptable, and which alert to send when it is not.
 *
 * <p>A validator checks, in order: that the chain is not empty; that the end-entity certificate may sign
 * for this role (keyUsage digitalSignature, extendedKeyUsage serverAuth or clientAuth when present: RFC 8446
 * §4.4.2.2, §4.4.2.3); the chain with the JDK's PKIX trust manager (path to a trust anchor, validity
 * dates, signatures, constraints, the JDK's disabled algorithms); and, for a server, that the certificate
 * names the host the client connected to (see {@code HostNameMatcher}: subjectAltName only, never the
 * Common Name; a wildcard spans exactly one left-most label).
 *
 * <p>Failures map to RFC 8446 §6.2 alerts:
 * <table>
 * <caption>Alerts</caption>
 * <tr><td>empty chain from a server</td><td>decode_error (RFC 8446 §4.4.2.4)</td></tr>
 * <tr><td>empty chain from a client</td><td>certificate_required (RFC 8446 §4.4.2.4; whether to accept a
 *     client without a certificate is the caller's choice, made before calling)</td></tr>
 * <tr><td>no path to a trust anchor</td><td>unknown_ca</td></tr>
 * <tr><td>expired or not yet valid</td><td>certificate_expired ("has expired or is not currently valid")</td></tr>
 * <tr><td>revoked</td><td>certificate_revoked</td></tr>
 * <tr><td>a bad signature, a broken chain, an MD5 or SHA-1 signature to verify</td><td>bad_certificate
 *     (RFC 8446 §4.4.2.4 names MD5 and SHA-1)</td></tr>
 * <tr><td>key usage not allowing this role, another disabled algorithm, an unknown critical
 *     extension</td><td>unsupported_certificate</td></tr>
 * <tr><td>host name not in the certificate</td><td>bad_certificate (OpenSSL's choice for a host mismatch)</td></tr>
 * <tr><td>anything else the trust manager refuses</td><td>certificate_unknown</td></tr>
 * </table>
 *
 * <p>Validators are immutable and thread-safe: the engine runs validation as a delegated task, possibly on
 * another thread. Dates are checked against the system clock by the JDK's trust manager. The
 * {@link #insecure()} validator skips every check but the empty chain (a protocol rule, not a trust
 * decision); it exists for tests and tools and is never a default.
 */
public final class CertificateValidator {

    /** The most certificates accepted in a received chain; real chains have 2 to 5. */
    public static final int MAX_CHAIN_LENGTH = 16;
    /** The largest single certificate accepted in a received chain, in bytes of DER. */
    public static final int MAX_CERTIFICATE_BYTES = 64 * 1024;

    private static final String EKU_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String EKU_ANY = "2.5.29.37.0";
    private static final int KEY_USAGE_DIGITAL_SIGNATURE = 0;

    /** The JDK's (or the caller's) trust manager; null for the insecure validator. */
    private final X509TrustManager trustManager;
    private final String description;
    /** The subjects of the trust anchors the caller configured, for certificate_authorities; see the accessor. */
    private final List<X500Principal> certificateAuthorities;

    private CertificateValidator(X509TrustManager trustManager, String description, boolean namesAnchors) {
        this.trustManager = trustManager;
        this.description = description;
        this.certificateAuthorities = namesAnchors ? anchorSubjects(trustManager) : List.of();
    }

    /**
     * {@return a validator trusting the platform's default trust store} (the JDK's {@code cacerts}, or what
     * {@code javax.net.ssl.trustStore} names). Loading it takes time: create one and share it.
     *
     * @throws IllegalStateException if the default trust store cannot be loaded
     */
    public static CertificateValidator system() {
        try {
            return new CertificateValidator(trustManager(null), "system trust store", false);
        } catch (KeyStoreException e) {
            throw new IllegalStateException("cannot load the default trust store: " + e.getMessage(), e);
        }
    }

    /**
     * {@return a validator trusting the certificate entries of {@code trustStore}}, which must be loaded
     *
     * @throws IllegalArgumentException if the key store cannot serve as a trust store
     */
    public static CertificateValidator forTrustStore(KeyStore trustStore) {
        Objects.requireNonNull(trustStore, "trustStore");
        try {
            return new CertificateValidator(trustManager(trustStore), "trust store", true);
        } catch (KeyStoreException e) {
            throw new IllegalArgumentException("unusable trust store: " + e.getMessage(), e);
        }
    }

    /**
     * {@return a validator trusting exactly these certificates as trust anchors} (typically CA roots, or a
     * self-signed peer certificate)
     *
     * @throws IllegalArgumentException if {@code anchors} is empty
     */
    public static CertificateValidator forTrustedCertificates(List<X509Certificate> anchors) {
        if (anchors.isEmpty()) {
            throw new IllegalArgumentException("no trusted certificates given");
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (X509Certificate anchor : anchors) {
                store.setCertificateEntry("anchor-" + i++, Objects.requireNonNull(anchor, "anchor"));
            }
            return new CertificateValidator(trustManager(store), anchors.size() + " trusted certificates", true);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build an in-memory trust store: " + e.getMessage(), e);
        }
    }

    /**
     * {@return a validator that asks {@code trustManager}}, for policies of the caller's own (pinning, a
     * custom PKIX configuration with revocation checking); the host name is still checked here
     */
    public static CertificateValidator forTrustManager(X509TrustManager trustManager) {
        return new CertificateValidator(Objects.requireNonNull(trustManager, "trustManager"), "custom trust manager",
                true);
    }

    /**
     * {@return a validator that accepts any non-empty chain for any host}: no trust, date, usage or name
     * check. For tests and tools that talk to a peer they cannot authenticate; never use it by default.
     */
    public static CertificateValidator insecure() {
        return new CertificateValidator(null, "insecure: accepts any certificate", false);
    }

    /**
     * {@return the subject names of the trust anchors this validator was given} (a trust store, trusted
     * certificates, or a trust manager's accepted issuers), in a stable order without repeats: what a server
     * sends as certificate_authorities in its CertificateRequest (RFC 8446 §4.2.4) so that a client with
     * several certificates can pick one these anchors accept. Empty for the {@linkplain #system() system}
     * validator, whose hundred-odd public CAs are a default rather than a choice and do not say which client
     * certificates the caller expects, and for the {@linkplain #insecure() insecure} one, which trusts nothing
     * in particular.
     */
    public List<X500Principal> certificateAuthorities() {
        return certificateAuthorities;
    }

    private static List<X500Principal> anchorSubjects(X509TrustManager trustManager) {
        java.util.LinkedHashSet<X500Principal> names = new java.util.LinkedHashSet<>();
        X509Certificate[] issuers = trustManager.getAcceptedIssuers();
        if (issuers != null) {
            for (X509Certificate issuer : issuers) {
                if (issuer != null) {
                    names.add(issuer.getSubjectX500Principal());
                }
            }
        }
        return List.copyOf(names);
    }

    /** {@return whether this validator skips all checks (see {@link #insecure()})} */
    public boolean isInsecure() {
        return trustManager == null;
    }

    /**
     * {@return whether {@code certificate} names {@code host} (a DNS name or an IP literal) in its subjectAltName},
     * as a client checks its server's; for a server that wants to know which client a validated chain is
     * (RFC 6125 §6).
     */
    public static boolean certifiesName(X509Certificate certificate, String host) {
        return HostNameMatcher.matches(Objects.requireNonNull(certificate, "certificate"),
                Objects.requireNonNull(host, "host"));
    }

    /**
     * Validates a server's chain, as a client.
     *
     * @param chain the server's certificates, end-entity first (from {@link #parseChain})
     * @param hostNameOrNull the DNS name or IP literal the client connected to, checked against the
     *     end-entity certificate; null skips the name check (the caller then authenticates nothing but the
     *     chain's trust)
     * @throws TlsAlertException with the alert the client must send (see the class description)
     */
    public void validateServer(List<X509Certificate> chain, String hostNameOrNull) throws TlsAlertException {
        Objects.requireNonNull(chain, "chain");
        if (chain.isEmpty()) {
            // RFC 8446 §4.4.2.4: "If the server supplies an empty Certificate message, the client MUST abort
            // the handshake with a "decode_error" alert."
            throw new TlsAlertException(TlsAlert.DECODE_ERROR, "the server sent no certificate");
        }
        if (trustManager == null) {
            return;
        }
        X509Certificate leaf = chain.getFirst();
        checkUsage(leaf, EKU_SERVER_AUTH, "TLS server");
        try {
            // "UNKNOWN" is the authType the JDK itself passes for TLS 1.3: it makes the trust manager require
            // digitalSignature, the only key usage TLS 1.3 needs.
            trustManager.checkServerTrusted(chain.toArray(X509Certificate[]::new), "UNKNOWN");
        } catch (CertificateException e) {
            throw refused(chain, e);
        } catch (RuntimeException e) {
            throw new TlsAlertException(TlsAlert.CERTIFICATE_UNKNOWN,
                    "the trust manager failed: " + PeerText.escape(e.toString()), e);
        }
        if (hostNameOrNull != null && !HostNameMatcher.matches(leaf, hostNameOrNull)) {
            throw new TlsAlertException(TlsAlert.BAD_CERTIFICATE,
                    "the server's certificate does not name " + hostNameOrNull);
        }
    }

    /**
     * Validates a client's chain, as a server that asked for one.
     *
     * @param chain the client's certificates, end-entity first (from {@link #parseChain})
     * @throws TlsAlertException with the alert the server must send (see the class description)
     */
    public void validateClient(List<X509Certificate> chain) throws TlsAlertException {
        Objects.requireNonNull(chain, "chain");
        if (chain.isEmpty()) {
            // RFC 8446 §4.4.2.4: a server that requires a client certificate aborts with certificate_required.
            throw new TlsAlertException(TlsAlert.CERTIFICATE_REQUIRED, "the client sent no certificate");
        }
        if (trustManager == null) {
            return;
        }
        X509Certificate leaf = chain.getFirst();
        checkUsage(leaf, EKU_CLIENT_AUTH, "TLS client");
        String keyAlgorithm = leaf.getPublicKey().getAlgorithm();
        // The JDK names client authTypes by key algorithm, and "UNKNOWN" for the others (EdDSA).
        String authType = switch (keyAlgorithm) {
            case "RSA", "EC", "RSASSA-PSS" -> keyAlgorithm;
            default -> "UNKNOWN";
        };
        try {
            trustManager.checkClientTrusted(chain.toArray(X509Certificate[]::new), authType);
        } catch (CertificateException e) {
            throw refused(chain, e);
        } catch (RuntimeException e) {
            throw new TlsAlertException(TlsAlert.CERTIFICATE_UNKNOWN,
                    "the trust manager failed: " + PeerText.escape(e.toString()), e);
        }
    }

    /**
     * Decodes the cert_data of a received Certificate message's entries (RFC 8446 §4.4.2).
     *
     * @param der each entry's DER certificate, end-entity first
     * @return the certificates, in the same order
     * @throws TlsAlertException bad_certificate if an entry is not exactly one DER X.509 certificate, is
     *     larger than {@link #MAX_CERTIFICATE_BYTES}, or there are more than {@link #MAX_CHAIN_LENGTH}
     */
    public static List<X509Certificate> parseChain(List<byte[]> der) throws TlsAlertException {
        Objects.requireNonNull(der, "der");
        if (der.size() > MAX_CHAIN_LENGTH) {
            throw new TlsAlertException(TlsAlert.BAD_CERTIFICATE,
                    "chain of " + der.size() + " certificates, more than " + MAX_CHAIN_LENGTH);
        }
        List<X509Certificate> chain = new ArrayList<>(der.size());
        for (byte[] encoded : der) {
            if (encoded.length > MAX_CERTIFICATE_BYTES) {
                throw new TlsAlertException(TlsAlert.BAD_CERTIFICATE, "certificate " + (chain.size() + 1) + " of "
                        + encoded.length + " bytes, more than " + MAX_CERTIFICATE_BYTES);
            }
            try {
                chain.add(CertificateDecoder.decode(encoded));
            } catch (CertificateException e) {
                throw new TlsAlertException(TlsAlert.BAD_CERTIFICATE,
                        "certificate " + (chain.size() + 1) + " does not decode: " + PeerText.escape(e.getMessage()));
            }
        }
        return List.copyOf(chain);
    }

    /** RFC 8446 §4.4.2.2 and §4.4.2.3: the end-entity key must be allowed to sign, for this role. */
    private static void checkUsage(X509Certificate leaf, String purpose, String role) throws TlsAlertException {
        boolean[] keyUsage = leaf.getKeyUsage();
        if (keyUsage != null && (keyUsage.length <= KEY_USAGE_DIGITAL_SIGNATURE || !keyUsage[KEY_USAGE_DIGITAL_SIGNATURE])) {
            throw new TlsAlertException(TlsAlert.UNSUPPORTED_CERTIFICATE,
                    "the certificate's key usage does not allow digital signatures");
        }
        List<String> extendedKeyUsage;
        try {
            extendedKeyUsage = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new TlsAlertException(TlsAlert.BAD_CERTIFICATE,
                    "malformed extended key usage: " + PeerText.escape(e.getMessage()));
        }
        if (extendedKeyUsage != null && !extendedKeyUsage.contains(purpose) && !extendedKeyUsage.contains(EKU_ANY)) {
            throw new TlsAlertException(TlsAlert.UNSUPPORTED_CERTIFICATE,
                    "the certificate's extended key usage does not allow " + role + " authentication");
        }
    }

    /** Maps the trust manager's refusal to the alert that says most (RFC 8446 §6.2). */
    private static TlsAlertException refused(List<X509Certificate> chain, CertificateException e) {
        TlsAlert alert = TlsAlert.CERTIFICATE_UNKNOWN;
        for (Throwable t = e; t != null; t = t.getCause()) {
            TlsAlert found = alertFor(chain, t);
            if (found != null) {
                alert = found;
                break;
            }
        }
        return new TlsAlertException(alert, "certificate chain refused: " + PeerText.escape(e.getMessage()), e);
    }

    /** {@return the alert {@code t} names, or null if it says nothing specific} */
    private static TlsAlert alertFor(List<X509Certificate> chain, Throwable t) {
        if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
            return TlsAlert.CERTIFICATE_EXPIRED;
        }
        if (t instanceof CertPathBuilderException) {
            return TlsAlert.UNKNOWN_CA; // no path from the chain to a trust anchor could be built
        }
        if (!(t instanceof CertPathValidatorException v)) {
            return null;
        }
        if (v.getReason() instanceof CertPathValidatorException.BasicReason basic) {
            return switch (basic) {
                case EXPIRED, NOT_YET_VALID -> TlsAlert.CERTIFICATE_EXPIRED;
                case REVOKED -> TlsAlert.CERTIFICATE_REVOKED;
                case INVALID_SIGNATURE -> TlsAlert.BAD_CERTIFICATE;
                // RFC 8446 §4.4.2.4: an MD5 (MUST) or SHA-1 (RECOMMENDED) signature to verify is bad_certificate.
                case ALGORITHM_CONSTRAINED -> weakHashSigned(chain) ? TlsAlert.BAD_CERTIFICATE : TlsAlert.UNSUPPORTED_CERTIFICATE;
                case UNDETERMINED_REVOCATION_STATUS, UNSPECIFIED -> null;
            };
        }
        if (v.getReason() instanceof PKIXReason pkix) {
            return switch (pkix) {
                case NO_TRUST_ANCHOR -> TlsAlert.UNKNOWN_CA;
                case INVALID_KEY_USAGE, UNRECOGNIZED_CRIT_EXT -> TlsAlert.UNSUPPORTED_CERTIFICATE;
                case NAME_CHAINING, NOT_CA_CERT, PATH_TOO_LONG, INVALID_NAME, INVALID_POLICY -> TlsAlert.BAD_CERTIFICATE;
            };
        }
        return null;
    }

    /** {@return whether a certificate whose signature must be verified (not self-issued) uses MD5 or SHA-1} */
    private static boolean weakHashSigned(List<X509Certificate> chain) {
        for (X509Certificate c : chain) {
            String algorithm = c.getSigAlgName().toUpperCase(Locale.ROOT);
            boolean selfIssued = c.getIssuerX500Principal().equals(c.getSubjectX500Principal());
            if (!selfIssued && (algorithm.contains("MD5") || algorithm.contains("SHA1"))) {
                return true;
            }
        }
        return false;
    }

    private static X509TrustManager trustManager(KeyStore store) throws KeyStoreException {
        TrustManagerFactory factory;
        try {
            factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no default trust manager factory", e);
        }
        factory.init(store);
        for (TrustManager tm : factory.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new IllegalStateException("the default trust manager factory makes no X509TrustManager");
    }

    @Override
    public String toString() {
        return "CertificateValidator[" + description + "]";
    }
}
