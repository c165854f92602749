package qsock.tls.jca;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.EdECKey;
import java.security.interfaces.RSAKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/**
 * Signature algorithms of the "signature_algorithms" and "signature_algorithms_cert" extensions
 * (RFC 8446 §4.2.3), with TLS 1.3 CertificateVerify signing and verification on the JCA (RFC 8446 §4.4.3).
 *
 * <p>The RSASSA-PKCS1-v1_5 and SHA-1 schemes are here only to name their code points in
 * signature_algorithms_cert: RFC 8446 §4.2.3 does not define them for signed handshake messages, so
 * {@link #usableInTls13CertificateVerify()} is false for them, {@link #select} never picks them,
 * {@link #sign} refuses them and {@link #verify} returns false.
 *
 * <p>The engine checks a received CertificateVerify in this order: the scheme code is known
 * ({@link #fromCode}), {@link #usableInTls13CertificateVerify()} and was offered by us, and
 * {@link #matches} the certificate's key (otherwise illegal_parameter); then {@link #verify} (false is
 * decrypt_error, RFC 8446 §4.4.3).
 */
public enum SignatureScheme {
    /** rsa_pkcs1_sha256, 0x0401: certificates only. */
    RSA_PKCS1_SHA256(0x0401, "rsa_pkcs1_sha256", KeyType.RSA, "SHA256withRSA", null, null, false),
    /** rsa_pkcs1_sha384, 0x0501: certificates only. */
    RSA_PKCS1_SHA384(0x0501, "rsa_pkcs1_sha384", KeyType.RSA, "SHA384withRSA", null, null, false),
    /** rsa_pkcs1_sha512, 0x0601: certificates only. */
    RSA_PKCS1_SHA512(0x0601, "rsa_pkcs1_sha512", KeyType.RSA, "SHA512withRSA", null, null, false),
    /** ecdsa_secp256r1_sha256, 0x0403: ECDSA on P-256 with SHA-256, DER-encoded signature. */
    ECDSA_SECP256R1_SHA256(0x0403, "ecdsa_secp256r1_sha256", KeyType.EC, "SHA256withECDSA", null,
            EcCurve.SECP256R1, true),
    /** ecdsa_secp384r1_sha384, 0x0503: ECDSA on P-384 with SHA-384, DER-encoded signature. */
    ECDSA_SECP384R1_SHA384(0x0503, "ecdsa_secp384r1_sha384", KeyType.EC, "SHA384withECDSA", null,
            EcCurve.SECP384R1, true),
    /** ecdsa_secp521r1_sha512, 0x0603: ECDSA on P-521 with SHA-512, DER-encoded signature. */
    ECDSA_SECP521R1_SHA512(0x0603, "ecdsa_secp521r1_sha512", KeyType.EC, "SHA512withECDSA", null,
            EcCurve.SECP521R1, true),
    /** rsa_pss_rsae_sha256, 0x0804: RSASSA-PSS with SHA-256 for an rsaEncryption key. */
    RSA_PSS_RSAE_SHA256(0x0804, "rsa_pss_rsae_sha256", KeyType.RSA, "RSASSA-PSS", "SHA-256", null, true),
    /** rsa_pss_rsae_sha384, 0x0805: RSASSA-PSS with SHA-384 for an rsaEncryption key. */
    RSA_PSS_RSAE_SHA384(0x0805, "rsa_pss_rsae_sha384", KeyType.RSA, "RSASSA-PSS", "SHA-384", null, true),
    /** rsa_pss_rsae_sha512, 0x0806: RSASSA-PSS with SHA-512 for an rsaEncryption key. */
    RSA_PSS_RSAE_SHA512(0x0806, "rsa_pss_rsae_sha512", KeyType.RSA, "RSASSA-PSS", "SHA-512", null, true),
    /** ed25519, 0x0807: PureEdDSA on edwards25519. */
    ED25519(0x0807, "ed25519", KeyType.ED25519, "Ed25519", null, null, true),
    /** ed448, 0x0808: PureEdDSA on edwards448. */
    ED448(0x0808, "ed448", KeyType.ED448, "Ed448", null, null, true),
    /** rsa_pss_pss_sha256, 0x0809: RSASSA-PSS with SHA-256 for an id-RSASSA-PSS key. */
    RSA_PSS_PSS_SHA256(0x0809, "rsa_pss_pss_sha256", KeyType.RSA_PSS, "RSASSA-PSS", "SHA-256", null, true),
    /** rsa_pss_pss_sha384, 0x080a: RSASSA-PSS with SHA-384 for an id-RSASSA-PSS key. */
    RSA_PSS_PSS_SHA384(0x080a, "rsa_pss_pss_sha384", KeyType.RSA_PSS, "RSASSA-PSS", "SHA-384", null, true),
    /** rsa_pss_pss_sha512, 0x080b: RSASSA-PSS with SHA-512 for an id-RSASSA-PSS key. */
    RSA_PSS_PSS_SHA512(0x080b, "rsa_pss_pss_sha512", KeyType.RSA_PSS, "RSASSA-PSS", "SHA-512", null, true),
    /** rsa_pkcs1_sha1, 0x0201: legacy, certificates only. */
    RSA_PKCS1_SHA1(0x0201, "rsa_pkcs1_sha1", KeyType.RSA, "SHA1withRSA", null, null, false),
    /** ecdsa_sha1, 0x0203: legacy, certificates only, any curve. */
    ECDSA_SHA1(0x0203, "ecdsa_sha1", KeyType.EC, "SHA1withECDSA", null, null, false);

