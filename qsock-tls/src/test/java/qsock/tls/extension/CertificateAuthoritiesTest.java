package qsock.tls.extension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static qsock.tls.extension.ExtensionTestSupport.assertAlert;
import static qsock.tls.extension.ExtensionTestSupport.decodeExtensions;
import static qsock.tls.extension.ExtensionTestSupport.encode;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/** certificate_authorities (RFC 8446 §4.2.4): wire form, bounds and strict DER names. */
class CertificateAuthoritiesTest {

    private static final X500Principal CA = new X500Principal("CN=qsock test CA, O=qsock");
    private static final X500Principal OTHER = new X500Principal("CN=other");

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** {@return an extension with this authorities vector (its length included), in hex} */
    private static String extension(String authoritiesHex) {
        return String.format("002f%04x", authoritiesHex.length() / 2) + authoritiesHex;
    }

    /** {@return a vector holding these names, each as given in hex with its 16-bit length} */
    private static String vector(String... namesHex) {
        StringBuilder b = new StringBuilder();
        for (String n : namesHex) {
            b.append(String.format("%04x", n.length() / 2)).append(n);
        }
        return String.format("%04x", b.length() / 2) + b;
    }

    @Test
    void theWireFormIsAVectorOfLengthPrefixedDerNames() {
        CertificateAuthorities e = new CertificateAuthorities(List.of(CA, OTHER));
        assertEquals(extension(vector(hex(CA.getEncoded()), hex(OTHER.getEncoded()))), encode(e));
        assertEquals(47, e.typeCode());
    }

    @Test
    void itRoundTripsInTheClientHelloAndTheCertificateRequest() throws TlsAlertException {
        CertificateAuthorities e = new CertificateAuthorities(List.of(CA, OTHER));
        for (var context : List.of(ExtensionGenerators.CLIENT_HELLO, ExtensionGenerators.CERTIFICATE_REQUEST)) {
            assertEquals(List.of(e), decodeExtensions(context, encode(e)));
        }
    }

    @Test
    void itIsIllegalInOtherMessages() {
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(ExtensionGenerators.ENCRYPTED_EXTENSIONS,
                extension(vector(hex(CA.getEncoded())))));
    }

    @Test
    void anEmptyOrTooShortListIsADecodeError() {
        for (String v : List.of("0000", "000100", "00020001")) {
            assertAlert(TlsAlert.DECODE_ERROR,
                    () -> decodeExtensions(ExtensionGenerators.CERTIFICATE_REQUEST, extension(v)));
        }
    }

    @Test
    void anEmptyNameIsADecodeError() {
        assertAlert(TlsAlert.DECODE_ERROR,
                () -> decodeExtensions(ExtensionGenerators.CERTIFICATE_REQUEST, extension("000400000000")));
    }

    @Test
    void aNameThatIsNotExactlyOneDerNameIsADecodeError() {
        String der = hex(CA.getEncoded());
        // A trailing byte; the same Name with a BER long-form length; an OCTET STRING; a truncated Name.
        String longForm = "3081" + der.substring(2);
        for (String name : List.of(der + "00", longForm, "0403616263", der.substring(0, der.length() - 2))) {
            TlsAlertException e = assertAlert(TlsAlert.DECODE_ERROR,
                    () -> decodeExtensions(ExtensionGenerators.CERTIFICATE_REQUEST, extension(vector(name))));
            assertEquals(true, e.getMessage().contains("certificate_authorities"), e.getMessage());
        }
    }

    @Test
    void aNameLongerThanItsVectorIsADecodeError() {
        String der = hex(CA.getEncoded());
        String overrun = String.format("%04x", der.length() / 2 + 1) + der;
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(ExtensionGenerators.CERTIFICATE_REQUEST,
                extension(String.format("%04x", overrun.length() / 2) + overrun)));
    }

    @Test
    void theRecordRefusesAnEmptyListAndAListTooLongForTheExtension() {
        assertThrows(IllegalArgumentException.class, () -> new CertificateAuthorities(List.of()));
        List<X500Principal> many = new ArrayList<>();
        String cn = "x".repeat(60);
        for (int i = 0; CertificateAuthorities.encodedLength(many) <= CertificateAuthorities.MAX_AUTHORITIES_BYTES; i++) {
            many.add(new X500Principal("CN=" + cn + i));
        }
        assertThrows(IllegalArgumentException.class, () -> new CertificateAuthorities(many));
        many.removeLast();
        assertEquals(many, new CertificateAuthorities(many).authorities());
    }
}
