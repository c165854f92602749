package qsock.tls.jca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.spec.ECFieldFp;
import java.security.spec.ECPoint;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/** The point checks and arithmetic of our own, tested without the JCA (which has checks of its own). */
class EcCurveTest {

    @ParameterizedTest
    @EnumSource(EcCurve.class)
    void theGeneratorRoundTrips(EcCurve curve) throws TlsAlertException {
        ECPoint g = curve.params().getGenerator();
        byte[] encoded = curve.encodePoint(g);
        assertEquals(1 + 2 * curve.coordinateLength(), encoded.length);
        assertEquals(4, encoded[0]);
        assertEquals(g, curve.decodePoint(encoded));
    }

    @ParameterizedTest
    @EnumSource(EcCurve.class)
    void decodeRefusesPointsOffTheCurveAndOutOfRange(EcCurve curve) {
        ECPoint g = curve.params().getGenerator();
        BigInteger p = ((ECFieldFp) curve.params().getCurve().getField()).getP();
        assertRefused(curve, curve.encodePoint(new ECPoint(g.getAffineX(), g.getAffineY().add(BigInteger.ONE).mod(p))),
                "not on the curve");
        assertRefused(curve, curve.encodePoint(new ECPoint(BigInteger.ZERO, BigInteger.ZERO)), "not on the curve");
        // (x, y + p) is the generator modulo p, but not a field element: out of range, though "on" the curve.
        byte[] yPlusP = new byte[1 + 2 * curve.coordinateLength()];
        yPlusP[0] = 4;
        EcCurve.putFixed(g.getAffineX(), yPlusP, 1, curve.coordinateLength());
        BigInteger y = g.getAffineY().add(p);
        if (y.bitLength() <= 8 * curve.coordinateLength()) {
            EcCurve.putFixed(y, yPlusP, 1 + curve.coordinateLength(), curve.coordinateLength());
            assertRefused(curve, yPlusP, "out of range");
        }
        byte[] xIsP = curve.encodePoint(g);
        EcCurve.putFixed(p, xIsP, 1, curve.coordinateLength());
        assertRefused(curve, xIsP, "out of range");
        byte[] hybrid = curve.encodePoint(g);
        hybrid[0] = 6; // X9.62 hybrid form
        assertRefused(curve, hybrid, "not an uncompressed point");
    }

    @ParameterizedTest
    @EnumSource(EcCurve.class)
    void multiplyGeneratorAgreesWithTheGroupLaw(EcCurve curve) throws TlsAlertException {
        BigInteger n = curve.params().getOrder();
        ECPoint g = curve.params().getGenerator();
        assertEquals(g, curve.multiplyGenerator(BigInteger.ONE));
        ECPoint minusG = curve.multiplyGenerator(n.subtract(BigInteger.ONE));
        assertEquals(g.getAffineX(), minusG.getAffineX());
        BigInteger p = ((ECFieldFp) curve.params().getCurve().getField()).getP();
        assertEquals(p.subtract(g.getAffineY()), minusG.getAffineY());
        assertSame(ECPoint.POINT_INFINITY, curve.multiplyGenerator(n));
        // Every product lands on the curve.
        ECPoint q = curve.multiplyGenerator(BigInteger.valueOf(0xdecafbadL));
        assertEquals(q, curve.decodePoint(curve.encodePoint(q)));
    }

    @ParameterizedTest
    @EnumSource(EcCurve.class)
    void aCurveRecognisesOnlyItsOwnParameters(EcCurve curve) {
        for (EcCurve other : EcCurve.values()) {
            assertEquals(curve == other, curve.matches(other.params()));
        }
        assertSame(curve, EcCurve.of(curve.params()));
    }

    private static void assertRefused(EcCurve curve, byte[] encoded, String why) {
        TlsAlertException e = assertThrows(TlsAlertException.class, () -> curve.decodePoint(encoded));
        assertEquals(TlsAlert.ILLEGAL_PARAMETER, e.alert());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }
}