    /**
     * The schemes this engine offers and prefers for CertificateVerify, most preferred first: every scheme
     * usable in TLS 1.3, ECDSA and EdDSA before RSASSA-PSS (shorter signatures, cheaper signing).
     */
    public static final List<SignatureScheme> DEFAULT_PREFERENCE = List.of(
            ECDSA_SECP256R1_SHA256, ECDSA_SECP384R1_SHA384, ECDSA_SECP521R1_SHA512, ED25519, ED448,
            RSA_PSS_RSAE_SHA256, RSA_PSS_RSAE_SHA384, RSA_PSS_RSAE_SHA512,
            RSA_PSS_PSS_SHA256, RSA_PSS_PSS_SHA384, RSA_PSS_PSS_SHA512);

    // RFC 8446 §4.4.3: the context strings of the two CertificateVerify directions.
    private static final byte[] SERVER_CONTEXT = "TLS 1.3, server CertificateVerify".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLIENT_CONTEXT = "TLS 1.3, client CertificateVerify".getBytes(StandardCharsets.US_ASCII);
    private static final int PREFIX_LENGTH = 64;

    /** What kind of key a scheme signs with. */
    private enum KeyType { RSA, RSA_PSS, EC, ED25519, ED448 }

    private final int code;
    private final String rfcName;
    private final KeyType keyType;
    private final String jcaAlgorithm;
    /** The PSS digest (also MGF1's), null for other schemes. */
    private final String pssDigest;
    /** The curve an ECDSA scheme is bound to, null for others and for ecdsa_sha1 (any curve). */
    private final EcCurve curve;
    private final boolean tls13;

    SignatureScheme(int code, String rfcName, KeyType keyType, String jcaAlgorithm, String pssDigest,
            EcCurve curve, boolean tls13) {
        this.code = code;
        this.rfcName = rfcName;
        this.keyType = keyType;
        this.jcaAlgorithm = jcaAlgorithm;
        this.pssDigest = pssDigest;
        this.curve = curve;
        this.tls13 = tls13;
    }

