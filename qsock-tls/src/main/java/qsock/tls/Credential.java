package qsock.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import qsock.tls.cert.PemFiles;

/**
 * A certificate chain, leaf first, and the private key of its leaf: what a server authenticates with.
 *
 * @param chain the chain as sent in the Certificate message; the root may be left out
 * @param privateKey the leaf's private key (RSA, EC P-256/P-384 or Ed25519)
 */
public record Credential(List<X509Certificate> chain, PrivateKey privateKey) {

    public Credential {
        chain = List.copyOf(chain);
        Objects.requireNonNull(privateKey, "privateKey");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a credential needs at least the leaf certificate");
        }
    }

    /** {@return the credential in a PEM chain file (leaf first) and a PEM key file} */
    public static Credential fromPem(Path chainFile, Path keyFile) throws IOException {
        return new Credential(PemFiles.readCertificates(chainFile), PemFiles.readPrivateKey(keyFile));
    }

    /** {@return the leaf certificate} */
    public X509Certificate leaf() {
        return chain.get(0);
    }
}
