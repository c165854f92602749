package qsock.tls.cert;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Reads certificate chains and private keys from PEM text (RFC 7468), as OpenSSL writes them.
 *
 * <p>Certificates: every "CERTIFICATE" block, in file order (leaf first for a chain). Private keys: exactly
 * one of "PRIVATE KEY" (PKCS#8, RFC 5208: RSA, RSASSA-PSS, EC, Ed25519, Ed448), "RSA PRIVATE KEY" (PKCS#1,
 * RFC 8017 Appendix A.1.2) or "EC PRIVATE KEY" (SEC1, RFC 5915, with a named curve). Other blocks (a key next
 * to the certificates, "EC PARAMETERS") and text outside blocks are skipped. Encrypted keys ("ENCRYPTED
 * PRIVATE KEY", or a legacy block with "Proc-Type: 4,ENCRYPTED") are refused with a message saying how to
 * decrypt them.
 *
 * <p>Contents that are not what was asked for raise {@link PemFormatException}, an {@link IOException},
 * with a message for a person; reading a file or stream can also fail with any other {@link IOException}.
 * Inputs larger than {@link #MAX_INPUT_BYTES} are refused.
 */
public final class PemFiles {

    /** The largest PEM input read (16 MiB): a large CA bundle is under 1 MiB. */
    public static final int MAX_INPUT_BYTES = 16 << 20;

    private static final String CERTIFICATE = "CERTIFICATE";
    private static final String PKCS8 = "PRIVATE KEY";
    private static final String PKCS1 = "RSA PRIVATE KEY";
    private static final String SEC1 = "EC PRIVATE KEY";
    private static final String ENCRYPTED_PKCS8 = "ENCRYPTED PRIVATE KEY";
    private static final String DECRYPT_HINT =
            "; decrypt it first, e.g. openssl pkey -in encrypted.pem -out plain.pem";

    // Algorithm identifiers' OBJECT IDENTIFIER contents.
    private static final byte[] RSA_ENCRYPTION = HexFormat.of().parseHex("2a864886f70d010101"); // 1.2.840.113549.1.1.1
    private static final byte[] RSASSA_PSS = HexFormat.of().parseHex("2a864886f70d01010a"); // 1.2.840.113549.1.1.10
    private static final byte[] EC_PUBLIC_KEY = HexFormat.of().parseHex("2a8648ce3d0201"); // 1.2.840.10045.2.1
    private static final byte[] ED25519 = HexFormat.of().parseHex("2b6570"); // 1.3.101.112
    private static final byte[] ED448 = HexFormat.of().parseHex("2b6571"); // 1.3.101.113

    private PemFiles() {}

    /** One decoded block between BEGIN and END lines. */
    private record Block(String label, byte[] der, boolean encrypted) {}

    /**
     * {@return the certificates of every CERTIFICATE block in the file, in order}
     *
     * @throws PemFormatException if there is none, or a block is malformed (the message names the file)
     * @throws IOException if the file cannot be read
     */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readCertificates(in);
        } catch (PemFormatException e) {
            throw new PemFormatException(file + ": " + e.getMessage(), e.getCause());
        }
    }

    /**
     * {@return the certificates of every CERTIFICATE block read from {@code in}, in order}; the stream is
     * read to its end and not closed
     *
     * @throws PemFormatException if there is none, or a block is malformed
     * @throws IOException if the stream fails
     */
    public static List<X509Certificate> readCertificates(InputStream in) throws IOException {
        return readCertificates(readText(in));
    }

    /**
     * {@return the certificates of every CERTIFICATE block in {@code pem}, in order}
     *
     * @throws PemFormatException if there is none, or a block is malformed
     */
    public static List<X509Certificate> readCertificates(String pem) throws PemFormatException {
        List<Block> blocks = blocks(pem);
        List<X509Certificate> certificates = new ArrayList<>();
        for (Block b : blocks) {
            if (b.label.equals(CERTIFICATE)) {
                try {
                    certificates.add(CertificateDecoder.decode(b.der));
                } catch (CertificateException e) {
                    throw new PemFormatException("CERTIFICATE block " + (certificates.size() + 1)
                            + " is not a valid certificate: " + e.getMessage(), e);
                }
            }
        }
        if (certificates.isEmpty()) {
            throw new PemFormatException("no CERTIFICATE block found" + found(blocks));
        }
        return List.copyOf(certificates);
    }

    /**
     * {@return the one private key in the file}
     *
     * @throws PemFormatException if there is no key, more than one, an encrypted one, or it does not decode
     *     (the message names the file)
     * @throws IOException if the file cannot be read
     */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readPrivateKey(in);
        } catch (PemFormatException e) {
            throw new PemFormatException(file + ": " + e.getMessage(), e.getCause());
        }
    }

    /**
     * {@return the one private key read from {@code in}}; the stream is read to its end and not closed
     *
     * @throws PemFormatException if there is no key, more than one, an encrypted one, or it does not decode
     * @throws IOException if the stream fails
     */
    public static PrivateKey readPrivateKey(InputStream in) throws IOException {
        return readPrivateKey(readText(in));
    }

    /**
     * {@return the one private key in {@code pem}}
     *
     * @throws PemFormatException if there is no key, more than one, an encrypted one, or it does not decode
     */
    public static PrivateKey readPrivateKey(String pem) throws PemFormatException {
        List<Block> blocks = blocks(pem);
        Block key = null;
        for (Block b : blocks) {
            if (b.label.equals(ENCRYPTED_PKCS8) || (b.encrypted && isKeyLabel(b.label))) {
                throw new PemFormatException("the " + b.label + " is encrypted, which is not supported" + DECRYPT_HINT);
            }
            if (isKeyLabel(b.label)) {
                if (key != null) {
                    throw new PemFormatException("more than one private key found (" + key.label + ", " + b.label + ")");
                }
                key = b;
            }
        }
        if (key == null) {
            throw new PemFormatException("no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block found" + found(blocks));
        }
        return switch (key.label) {
            case PKCS8 -> pkcs8(key.der);
            case PKCS1 -> pkcs1(key.der);
            default -> sec1(key.der);
        };
    }

    private static boolean isKeyLabel(String label) {
        return label.equals(PKCS8) || label.equals(PKCS1) || label.equals(SEC1);
    }

    private static String found(List<Block> blocks) {
        if (blocks.isEmpty()) {
            return " (the input has no PEM block at all)";
        }
        Set<String> labels = new LinkedHashSet<>();
        for (Block b : blocks) {
            labels.add(b.label);
        }
        return " (found: " + String.join(", ", labels) + ")";
    }

    /** A PKCS#8 PrivateKeyInfo: the algorithm OID picks the JCA key factory. */
    private static PrivateKey pkcs8(byte[] der) throws PemFormatException {
        Der info = new Der(der, "the PKCS#8 PRIVATE KEY").enter(Der.SEQUENCE);
        info.read(Der.INTEGER); // version: 0 (RFC 5208) or 1 (RFC 5958, with a public key)
        byte[] oid = info.enter(Der.SEQUENCE).read(Der.OBJECT_IDENTIFIER);
        String algorithm;
        if (Arrays.equals(oid, RSA_ENCRYPTION)) {
            algorithm = "RSA";
        } else if (Arrays.equals(oid, RSASSA_PSS)) {
            algorithm = "RSASSA-PSS";
        } else if (Arrays.equals(oid, EC_PUBLIC_KEY)) {
            algorithm = "EC";
        } else if (Arrays.equals(oid, ED25519)) {
            algorithm = "Ed25519";
        } else if (Arrays.equals(oid, ED448)) {
            algorithm = "Ed448";
        } else {
            throw new PemFormatException("the PRIVATE KEY has the unsupported algorithm " + Der.oidString(oid)
                    + " (supported: RSA, RSASSA-PSS, EC, Ed25519, Ed448)");
        }
        return generate(algorithm, der, "PRIVATE KEY");
    }

    /** RFC 8017 A.1.2 RSAPrivateKey, wrapped into PKCS#8 with the rsaEncryption identifier (NULL parameters). */
    private static PrivateKey pkcs1(byte[] der) throws PemFormatException {
        Der outer = new Der(der, "the RSA PRIVATE KEY");
        outer.enter(Der.SEQUENCE);
        outer.expectEnd();
        byte[] algorithm = Der.encode(Der.SEQUENCE, Der.encode(Der.OBJECT_IDENTIFIER, RSA_ENCRYPTION), Der.encode(Der.NULL));
        return generate("RSA", privateKeyInfo(algorithm, der), PKCS1);
    }

    /**
     * RFC 5915 ECPrivateKey, wrapped into PKCS#8 with the id-ecPublicKey identifier and the named curve taken
     * from the key's own parameters (RFC 5915 §3: the curve OID in [0]).
     */
    private static PrivateKey sec1(byte[] der) throws PemFormatException {
        Der outer = new Der(der, "the EC PRIVATE KEY");
        Der key = outer.enter(Der.SEQUENCE);
        outer.expectEnd();
        byte[] version = key.read(Der.INTEGER);
        if (version.length != 1 || version[0] != 1) {
            throw new PemFormatException("the EC PRIVATE KEY has an unsupported version (RFC 5915 says 1)");
        }
        key.read(Der.OCTET_STRING);
        if (!key.hasMore() || key.peekTag() != Der.CONTEXT_0) {
            throw new PemFormatException("the EC PRIVATE KEY does not name its curve; convert it to PKCS#8, "
                    + "e.g. openssl pkey -in sec1.pem -out pkcs8.pem");
        }
        Der parameters = key.enter(Der.CONTEXT_0);
        if (parameters.peekTag() != Der.OBJECT_IDENTIFIER) {
            throw new PemFormatException("the EC PRIVATE KEY has explicit curve parameters; only named curves are supported");
        }
        byte[] curve = parameters.read(Der.OBJECT_IDENTIFIER);
        byte[] algorithm = Der.encode(Der.SEQUENCE,
                Der.encode(Der.OBJECT_IDENTIFIER, EC_PUBLIC_KEY), Der.encode(Der.OBJECT_IDENTIFIER, curve));
        return generate("EC", privateKeyInfo(algorithm, der), SEC1);
    }

    /** RFC 5208 §5 PrivateKeyInfo: version 0, the algorithm identifier, the key in an OCTET STRING. */
    private static byte[] privateKeyInfo(byte[] algorithmIdentifier, byte[] privateKey) {
        return Der.encode(Der.SEQUENCE, Der.encode(Der.INTEGER, new byte[] {0}), algorithmIdentifier,
                Der.encode(Der.OCTET_STRING, privateKey));
    }

    private static PrivateKey generate(String algorithm, byte[] pkcs8, String label) throws PemFormatException {
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException | RuntimeException e) {
            // The key's bytes are the file's; the JDK's parsers judge them, and whatever they throw means the
            // key does not decode.
            throw new PemFormatException("the " + label + " is not a valid " + algorithm + " key: " + e.getMessage(), e);
        }
    }

    private static String readText(InputStream in) throws IOException {
        Objects.requireNonNull(in, "in");
        byte[] bytes = in.readNBytes(MAX_INPUT_BYTES + 1);
        if (bytes.length > MAX_INPUT_BYTES) {
            throw new PemFormatException("PEM input larger than " + MAX_INPUT_BYTES + " bytes");
        }
        // RFC 7468 §2: PEM is ASCII; ISO-8859-1 maps every byte to one char, so nothing fails to decode here
        // and any non-ASCII byte inside a block is then refused as invalid base64.
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** Splits {@code text} into its PEM blocks, decoding each one's base64. */
    private static List<Block> blocks(String text) throws PemFormatException {
        Objects.requireNonNull(text, "pem");
        if (text.length() > MAX_INPUT_BYTES) {
            throw new PemFormatException("PEM input larger than " + MAX_INPUT_BYTES + " characters");
        }
        List<Block> blocks = new ArrayList<>();
        String label = null;
        int beginLine = 0;
        boolean encrypted = false;
        StringBuilder base64 = new StringBuilder();
        int lineNumber = 0;
        for (String raw : text.split("\r\n|\r|\n", -1)) {
            lineNumber++;
            String line = raw.strip();
            if (label == null) {
                // RFC 7468 §2: text outside the encapsulation boundaries is allowed and ignored.
                if (line.startsWith("-----BEGIN ")) {
                    label = boundaryLabel(line, "-----BEGIN ", lineNumber);
                    beginLine = lineNumber;
                    encrypted = false;
                    base64.setLength(0);
                }
            } else if (line.startsWith("-----END ")) {
                String end = boundaryLabel(line, "-----END ", lineNumber);
                if (!end.equals(label)) {
                    throw new PemFormatException("BEGIN " + label + " on line " + beginLine + " ends with END " + end
                            + " on line " + lineNumber);
                }
                blocks.add(new Block(label, decode(base64, label, beginLine), encrypted));
                label = null;
            } else if (base64.isEmpty() && line.indexOf(':') > 0) {
                // RFC 1421 headers, which come before the base64 in legacy (OpenSSL "traditional") blocks:
                // "Proc-Type: 4,ENCRYPTED" and "DEK-Info: ...". Base64 has no ':', so nothing else matches.
                if (line.regionMatches(true, 0, "Proc-Type:", 0, 10)
                        && line.toUpperCase(Locale.ROOT).contains("ENCRYPTED")) {
                    encrypted = true;
                }
            } else {
                base64.append(line);
            }
        }
        if (label != null) {
            throw new PemFormatException("BEGIN " + label + " on line " + beginLine + " has no END line");
        }
        return blocks;
    }

    private static String boundaryLabel(String line, String prefix, int lineNumber) throws PemFormatException {
        if (!line.endsWith("-----") || line.length() < prefix.length() + 5) {
            throw new PemFormatException("malformed PEM boundary on line " + lineNumber);
        }
        return line.substring(prefix.length(), line.length() - 5);
    }

    private static byte[] decode(CharSequence base64, String label, int beginLine) throws PemFormatException {
        if (base64.isEmpty()) {
            throw new PemFormatException(label + " block on line " + beginLine + " is empty");
        }
        try {
            return Base64.getDecoder().decode(base64.toString());
        } catch (IllegalArgumentException e) {
            throw new PemFormatException(label + " block on line " + beginLine + " is not valid base64: " + e.getMessage());
        }
    }
}