    /**
     * {@return the scheme that names the signature on {@code certificate} in signature_algorithms_cert
     * terms, or null when TLS has no code point for it} (RFC 8446 §4.2.3). ECDSA signatures map by their
     * hash (SHA-256 to ecdsa_secp256r1_sha256 and so on), as TLS stacks commonly do; RSASSA-PSS maps to the
     * rsae or pss variant by the issuer's key type, given as {@code issuerKey} (null: assume rsaEncryption).
     */
    public static SignatureScheme ofCertificateSignature(X509Certificate certificate, Key issuerKey) {
        return switch (certificate.getSigAlgOID()) {
            case "1.2.840.113549.1.1.5" -> RSA_PKCS1_SHA1;
            case "1.2.840.113549.1.1.11" -> RSA_PKCS1_SHA256;
            case "1.2.840.113549.1.1.12" -> RSA_PKCS1_SHA384;
            case "1.2.840.113549.1.1.13" -> RSA_PKCS1_SHA512;
            case "1.2.840.10045.4.1" -> ECDSA_SHA1;
            case "1.2.840.10045.4.3.2" -> ECDSA_SECP256R1_SHA256;
            case "1.2.840.10045.4.3.3" -> ECDSA_SECP384R1_SHA384;
            case "1.2.840.10045.4.3.4" -> ECDSA_SECP521R1_SHA512;
            case "1.3.101.112" -> ED25519;
            case "1.3.101.113" -> ED448;
            case "1.2.840.113549.1.1.10" -> pssOfCertificate(certificate, issuerKey);
            default -> null;
        };
    }

    private static SignatureScheme pssOfCertificate(X509Certificate certificate, Key issuerKey) {
        String digest;
        try {
            java.security.AlgorithmParameters params = java.security.AlgorithmParameters.getInstance("RSASSA-PSS");
            params.init(certificate.getSigAlgParams());
            digest = params.getParameterSpec(PSSParameterSpec.class).getDigestAlgorithm();
        } catch (GeneralSecurityException | java.io.IOException | RuntimeException e) {
            return null;
        }
        boolean pssKey = issuerKey != null && "RSASSA-PSS".equalsIgnoreCase(issuerKey.getAlgorithm());
        for (SignatureScheme s : values()) {
            if (s.pssDigest != null && s.pssDigest.equalsIgnoreCase(digest.replace("SHA", "SHA-").replace("--", "-"))
                    && (s.keyType == KeyType.RSA_PSS) == pssKey) {
                return s;
            }
        }
        return null;
    }

    /** {@return the scheme's SignatureScheme code point (RFC 8446 §4.2.3)} */
    public int code() {
        return code;
    }

    /** {@return the scheme with this code point, or null if it is not one this engine knows} */
    public static SignatureScheme fromCode(int code) {
        for (SignatureScheme s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return null;
    }

    /**
     * {@return whether TLS 1.3 defines this scheme for CertificateVerify}: false for the RSASSA-PKCS1-v1_5
     * and SHA-1 schemes (RFC 8446 §4.2.3, §4.4.3: "RSA signatures MUST use an RSASSA-PSS algorithm")
     */
    public boolean usableInTls13CertificateVerify() {
        return tls13;
    }

    /**
     * {@return whether this scheme can sign or verify with {@code key}}, a public or private key:
     * <ul>
     * <li>rsa_pss_rsae_* and rsa_pkcs1_*: an RSA key with the rsaEncryption OID (JCA algorithm "RSA"),
     *     and for PSS a modulus long enough for salt = hash length (RFC 8017 §9.1.1: emLen &ge; 2 hLen + 2);
     * <li>rsa_pss_pss_*: an RSASSA-PSS key (RFC 8446 §4.2.3) whose parameters, if it has any, name this
     *     hash for the digest and MGF1 and allow its salt length;
     * <li>ecdsa_secp*: an EC key on exactly that curve (TLS 1.3 binds the curve to the scheme);
     *     ecdsa_sha1: an EC key on any curve;
     * <li>ed25519, ed448: an EdDSA key of that curve.
     * </ul>
     * A key that hides its parameters (some hardware tokens) matches nothing: match its certificate's
     * public key instead.
     */
    public boolean matches(Key key) {
        return switch (keyType) {
            case RSA -> key instanceof RSAKey r && "RSA".equalsIgnoreCase(key.getAlgorithm())
                    && (pssDigest == null || pssFits(r));
            case RSA_PSS -> key instanceof RSAKey r && "RSASSA-PSS".equalsIgnoreCase(key.getAlgorithm())
                    && pssFits(r) && pssKeyParamsAllow(r.getParams());
            case EC -> key instanceof ECKey e && e.getParams() != null
                    && (curve == null || curve.matches(e.getParams()));
            case ED25519 -> key instanceof EdECKey e && "Ed25519".equalsIgnoreCase(e.getParams().getName());
            case ED448 -> key instanceof EdECKey e && "Ed448".equalsIgnoreCase(e.getParams().getName());
        };
    }

    /**
     * Picks the scheme to sign our CertificateVerify with: the first of {@code ourPreference} that is usable
     * in TLS 1.3, fits {@code key}, and is in the peer's signature_algorithms.
     *
     * @param key our private key, or our certificate's public key
     * @param peerSchemes the code points of the peer's signature_algorithms, in its order
     * @param ourPreference our schemes, most preferred first (e.g. {@link #DEFAULT_PREFERENCE})
     * @return the scheme, or null if none fits (the engine's handshake_failure, RFC 8446 §4.4.2.2)
     */
    public static SignatureScheme select(Key key, List<Integer> peerSchemes, List<SignatureScheme> ourPreference) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(peerSchemes, "peerSchemes");
        for (SignatureScheme s : ourPreference) {
            if (s.tls13 && peerSchemes.contains(s.code) && s.matches(key)) {
                return s;
            }
        }
        return null;
    }

