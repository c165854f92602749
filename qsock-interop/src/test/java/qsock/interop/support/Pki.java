package qsock.interop.support;

import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509TrustManager;

/**
 * One of the test PKIs as the peers use it: the chain a server presents (leaf first), the leaf's key, and the CA a
 * client trusts. Every peer starts with {@link #standard()} unless a test hands it another.
 *
 * @param name what the failure messages call it
 * @param chain what a server sends: the leaf, then the certificates above it
 * @param key the leaf's private key
 * @param ca the root the clients trust
 */
public record Pki(String name, List<X509Certificate> chain, PrivateKey key, X509Certificate ca) {

    /** Copies the chain. */
    public Pki {
        chain = List.copyOf(chain);
    }

    /** {@return {@link TestPki}'s ECDSA P-256 leaf for localhost with its CA: what every peer uses by default} */
    public static Pki standard() {
        return new Pki("ecdsa-p256", List.of(TestPki.chain()), TestPki.key(), TestPki.ca());
    }

    /**
     * {@return the QUIC interop runner's amplificationlimit chain: nine certificates (a root, seven intermediates and
     * a leaf for localhost with 20 long DNS names), ECDSA P-256, about 5.5 kB sent, more than 3x a client's first
     * datagram}
     */
    public static Pki nineCertificates() {
        return new Pki("nine certificates", TestPki.certificates(TestPki.NINE_CHAIN), TestPki.key(TestPki.NINE_KEY),
                TestPki.certificates(TestPki.NINE_CA).getFirst());
    }

    /** {@return the chain as an array, leaf first} */
    public X509Certificate[] chainArray() {
        return chain.toArray(X509Certificate[]::new);
    }

    /** {@return the DER bytes of the chain a server sends: the least its Certificate message carries} */
    public int chainBytes() {
        int n = 0;
        for (X509Certificate c : chain) {
            try {
                n += c.getEncoded().length;
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException("bad test certificate in " + name, e);
            }
        }
        return n;
    }

    /** {@return a key store holding the key under {@code alias} with the chain, protected by {@code password}} */
    public KeyStore keyStore(String alias, char[] password) {
        return TestPki.keyStore(alias, password, key, chainArray());
    }

    /** {@return a trust manager that accepts chains ending at the CA (see {@link TestPki#trustManager()})} */
    public X509TrustManager trustManager() {
        return TestPki.trustManager(ca);
    }

    @Override
    public String toString() {
        return name;
    }
}
