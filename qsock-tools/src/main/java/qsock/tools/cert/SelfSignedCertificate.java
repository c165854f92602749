package qsock.tools.cert;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import qsock.tls.Credential;

/**
 * The server's certificate when the user gives none: an ECDSA P-256 key and a self-signed certificate for
 * {@code localhost}, {@code 127.0.0.1} and {@code ::1}, made on first use and kept as PEM files in the state
 * directory ({@value #CERTIFICATE_FILE}, {@value #KEY_FILE}), then loaded with qsock-tls's PEM reader on every
 * later run. A client trusts it with {@code --ca <state dir>/cert.pem}.
 *
 * <p>BouncyCastle only builds and signs the certificate's bytes (the JDK has no public X.509 builder); keys,
 * signatures and parsing are the JDK's, and no security provider is registered.
 */
public final class SelfSignedCertificate {

    /** The certificate file's name in the state directory. */
    public static final String CERTIFICATE_FILE = "cert.pem";
    /** The private key file's name in the state directory (PKCS#8 PEM, readable by its owner only). */
    public static final String KEY_FILE = "key.pem";
    /** How long a generated certificate is valid. */
    public static final Duration VALIDITY = Duration.ofDays(365);

    private SelfSignedCertificate() {}

    /**
     * {@return the credential kept in {@code stateDir}, generating and storing it first when the directory holds
     * none} A kept certificate that has expired is replaced.
     */
    public static Credential loadOrCreate(Path stateDir) throws IOException {
        Path certFile = stateDir.resolve(CERTIFICATE_FILE);
        Path keyFile = stateDir.resolve(KEY_FILE);
        if (Files.exists(certFile) && Files.exists(keyFile)) {
            Credential kept = Credential.fromPem(certFile, keyFile);
            if (kept.leaf().getNotAfter().toInstant().isAfter(Instant.now())) {
                return kept;
            }
        }
        Credential generated = generate(Instant.now());
        store(generated, stateDir);
        return Credential.fromPem(certFile, keyFile);
    }

    /** {@return a new key pair and self-signed certificate, valid from an hour before {@code now}} */
    public static Credential generate(Instant now) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keys = generator.generateKeyPair();
            X500Name name = new X500Name("CN=qsock self-signed");
            // RFC 5280 §4.1.2.2: a positive serial of at most 20 bytes, unique per issuer; random serves.
            BigInteger serial = new BigInteger(127, new SecureRandom()).add(BigInteger.ONE);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial,
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), name, keys.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.iPAddress, InetAddress.getByName("::1").getHostAddress())}));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            certificate.verify(keys.getPublic());
            return new Credential(List.of(certificate), keys.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IOException("cannot generate a self-signed certificate", e);
        }
    }

    /** Writes the credential's leaf and key as PEM into {@code stateDir}, creating it; the key file is owner-only. */
    public static void store(Credential credential, Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        try {
            writeAtomically(stateDir.resolve(CERTIFICATE_FILE), pem("CERTIFICATE", credential.leaf().getEncoded()), false);
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IOException("cannot encode the certificate", e);
        }
        writeAtomically(stateDir.resolve(KEY_FILE), pem("PRIVATE KEY", credential.privateKey().getEncoded()), true);
    }

    /** {@return DER bytes as a PEM block with the given label, lines of 64 characters} */
    static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    // Written beside the target and moved over it, so a server starting at the same moment never reads half a file.
    // The key is the owner's only; the certificate is public and readable by all, as clients need it.
    private static void writeAtomically(Path target, String content, boolean ownerOnly) throws IOException {
        Path temporary = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(temporary,
                        PosixFilePermissions.fromString(ownerOnly ? "rw-------" : "rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system: the platform's default permissions apply.
            }
            Files.writeString(temporary, content, StandardCharsets.US_ASCII);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
