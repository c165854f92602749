package qsock.tls.cert;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The test PKI of {@code src/test/resources/certs} (see gen.sh there), loaded through {@link PemFiles}: one
 * CA and one leaf per key type, the leaf naming localhost, *.test.qsock, 127.0.0.1 and ::1.
 */
public final class TestPki {

    /** The key types of the PKI, as its file names spell them. */
    public static final List<String> NAMES = List.of("rsa", "ecdsa-p256", "ecdsa-p384", "ed25519");

    private TestPki() {}

    /** {@return the text of {@code /certs/<file>}} */
    public static String text(String file) {
        try (InputStream in = TestPki.class.getResourceAsStream("/certs/" + file)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource /certs/" + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return the certificates of {@code /certs/<file>}} */
    public static List<X509Certificate> certificates(String file) {
        try {
            return PemFiles.readCertificates(text(file));
        } catch (PemFormatException e) {
            throw new IllegalStateException(file + ": " + e.getMessage(), e);
        }
    }

    /** {@return the private key of {@code /certs/<file>}} */
    public static PrivateKey key(String file) {
        try {
            return PemFiles.readPrivateKey(text(file));
        } catch (PemFormatException e) {
            throw new IllegalStateException(file + ": " + e.getMessage(), e);
        }
    }

    /** {@return the leaf and its CA} */
    public static List<X509Certificate> chain(String name) {
        return certificates(name + "-chain.pem");
    }

    /** {@return the leaf certificate} */
    public static X509Certificate leaf(String name) {
        return certificates(name + "-leaf.pem").getFirst();
    }

    /** {@return the CA certificate} */
    public static X509Certificate ca(String name) {
        return certificates(name + "-ca.pem").getFirst();
    }

    /** {@return the leaf's private key (PKCS#8)} */
    public static PrivateKey leafKey(String name) {
        return key(name + "-leaf.key");
    }

    /** {@return a SecureRandom that yields the same bytes for the same seed (SHA1PRNG seeded before use)} */
    public static SecureRandom seeded(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed); // before the first use, so it replaces self-seeding
            return r;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
