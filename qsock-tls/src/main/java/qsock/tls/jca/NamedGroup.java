package qsock.tls.jca;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.XECPrivateKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Locale;
import java.util.Objects;
import javax.crypto.KeyAgreement;
import qsock.core.error.PeerText;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/**
 * The (EC)DHE groups of the "supported_groups" and "key_share" extensions (RFC 8446 §4.2.7, §4.2.8) that this
 * engine implements on the JCA: X25519 and X448 through {@code XDH}, the NIST curves through {@code ECDH}, and
 * the post-quantum hybrid X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem) through {@code KEM} and {@code XDH}.
 *
 * <p>The client {@linkplain #generate generates} a share and later computes the {@linkplain #sharedSecret
 * shared secret} from the server's; the server {@linkplain #respond responds} to the client's share. For the
 * (EC)DHE groups both sides' shares are alike; for X25519MLKEM768 the server's holds an ML-KEM ciphertext.
 *
 * <p>Key shares are generated from the {@link SecureRandom} the caller injects, so a seeded random replays
 * them. Peer shares are validated here, whatever the JCA provider would check: a malformed one is
 * illegal_parameter (RFC 8446 §4.2.8: "the key_exchange values for each KeyShareEntry MUST be generated
 * independently"; §4.2.8.2 and §7.4 give the validation rules).
 */
public enum NamedGroup {
    /** secp256r1 (NIST P-256), 0x0017. */
    SECP256R1(0x0017, "secp256r1", EcCurve.SECP256R1, null),
    /** secp384r1 (NIST P-384), 0x0018. */
    SECP384R1(0x0018, "secp384r1", EcCurve.SECP384R1, null),
    /** secp521r1 (NIST P-521), 0x0019. */
    SECP521R1(0x0019, "secp521r1", EcCurve.SECP521R1, null),
    /** X25519 (RFC 7748), 0x001d. */
    X25519(0x001d, "x25519", null, NamedParameterSpec.X25519),
    /** X448 (RFC 7748), 0x001e. */
    X448(0x001e, "x448", null, NamedParameterSpec.X448),
    /**
     * X25519MLKEM768, 0x11ec: ML-KEM-768 (FIPS 203) and X25519 together (draft-ietf-tls-ecdhe-mlkem §3); the
     * key schedule's secret is safe while either of the two is.
     */
    X25519MLKEM768(0x11ec, "X25519MLKEM768", null, null);

    private static final BigInteger P25519 = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger P448 =
            BigInteger.ONE.shiftLeft(448).subtract(BigInteger.ONE.shiftLeft(224)).subtract(BigInteger.ONE);

    private final int code;
    private final String rfcName;
    /** The curve of an ECDHE group, null for XDH. */
    private final EcCurve curve;
    /** The XDH function of an XDH group, null for ECDHE and the hybrid. */
    private final NamedParameterSpec xdh;

    NamedGroup(int code, String rfcName, EcCurve curve, NamedParameterSpec xdh) {
        this.code = code;
        this.rfcName = rfcName;
        this.curve = curve;
        this.xdh = xdh;
    }

    /** {@return the group's NamedGroup code point (RFC 8446 §4.2.7)} */
    public int code() {
        return code;
    }

    /** {@return the group with this code point, or null if it is not one this engine supports} */
    public static NamedGroup fromCode(int code) {
        for (NamedGroup g : values()) {
            if (g.code == code) {
                return g;
            }
        }
        return null;
    }

    /**
     * {@return the length of the client's key_exchange value in this group}: 32 (X25519), 56 (X448), the
     * uncompressed point's 1 + 2 x coordinate length for the NIST curves (RFC 8446 §4.2.8.2), or 1216 for
     * X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem §3)
     */
    public int keyExchangeLength() {
        if (isHybrid()) {
            return MlKemHybrid.CLIENT_SHARE_LENGTH;
        }
        return curve != null ? 1 + 2 * curve.coordinateLength() : xdhLength();
    }

    /**
     * {@return the length of the server's key_exchange value in this group}: the client's for the (EC)DHE
     * groups, 1120 for X25519MLKEM768 (an ML-KEM-768 ciphertext and an X25519 key)
     */
    public int serverKeyExchangeLength() {
        return isHybrid() ? MlKemHybrid.SERVER_SHARE_LENGTH : keyExchangeLength();
    }

    /** {@return whether this is a hybrid group with a KEM, whose server share is not a public key} */
    private boolean isHybrid() {
        return this == X25519MLKEM768;
    }

    /**
     * Generates an ephemeral key pair drawing only on {@code random}: the same seed gives the same share.
     *
     * @param random the source of the private key; a seeded one replays the share
     * @return the private key and the key_exchange bytes to send
     */
    public KeyShare generate(SecureRandom random) {
        Objects.requireNonNull(random, "random");
        if (isHybrid()) {
            return MlKemHybrid.generate(random);
        }
        try {
            if (curve != null) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(curve.params(), random);
                KeyPair kp = g.generateKeyPair();
                return new KeyShare(this, kp.getPrivate(), curve.encodePoint(((ECPublicKey) kp.getPublic()).getW()));
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("XDH");
            g.initialize(xdh, random);
            KeyPair kp = g.generateKeyPair();
            return new KeyShare(this, kp.getPrivate(), littleEndian(((XECPublicKey) kp.getPublic()).getU()));
        } catch (GeneralSecurityException e) {
            throw missingAlgorithm(e);
        }
    }

