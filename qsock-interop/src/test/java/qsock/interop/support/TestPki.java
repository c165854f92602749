package qsock.interop.support;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The test PKI shared with qsock-tls (copied from its test resources, made by its gen.sh): an ECDSA P-256 CA and
 * a leaf for DNS localhost, IP 127.0.0.1 and ::1, valid until 2126. Every peer trusts the CA and serves the leaf.
 * The {@code NINE_} resources are qsock-tls's other PKI for the interop runner's amplificationlimit case; see
 * {@link Pki}.
 */
public final class TestPki {
    /** The leaf certificate then the CA, PEM. */
    public static final String CHAIN = "/certs/ecdsa-p256-chain.pem";
    /** The leaf certificate alone, PEM. */
    public static final String LEAF = "/certs/ecdsa-p256-leaf.pem";
    /** The leaf's private key, PKCS#8 PEM. */
    public static final String KEY = "/certs/ecdsa-p256-leaf.key";
    /** The CA certificate, PEM. */
    public static final String CA = "/certs/ecdsa-p256-ca.pem";
    /** A leaf for localhost with 20 long DNS names, then the seven intermediates above it, PEM (ECDSA P-256). */
    public static final String NINE_CHAIN = "/certs/nine-chain.pem";
    /** The key of {@link #NINE_CHAIN}'s leaf, PKCS#8 PEM. */
    public static final String NINE_KEY = "/certs/nine-leaf.key";
    /** The root CA of {@link #NINE_CHAIN}, the ninth certificate, PEM. */
    public static final String NINE_CA = "/certs/nine-ca.pem";

    private TestPki() {}

    /** The bytes of a resource of this module. */
    public static byte[] resource(String name) {
        try (InputStream in = TestPki.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The certificates of a PEM resource, in file order. */
    public static List<X509Certificate> certificates(String name) {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            return cf.generateCertificates(new ByteArrayInputStream(resource(name))).stream()
                    .map(X509Certificate.class::cast)
                    .toList();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("bad test certificate " + name, e);
        }
    }

    /** The leaf then the CA. */
    public static X509Certificate[] chain() {
        return certificates(CHAIN).toArray(X509Certificate[]::new);
    }

    /** The CA certificate. */
    public static X509Certificate ca() {
        return certificates(CA).getFirst();
    }

    /** The leaf's private key. */
    public static PrivateKey key() {
        return key(KEY);
    }

    /** The EC private key of a PKCS#8 PEM resource. */
    public static PrivateKey key(String name) {
        String pem = new String(resource(name), StandardCharsets.US_ASCII);
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("bad test key " + name, e);
        }
    }

    /** A key store that trusts the CA alone. */
    public static KeyStore trustStore() {
        return trustStore(ca());
    }

    /** A key store that trusts {@code ca} alone. */
    public static KeyStore trustStore(X509Certificate ca) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("qsock-test-ca", ca);
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the trust store", e);
        }
    }

    /**
     * A trust manager that accepts chains ending at the CA. It checks as for an ECDSA-signing TLS server whatever
     * authentication type its caller names: Kwik's TLS engine (agent15 3.1) names "RSA" or "UNKNOWN" even for
     * TLS 1.3, and the JDK then demands key usages an ECDSA leaf does not carry.
     */
    public static X509TrustManager trustManager() {
        return trustManager(ca());
    }

    /** As {@link #trustManager()}, for chains ending at {@code ca}. */
    public static X509TrustManager trustManager(X509Certificate ca) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trustStore(ca));
            X509TrustManager pkix = (X509TrustManager) tmf.getTrustManagers()[0];
            return new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                    pkix.checkClientTrusted(chain, "ECDHE_ECDSA");
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                    pkix.checkServerTrusted(chain, "ECDHE_ECDSA");
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return pkix.getAcceptedIssuers();
                }
            };
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the trust manager", e);
        }
    }

    /** A key store holding the leaf key under {@code alias} with the chain, protected by {@code password}. */
    public static KeyStore keyStore(String alias, char[] password) {
        return keyStore(alias, password, key(), chain());
    }

    /** A key store holding {@code key} under {@code alias} with {@code chain}, protected by {@code password}. */
    public static KeyStore keyStore(String alias, char[] password, PrivateKey key, X509Certificate[] chain) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(alias, key, password, chain);
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the key store", e);
        }
    }
}
