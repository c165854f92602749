package qsock.tls.jca;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.util.Arrays;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/**
 * The NIST prime curves that TLS 1.3 uses for ECDHE and ECDSA, with their JCA domain parameters and the
 * point arithmetic the JCA does not offer: decoding and validating a peer's uncompressed point, encoding our
 * own, and deriving a public point from a fixed private scalar.
 */
enum EcCurve {
    SECP256R1("secp256r1"),
    SECP384R1("secp384r1"),
    SECP521R1("secp521r1");

    private static final BigInteger THREE = BigInteger.valueOf(3);

    private final String jcaName;
    private final ECParameterSpec params;
    private final BigInteger p;
    private final BigInteger a;
    private final BigInteger b;
    /** Octets of one coordinate (coordinate_length of RFC 8446 §4.2.8.2). */
    private final int coordinateLength;

    EcCurve(String jcaName) {
        this.jcaName = jcaName;
        try {
            AlgorithmParameters ap = AlgorithmParameters.getInstance("EC");
            ap.init(new ECGenParameterSpec(jcaName));
            this.params = ap.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            // Every Java SE runtime has these curves (SunEC); a runtime without them cannot run TLS 1.3.
            throw new IllegalStateException("the JCA does not know the curve " + jcaName, e);
        }
        this.p = ((ECFieldFp) params.getCurve().getField()).getP();
        this.a = params.getCurve().getA();
        this.b = params.getCurve().getB();
        this.coordinateLength = (p.bitLength() + 7) / 8;
    }

    /** {@return the curve's name in the JCA (and SEC 2)} */
    String jcaName() {
        return jcaName;
    }

    /** {@return the JCA domain parameters} */
    ECParameterSpec params() {
        return params;
    }

    /** {@return the octets of one coordinate, and of an ECDH shared secret} */
    int coordinateLength() {
        return coordinateLength;
    }

    /** {@return whether {@code other} describes this curve (same field, coefficients, generator, order)} */
    boolean matches(ECParameterSpec other) {
        return other != null
                && params.getCurve().equals(other.getCurve())
                && params.getGenerator().equals(other.getGenerator())
                && params.getOrder().equals(other.getOrder())
                && params.getCofactor() == other.getCofactor();
    }

    /** {@return the curve {@code other} describes, or null if it is none of these} */
    static EcCurve of(ECParameterSpec other) {
        for (EcCurve c : values()) {
            if (c.matches(other)) {
                return c;
            }
        }
        return null;
    }

    /**
     * Decodes and validates a peer's UncompressedPointRepresentation.
     *
     * @throws TlsAlertException illegal_parameter if the length or form is wrong, a coordinate is not a
     *     field element, or the point is not on the curve
     */
    ECPoint decodePoint(byte[] encoded) throws TlsAlertException {
        // RFC 8446 §4.2.8.2: legacy_form = 4, then X and Y of exactly coordinate_length octets each.
        if (encoded.length != 1 + 2 * coordinateLength) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, jcaName + " key share of " + encoded.length
                    + " bytes, expected " + (1 + 2 * coordinateLength));
        }
        if (encoded[0] != 4) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    jcaName + " key share is not an uncompressed point (form " + (encoded[0] & 0xFF) + ")");
        }
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(encoded, 1, 1 + coordinateLength));
        BigInteger y = new BigInteger(1, Arrays.copyOfRange(encoded, 1 + coordinateLength, encoded.length));
        // RFC 8446 §4.2.8.2: both coordinates in the correct interval, and (x, y) on the curve. The point at
        // infinity has no uncompressed encoding, so it cannot arrive here.
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, jcaName + " key share coordinate out of range");
        }
        if (!y.multiply(y).subtract(x.pow(3).add(a.multiply(x)).add(b)).mod(p).equals(BigInteger.ZERO)) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, jcaName + " key share is not on the curve");
        }
        return new ECPoint(x, y);
    }

    /** {@return {@code point} as an UncompressedPointRepresentation (RFC 8446 §4.2.8.2)} */
    byte[] encodePoint(ECPoint point) {
        byte[] out = new byte[1 + 2 * coordinateLength];
        out[0] = 4;
        putFixed(point.getAffineX(), out, 1, coordinateLength);
        putFixed(point.getAffineY(), out, 1 + coordinateLength, coordinateLength);
        return out;
    }

    /** Writes the non-negative {@code value} big-endian into exactly {@code length} octets at {@code offset}. */
    static void putFixed(BigInteger value, byte[] out, int offset, int length) {
        byte[] raw = value.toByteArray();
        int skip = 0;
        while (skip < raw.length - 1 && raw[skip] == 0) {
            skip++; // the sign octet BigInteger adds
        }
        int n = raw.length - skip;
        if (n > length) {
            throw new IllegalArgumentException("value needs " + n + " octets, more than " + length);
        }
        Arrays.fill(out, offset, offset + length - n, (byte) 0);
        System.arraycopy(raw, skip, out, offset + length - n, n);
    }

    /**
     * {@return {@code k} times the generator}, by a Montgomery ladder in affine coordinates on
     * {@link BigInteger}. It is not constant-time: it serves fixed private keys (published test vectors),
     * never keys made for a handshake, which the JCA generates.
     */
    ECPoint multiplyGenerator(BigInteger k) {
        ECPoint r0 = ECPoint.POINT_INFINITY;
        ECPoint r1 = params.getGenerator();
        for (int i = k.bitLength() - 1; i >= 0; i--) {
            if (k.testBit(i)) {
                r0 = add(r0, r1);
                r1 = twice(r1);
            } else {
                r1 = add(r0, r1);
                r0 = twice(r0);
            }
        }
        return r0;
    }

    private ECPoint add(ECPoint s, ECPoint t) {
        if (s == ECPoint.POINT_INFINITY) {
            return t;
        }
        if (t == ECPoint.POINT_INFINITY) {
            return s;
        }
        BigInteger sx = s.getAffineX();
        BigInteger sy = s.getAffineY();
        BigInteger tx = t.getAffineX();
        BigInteger ty = t.getAffineY();
        if (sx.equals(tx)) {
            return sy.equals(ty) ? twice(s) : ECPoint.POINT_INFINITY;
        }
        BigInteger lambda = ty.subtract(sy).multiply(tx.subtract(sx).modInverse(p)).mod(p);
        BigInteger x = lambda.multiply(lambda).subtract(sx).subtract(tx).mod(p);
        BigInteger y = lambda.multiply(sx.subtract(x)).subtract(sy).mod(p);
        return new ECPoint(x, y);
    }

    private ECPoint twice(ECPoint s) {
        if (s == ECPoint.POINT_INFINITY || s.getAffineY().signum() == 0) {
            return ECPoint.POINT_INFINITY;
        }
        BigInteger x1 = s.getAffineX();
        BigInteger y1 = s.getAffineY();
        BigInteger lambda = THREE.multiply(x1).multiply(x1).add(a)
                .multiply(y1.shiftLeft(1).modInverse(p)).mod(p);
        BigInteger x = lambda.multiply(lambda).subtract(x1.shiftLeft(1)).mod(p);
        BigInteger y = lambda.multiply(x1.subtract(x)).subtract(y1).mod(p);
        return new ECPoint(x, y);
    }
}