    /**
     * Builds a key share from a fixed private key, to replay published test vectors (RFC 8448's x25519
     * keys, RFC 7748 §6). For X25519 and X448 {@code privateKey} is the raw scalar of 32 or 56 octets; for the
     * NIST curves it is the private scalar d, big-endian, as many octets as the group order (32, 48, 66),
     * with 1 &le; d &lt; order.
     *
     * <p>For the NIST curves the public point is computed here, not by the JCA, and not in constant time:
     * never use this for keys that protect traffic; {@link #generate} makes those.
     *
     * @param privateKey the private key's octets as described above
     * @return the private key and the key_exchange bytes that belong to it
     * @throws IllegalArgumentException if {@code privateKey} has the wrong length or value, or the group is
     *     X25519MLKEM768, whose keys have no such form here
     */
    public KeyShare keyShareFromPrivate(byte[] privateKey) {
        Objects.requireNonNull(privateKey, "privateKey");
        if (isHybrid()) {
            throw new IllegalArgumentException(rfcName + " keys are only generated");
        }
        try {
            if (curve != null) {
                int orderLength = (curve.params().getOrder().bitLength() + 7) / 8;
                BigInteger d = new BigInteger(1, privateKey);
                if (privateKey.length != orderLength || d.signum() == 0
                        || d.compareTo(curve.params().getOrder()) >= 0) {
                    throw new IllegalArgumentException(rfcName + " private scalar must be " + orderLength
                            + " octets in [1, order)");
                }
                PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(d, curve.params()));
                return new KeyShare(this, key, curve.encodePoint(curve.multiplyGenerator(d)));
            }
            if (privateKey.length != xdhLength()) {
                throw new IllegalArgumentException(rfcName + " private key must be " + xdhLength() + " octets");
            }
            PrivateKey key = KeyFactory.getInstance("XDH").generatePrivate(new XECPrivateKeySpec(xdh, privateKey.clone()));
            // RFC 8446 §7.4.2: the public key is the scalar multiplication of the standard base point
            // (u = 9 for X25519, u = 5 for X448, RFC 7748 §4.1-4.2), which the JCA computes as an agreement.
            PublicKey basePoint = KeyFactory.getInstance("XDH")
                    .generatePublic(new XECPublicKeySpec(xdh, BigInteger.valueOf(this == X25519 ? 9 : 5)));
            KeyAgreement ka = KeyAgreement.getInstance("XDH");
            ka.init(key);
            ka.doPhase(basePoint, true);
            return new KeyShare(this, key, ka.generateSecret());
        } catch (GeneralSecurityException e) {
            throw missingAlgorithm(e);
        }
    }

    /**
     * The server's side of the exchange (RFC 8446 §4.2.8): a fresh share of our own and the shared secret with
     * the client's. For the (EC)DHE groups this is {@link #generate} then {@link #sharedSecret}; for
     * X25519MLKEM768 it encapsulates to the client's ML-KEM key (draft-ietf-tls-ecdhe-mlkem §3).
     *
     * @param clientKeyExchange the client's key_exchange bytes, untrusted
     * @param random the source of our key (and of the encapsulation); a seeded one replays the response
     * @return our key_exchange bytes and the shared secret
     * @throws TlsAlertException illegal_parameter if the client's share is malformed (as {@link #sharedSecret}
     *     says, and for X25519MLKEM768 an encapsulation key that fails the FIPS 203 §7.2 check)
     */
    public KeyShareResponse respond(byte[] clientKeyExchange, SecureRandom random) throws TlsAlertException {
        Objects.requireNonNull(clientKeyExchange, "clientKeyExchange");
        Objects.requireNonNull(random, "random");
        if (isHybrid()) {
            return MlKemHybrid.respond(clientKeyExchange, random);
        }
        KeyShare ours = generate(random);
        return new KeyShareResponse(this, ours.publicBytes(), sharedSecret(ours.privateKey(), clientKeyExchange));
    }

    /**
     * Computes the shared secret of our private key and the peer's key_exchange value: the raw X25519/X448
     * output, or the x-coordinate padded to the field size for the NIST curves (RFC 8446 §7.4). For
     * X25519MLKEM768 this is the client's side only: it decapsulates the server's ciphertext and returns the
     * ML-KEM secret followed by the X25519 secret (draft-ietf-tls-ecdhe-mlkem §3).
     *
     * @param ours our private key, from {@link #generate} or {@link #keyShareFromPrivate} of this group
     * @param peerKeyExchange the peer's key_exchange bytes, untrusted
     * @return the shared secret, the (EC)DHE input of the key schedule
     * @throws TlsAlertException illegal_parameter if the peer's share has the wrong length, is not an
     *     uncompressed point on the curve, or gives the all-zero X25519/X448 output (RFC 8446 §7.4.2);
     *     internal_error if an ML-KEM decapsulation of a well-formed ciphertext fails
     * @throws IllegalArgumentException if {@code ours} is not a private key of this group
     */
    public byte[] sharedSecret(PrivateKey ours, byte[] peerKeyExchange) throws TlsAlertException {
        Objects.requireNonNull(peerKeyExchange, "peerKeyExchange");
        checkPrivateKey(ours);
        if (isHybrid()) {
            return MlKemHybrid.sharedSecret((MlKemHybrid.HybridPrivateKey) ours, peerKeyExchange);
        }
        try {
            KeyAgreement ka = KeyAgreement.getInstance(curve != null ? "ECDH" : "XDH");
            ka.init(ours);
            byte[] secret;
            try {
                PublicKey peer = curve != null
                        ? KeyFactory.getInstance("EC").generatePublic(
                                new ECPublicKeySpec(curve.decodePoint(peerKeyExchange), curve.params()))
                        : KeyFactory.getInstance("XDH").generatePublic(
                                new XECPublicKeySpec(xdh, peerU(peerKeyExchange)));
                ka.doPhase(peer, true);
                secret = ka.generateSecret();
            } catch (InvalidKeySpecException | InvalidKeyException e) {
                // The share passed our own checks, but the provider refuses it (an X25519 point of small
                // order, whose result would be all zeros, is one): still the peer's fault.
                throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                        rfcName + " key share refused: " + PeerText.escape(e.getMessage()));
            }
            if (curve != null) {
                return padded(secret, curve.coordinateLength());
            }
            // RFC 8446 §7.4.2 and RFC 7748 §6: abort on the all-zero output. Checked without an early exit.
            int any = 0;
            for (byte x : secret) {
                any |= x;
            }
            if (any == 0) {
                throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, rfcName + " shared secret is all zeros");
            }
            return secret;
        } catch (GeneralSecurityException e) {
            throw missingAlgorithm(e);
        }
    }

    /** Decodes an X25519/X448 u-coordinate as RFC 7748 §5 says, after checking its length. */
    private BigInteger peerU(byte[] encoded) throws TlsAlertException {
        // RFC 8446 §4.2.8.2: 32 bytes for X25519 and 56 bytes for X448.
        if (encoded.length != xdhLength()) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    rfcName + " key share of " + encoded.length + " bytes, expected " + xdhLength());
        }
        byte[] bigEndian = new byte[encoded.length];
        for (int i = 0; i < encoded.length; i++) {
            bigEndian[i] = encoded[encoded.length - 1 - i];
        }
        if (this == X25519) {
            bigEndian[0] &= 0x7F; // RFC 7748 §5: X25519 masks the most significant bit of the final byte
        }
        // RFC 7748 §5: non-canonical values are accepted and processed as if reduced modulo p.
        return new BigInteger(1, bigEndian).mod(this == X25519 ? P25519 : P448);
    }

    private void checkPrivateKey(PrivateKey ours) {
        Objects.requireNonNull(ours, "ours");
        boolean fits = isHybrid() ? ours instanceof MlKemHybrid.HybridPrivateKey
                : curve != null
                ? ours instanceof ECPrivateKey ec && curve.matches(ec.getParams())
                : ours instanceof XECPrivateKey x && x.getParams() instanceof NamedParameterSpec n
                        && n.getName().equalsIgnoreCase(xdh.getName());
        if (!fits) {
            throw new IllegalArgumentException("not a " + rfcName + " private key: " + ours.getAlgorithm());
        }
    }

    private int xdhLength() {
        return this == X25519 ? 32 : 56;
    }

    private byte[] littleEndian(BigInteger u) {
        byte[] bigEndian = new byte[xdhLength()];
        EcCurve.putFixed(u, bigEndian, 0, bigEndian.length);
        byte[] out = new byte[bigEndian.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = bigEndian[bigEndian.length - 1 - i];
        }
        return out;
    }

    /** RFC 8446 §7.4.2: the ECDH secret has the field's constant length; leading zeros are kept. */
    private static byte[] padded(byte[] secret, int length) {
        if (secret.length == length) {
            return secret;
        }
        if (secret.length > length) {
            throw new IllegalStateException("ECDH secret of " + secret.length + " bytes, field is " + length);
        }
        byte[] out = new byte[length];
        System.arraycopy(secret, 0, out, length - secret.length, secret.length);
        return out;
    }

    private IllegalStateException missingAlgorithm(GeneralSecurityException e) {
        // Our own inputs were valid, so this is a runtime whose providers lack XDH or EC: not the peer's fault.
        return new IllegalStateException("the JCA cannot do " + rfcName + ": " + e.getMessage(), e);
    }

    /** {@return the RFC name and code point, e.g. {@code x25519(0x001d)}} */
    @Override
    public String toString() {
        return rfcName + String.format(Locale.ROOT, "(0x%04x)", code);
    }
}
