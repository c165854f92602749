package qsock.tls.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.tls.codec.Opaque;
import qsock.tls.extension.Cookie;
import qsock.tls.extension.EarlyDataIndication;
import qsock.tls.extension.Extension;
import qsock.tls.extension.KeyShareClientHello;
import qsock.tls.extension.KeyShareHelloRetryRequest;
import qsock.tls.extension.PreSharedKeyClientHello;
import qsock.tls.extension.PskIdentity;
import qsock.tls.extension.SignatureAlgorithms;
import qsock.tls.extension.SupportedVersionsClientHello;
import qsock.tls.extension.SupportedVersionsServerHello;
import qsock.tls.extension.Unknown;

/** Message records refuse what could not be sent and decoded back. */
class MessageRecordsTest {

    private static final Opaque RANDOM = Opaque.of(new byte[32]);
    private static final List<Integer> SUITES = List.of(0x1301);
    private static final List<Extension> CH_EXTENSIONS =
            List.of(SupportedVersionsClientHello.of(0x0304), KeyShareClientHello.of());

    @Test
    void clientHelloRefusesFieldsOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> ClientHello.of(Opaque.of(new byte[31]), Opaque.EMPTY, SUITES, CH_EXTENSIONS));
        assertThrows(IllegalArgumentException.class, () -> ClientHello.of(RANDOM, Opaque.of(new byte[33]), SUITES, CH_EXTENSIONS));
        assertThrows(IllegalArgumentException.class, () -> ClientHello.of(RANDOM, Opaque.EMPTY, List.of(), CH_EXTENSIONS));
        assertThrows(IllegalArgumentException.class, () -> ClientHello.of(RANDOM, Opaque.EMPTY, List.of(0x10000), CH_EXTENSIONS));
        assertThrows(IllegalArgumentException.class,
                () -> new ClientHello(0x0303, RANDOM, Opaque.EMPTY, SUITES, Opaque.EMPTY, CH_EXTENSIONS));
        assertThrows(IllegalArgumentException.class,
                () -> new ClientHello(0x10000, RANDOM, Opaque.EMPTY, SUITES, ClientHello.NULL_COMPRESSION, CH_EXTENSIONS));
    }

    @Test
    void clientHelloRefusesExtensionsRfc8446Forbids() {
        // Fewer than 8 bytes of extensions (RFC 8446 §4.1.2), a duplicate, a server's form, a PSK not last.
        assertThrows(IllegalArgumentException.class,
                () -> ClientHello.of(RANDOM, Opaque.EMPTY, SUITES, List.of(SupportedVersionsClientHello.of(0x0304))));
        assertThrows(IllegalArgumentException.class, () -> ClientHello.of(RANDOM, Opaque.EMPTY, SUITES,
                List.of(SupportedVersionsClientHello.of(0x0304), SupportedVersionsClientHello.of(0x0304))));
        assertThrows(IllegalArgumentException.class, () -> ClientHello.of(RANDOM, Opaque.EMPTY, SUITES,
                List.of(new SupportedVersionsServerHello(0x0304), new EarlyDataIndication())));
        PreSharedKeyClientHello psk = new PreSharedKeyClientHello(List.of(new PskIdentity(Opaque.fromHex("01"), 0)),
                List.of(Opaque.of(new byte[32])));
        assertThrows(IllegalArgumentException.class, () -> ClientHello.of(RANDOM, Opaque.EMPTY, SUITES,
                List.of(psk, SupportedVersionsClientHello.of(0x0304))));
        ClientHello ok = ClientHello.of(RANDOM, Opaque.EMPTY, SUITES, List.of(SupportedVersionsClientHello.of(0x0304), psk));
        assertSame(psk, ok.extension(PreSharedKeyClientHello.class).orElseThrow());
        assertEquals(List.of(), ClientHello.of(RANDOM, Opaque.EMPTY, SUITES, List.of()).extensions());
    }

    @Test
    void serverHelloChecksItsExtensionsByWhatItsRandomMakesIt() {
        List<Extension> retry = List.of(new SupportedVersionsServerHello(0x0304), new KeyShareHelloRetryRequest(0x17),
                new Cookie(Opaque.fromHex("01")));
        ServerHello hrr = ServerHello.helloRetryRequest(Opaque.EMPTY, 0x1301, retry);
        assertTrue(hrr.isHelloRetryRequest());
        assertEquals(new KeyShareHelloRetryRequest(0x17), hrr.extension(KeyShareHelloRetryRequest.class).orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> ServerHello.of(RANDOM, Opaque.EMPTY, 0x1301, retry));
        assertThrows(IllegalArgumentException.class,
                () -> ServerHello.of(RANDOM, Opaque.EMPTY, 0x1301, List.of(new Unknown(0xfafa, Opaque.EMPTY))));
        assertThrows(IllegalArgumentException.class,
                () -> new ServerHello(0x0303, RANDOM, Opaque.EMPTY, 0x1301, 256, List.of()));
        assertFalse(ServerHello.of(RANDOM, Opaque.EMPTY, 0x1301, List.of()).isHelloRetryRequest());
    }

    @Test
    void otherMessagesRefuseFieldsOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> new CertificateRequest(Opaque.EMPTY, List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new CertificateRequest(Opaque.of(new byte[256]), List.of(SignatureAlgorithms.of(0x0804))));
        assertThrows(IllegalArgumentException.class, () -> CertificateEntry.of(Opaque.EMPTY));
        assertThrows(IllegalArgumentException.class, () -> new CertificateEntry(Opaque.fromHex("30"),
                List.of(new EarlyDataIndication())));
        assertThrows(IllegalArgumentException.class, () -> new CertificateVerify(-1, Opaque.EMPTY));
        assertThrows(IllegalArgumentException.class, () -> new Finished(Opaque.EMPTY));
        assertThrows(IllegalArgumentException.class,
                () -> new NewSessionTicket(1L << 32, 0, Opaque.EMPTY, Opaque.fromHex("01"), List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new NewSessionTicket(0, 0, Opaque.EMPTY, Opaque.EMPTY, List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new EncryptedExtensions(List.of(new SupportedVersionsServerHello(0x0304))));
        assertThrows(NullPointerException.class, () -> new KeyUpdate(null));
    }

    @Test
    void certificateRefusesAMessageLongerThanA24BitLength() {
        CertificateEntry half = CertificateEntry.of(Opaque.of(new byte[0x80_0000]));
        assertThrows(IllegalArgumentException.class, () -> new Certificate(Opaque.EMPTY, List.of(half, half)));
        // Body: context length, list length, then one entry of 3 + cert + 2 bytes.
        CertificateEntry largest = CertificateEntry.of(Opaque.of(new byte[0xFF_FFFF - 4 - 5]));
        assertEquals(4 + 0xFF_FFFF, HandshakeCodec.encode(new Certificate(Opaque.EMPTY, List.of(largest))).length);
        CertificateEntry tooLarge = CertificateEntry.of(Opaque.of(new byte[0xFF_FFFF - 4 - 4]));
        assertThrows(IllegalArgumentException.class, () -> new Certificate(Opaque.EMPTY, List.of(tooLarge)));
    }

    @Test
    void typesAndTheirCodes() {
        assertEquals(HandshakeType.FINISHED, new Finished(Opaque.fromHex("01")).type());
        assertEquals(HandshakeType.KEY_UPDATE, new KeyUpdate(KeyUpdateRequest.UPDATE_REQUESTED).type());
        assertEquals(254, HandshakeType.MESSAGE_HASH.code());
        assertSame(HandshakeType.CERTIFICATE_VERIFY, HandshakeType.fromCode(15));
        assertNull(HandshakeType.fromCode(3));
        assertNull(HandshakeType.fromCode(256));
        assertEquals("client_hello(1)", HandshakeType.CLIENT_HELLO.toString());
        for (HandshakeType t : HandshakeType.values()) {
            assertSame(t, HandshakeType.fromCode(t.code()));
        }
        assertSame(KeyUpdateRequest.UPDATE_REQUESTED, KeyUpdateRequest.fromCode(1));
        assertNull(KeyUpdateRequest.fromCode(2));
    }
}
