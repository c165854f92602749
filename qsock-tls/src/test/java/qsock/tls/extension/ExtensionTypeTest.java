package qsock.tls.extension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import qsock.tls.message.HandshakeType;

/** The placement table against RFC 8446 §4.2's, column by column, and the code points. */
class ExtensionTypeTest {

    private static Set<ExtensionType> allowedIn(HandshakeType message, boolean hrr) {
        Set<ExtensionType> out = EnumSet.noneOf(ExtensionType.class);
        for (ExtensionType t : ExtensionType.values()) {
            if (t.allowedIn(message, hrr)) {
                out.add(t);
            }
        }
        return out;
    }

    @Test
    void theServerHelloColumnIsPreSharedKeySupportedVersionsAndKeyShare() {
        assertEquals(EnumSet.of(ExtensionType.PRE_SHARED_KEY, ExtensionType.SUPPORTED_VERSIONS, ExtensionType.KEY_SHARE),
                allowedIn(HandshakeType.SERVER_HELLO, false));
    }

    @Test
    void theHelloRetryRequestColumnIsCookieSupportedVersionsAndKeyShare() {
        assertEquals(EnumSet.of(ExtensionType.COOKIE, ExtensionType.SUPPORTED_VERSIONS, ExtensionType.KEY_SHARE),
                allowedIn(HandshakeType.SERVER_HELLO, true));
    }

    @Test
    void theCertificateColumnIsStatusRequestAndSignedCertificateTimestamp() {
        assertEquals(EnumSet.of(ExtensionType.STATUS_REQUEST, ExtensionType.SIGNED_CERTIFICATE_TIMESTAMP),
                allowedIn(HandshakeType.CERTIFICATE, false));
    }

    @Test
    void theCertificateRequestColumn() {
        assertEquals(EnumSet.of(ExtensionType.STATUS_REQUEST, ExtensionType.SIGNATURE_ALGORITHMS,
                ExtensionType.SIGNED_CERTIFICATE_TIMESTAMP, ExtensionType.CERTIFICATE_AUTHORITIES,
                ExtensionType.OID_FILTERS, ExtensionType.SIGNATURE_ALGORITHMS_CERT),
                allowedIn(HandshakeType.CERTIFICATE_REQUEST, false));
    }

    @Test
    void theNewSessionTicketColumnIsEarlyData() {
        assertEquals(EnumSet.of(ExtensionType.EARLY_DATA), allowedIn(HandshakeType.NEW_SESSION_TICKET, false));
    }

    @Test
    void theEncryptedExtensionsColumnIncludesQuicTransportParameters() {
        assertEquals(EnumSet.of(ExtensionType.SERVER_NAME, ExtensionType.MAX_FRAGMENT_LENGTH,
                ExtensionType.SUPPORTED_GROUPS, ExtensionType.USE_SRTP, ExtensionType.HEARTBEAT,
                ExtensionType.APPLICATION_LAYER_PROTOCOL_NEGOTIATION, ExtensionType.CLIENT_CERTIFICATE_TYPE,
                ExtensionType.SERVER_CERTIFICATE_TYPE, ExtensionType.EARLY_DATA,
                ExtensionType.QUIC_TRANSPORT_PARAMETERS), allowedIn(HandshakeType.ENCRYPTED_EXTENSIONS, false));
    }

    @Test
    void theClientHelloColumnIsAllButOidFilters() {
        Set<ExtensionType> all = EnumSet.allOf(ExtensionType.class);
        all.remove(ExtensionType.OID_FILTERS);
        assertEquals(all, allowedIn(HandshakeType.CLIENT_HELLO, false));
    }

    @Test
    void noTypeIsAllowedInMessagesWithoutExtensions() {
        for (HandshakeType m : EnumSet.of(HandshakeType.FINISHED, HandshakeType.KEY_UPDATE,
                HandshakeType.CERTIFICATE_VERIFY, HandshakeType.END_OF_EARLY_DATA)) {
            assertTrue(allowedIn(m, false).isEmpty(), m.toString());
        }
        assertFalse(ExtensionType.COOKIE.allowedIn(HandshakeType.ENCRYPTED_EXTENSIONS, true));
    }

    @Test
    void codePointsMatchTheRegistry() {
        assertEquals(0, ExtensionType.SERVER_NAME.code());
        assertEquals(16, ExtensionType.APPLICATION_LAYER_PROTOCOL_NEGOTIATION.code());
        assertEquals(41, ExtensionType.PRE_SHARED_KEY.code());
        assertEquals(51, ExtensionType.KEY_SHARE.code());
        assertEquals(0x39, ExtensionType.QUIC_TRANSPORT_PARAMETERS.code());
        for (ExtensionType t : ExtensionType.values()) {
            assertSame(t, ExtensionType.fromCode(t.code()));
        }
        assertNull(ExtensionType.fromCode(0xffa5));
        assertNull(ExtensionType.fromCode(-1));
        assertNull(ExtensionType.fromCode(2));
        assertEquals("key_share(51)", ExtensionType.KEY_SHARE.toString());
    }
}