    /**
     * As {@link #select(Key, List, List)} for the public key of {@code certificate}, our end-entity
     * certificate: useful when the private key does not expose its parameters.
     */
    public static SignatureScheme select(X509Certificate certificate, List<Integer> peerSchemes,
            List<SignatureScheme> ourPreference) {
        return select(certificate.getPublicKey(), peerSchemes, ourPreference);
    }

    /**
     * Signs a CertificateVerify (RFC 8446 §4.4.3): 64 octets of 0x20, the context string of our role, a zero
     * octet, then the transcript hash. The signature draws on {@code random} (ECDSA's nonce, PSS's salt), so
     * a seeded random replays it.
     *
     * @param key our private key; it must {@link #matches} this scheme when its parameters are visible
     * @param transcriptHash Transcript-Hash(Handshake Context, Certificate)
     * @param server true for the server's CertificateVerify, false for the client's
     * @return the signature: DER ECDSA-Sig-Value for ECDSA, raw octets for RSASSA-PSS and EdDSA
     * @throws IllegalArgumentException if this scheme is not usable in TLS 1.3 or does not fit the key
     * @throws TlsAlertException internal_error if the provider fails to sign
     */
    public byte[] sign(PrivateKey key, byte[] transcriptHash, boolean server, SecureRandom random)
            throws TlsAlertException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(random, "random");
        if (!tls13) {
            throw new IllegalArgumentException(this + " is not defined for TLS 1.3 CertificateVerify");
        }
        boolean inspectable = key instanceof RSAKey || key instanceof ECKey || key instanceof EdECKey;
        if (inspectable && !matches(key)) {
            throw new IllegalArgumentException(this + " cannot sign with this " + key.getAlgorithm() + " key");
        }
        byte[] content = signedContent(transcriptHash, server);
        try {
            Signature s = Signature.getInstance(jcaAlgorithm);
            s.initSign(key, random);
            if (pssDigest != null) {
                s.setParameter(pssParameters());
            }
            s.update(content);
            return s.sign();
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException(this + " cannot sign with this key: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JCA has no " + jcaAlgorithm, e);
        } catch (SignatureException | InvalidAlgorithmParameterException e) {
            throw new TlsAlertException(TlsAlert.INTERNAL_ERROR, "signing with " + this + " failed", e);
        }
    }

    /**
     * Verifies a peer's CertificateVerify signature (RFC 8446 §4.4.3). Never throws on what the peer sent:
     * a malformed signature, a key this scheme does not {@link #matches fit}, or a scheme not usable in
     * TLS 1.3 all give false.
     *
     * @param key the public key of the peer's end-entity certificate
     * @param transcriptHash Transcript-Hash(Handshake Context, Certificate)
     * @param server true if the peer is the server (the context string the peer used)
     * @param signature the signature field of the peer's CertificateVerify
     * @return true only if the signature is valid for this key, scheme, context and hash
     */
    public boolean verify(PublicKey key, byte[] transcriptHash, boolean server, byte[] signature) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(signature, "signature");
        byte[] content = signedContent(transcriptHash, server);
        if (!tls13 || !matches(key)) {
            return false;
        }
        try {
            Signature v = Signature.getInstance(jcaAlgorithm);
            v.initVerify(key);
            if (pssDigest != null) {
                v.setParameter(pssParameters());
            }
            v.update(content);
            return v.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            // The signature bytes are the peer's, and parsing them (DER for ECDSA) is the provider's code, not
            // ours: whatever it throws on them means the signature does not verify.
            return false;
        }
    }

    /** {@return the octets a CertificateVerify signs for this transcript hash and role (RFC 8446 §4.4.3)} */
    static byte[] signedContent(byte[] transcriptHash, boolean server) {
        Objects.requireNonNull(transcriptHash, "transcriptHash");
        byte[] context = server ? SERVER_CONTEXT : CLIENT_CONTEXT;
        byte[] out = new byte[PREFIX_LENGTH + context.length + 1 + transcriptHash.length];
        Arrays.fill(out, 0, PREFIX_LENGTH, (byte) 0x20);
        System.arraycopy(context, 0, out, PREFIX_LENGTH, context.length);
        // out[PREFIX_LENGTH + context.length] stays 0: the separator octet.
        System.arraycopy(transcriptHash, 0, out, PREFIX_LENGTH + context.length + 1, transcriptHash.length);
        return out;
    }

    /** RFC 8446 §4.2.3: MGF1 with the same hash, salt length equal to the hash length, trailer field 1. */
    private PSSParameterSpec pssParameters() {
        return new PSSParameterSpec(pssDigest, "MGF1", new MGF1ParameterSpec(pssDigest), hashLength(),
                PSSParameterSpec.TRAILER_FIELD_BC);
    }

    private int hashLength() {
        return switch (pssDigest) {
            case "SHA-256" -> 32;
            case "SHA-384" -> 48;
            default -> 64;
        };
    }

    /** RFC 8017 §9.1.1: emLen = ceil((modBits - 1) / 8) must be at least hLen + sLen + 2, with sLen = hLen. */
    private boolean pssFits(RSAKey key) {
        int emLength = (key.getModulus().bitLength() - 1 + 7) / 8;
        return emLength >= 2 * hashLength() + 2;
    }

    /**
     * An RSASSA-PSS key may restrict its use (RFC 4055 §3.1): same digest and MGF1 digest, and its salt
     * length is the minimum the signature may use.
     */
    private boolean pssKeyParamsAllow(AlgorithmParameterSpec params) {
        if (params == null) {
            return true;
        }
        return params instanceof PSSParameterSpec p
                && sameDigest(p.getDigestAlgorithm(), pssDigest)
                && "MGF1".equalsIgnoreCase(p.getMGFAlgorithm())
                && p.getMGFParameters() instanceof MGF1ParameterSpec m && sameDigest(m.getDigestAlgorithm(), pssDigest)
                && p.getSaltLength() <= hashLength()
                && p.getTrailerField() == PSSParameterSpec.TRAILER_FIELD_BC;
    }

    private static boolean sameDigest(String a, String b) {
        return a.replace("-", "").equalsIgnoreCase(b.replace("-", ""));
    }

    /** {@return the RFC name and code point, e.g. {@code rsa_pss_rsae_sha256(0x0804)}} */
    @Override
    public String toString() {
        return rfcName + String.format(Locale.ROOT, "(0x%04x)", code);
    }
}
