package qsock.tls.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static qsock.tls.message.MessageTestSupport.assertAlert;
import static qsock.tls.message.MessageTestSupport.decodeBody;
import static qsock.tls.message.MessageTestSupport.hex;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.extension.ApplicationLayerProtocolNegotiation;
import qsock.tls.extension.SignatureAlgorithms;
import qsock.tls.extension.Unknown;

/** Each message's wire form and the rules its decoding enforces, on exact bytes. */
class HandshakeCodecTest {

    private static final String RANDOM = "00".repeat(32);
    // A ClientHello body up to its extensions: legacy_version, random, empty session id, one suite, null compression.
    private static final String CH_HEAD = "0303" + RANDOM + "00" + "00021301" + "0100";
    // A ClientHello extension block of exactly the 8-byte minimum: supported_versions and an empty early_data.
    private static final String CH_EXTENSIONS = "000b" + "002b0003020304" + "002a0000";
    private static final String SH_HEAD = "0303" + RANDOM + "00" + "1301" + "00";

    @Test
    void encodesTheHeaderAndBody() {
        assertEquals("05000000", hex(HandshakeCodec.encode(new EndOfEarlyData())));
        assertEquals("1800000101", hex(HandshakeCodec.encode(new KeyUpdate(KeyUpdateRequest.UPDATE_REQUESTED))));
        assertEquals("14000003010203", hex(HandshakeCodec.encode(new Finished(Opaque.fromHex("010203")))));
        assertEquals("0f000006" + "0804" + "0002abcd",
                hex(HandshakeCodec.encode(new CertificateVerify(0x0804, Opaque.fromHex("abcd")))));
        assertEquals("08000002" + "0000", hex(HandshakeCodec.encode(new EncryptedExtensions(List.of()))));
        assertEquals("0b00000a" + "00" + "000006" + "000001" + "ff" + "0000",
                hex(HandshakeCodec.encode(new Certificate(Opaque.EMPTY, List.of(CertificateEntry.of(Opaque.fromHex("ff")))))));
        assertEquals("0d00000c" + "0101" + "0008" + "000d00040002" + "0804",
                hex(HandshakeCodec.encode(new CertificateRequest(Opaque.fromHex("01"), List.of(SignatureAlgorithms.of(0x0804))))));
        assertEquals("0400000e" + "0000001e" + "00000001" + "00" + "0001aa" + "0000",
                hex(HandshakeCodec.encode(new NewSessionTicket(30, 1, Opaque.EMPTY, Opaque.fromHex("aa"), List.of()))));
    }

    @Test
    void decodingNeitherMovesNorKeepsTheBody() throws TlsAlertException {
        byte[] bytes = HexFormat.of().parseHex("0f000006" + "0804" + "0002abcd");
        ByteBuffer body = ByteBuffer.wrap(bytes, 4, 6);
        CertificateVerify cv = (CertificateVerify) HandshakeCodec.decode(15, body, 0);
        assertEquals(4, body.position());
        bytes[8] = 0;
        assertEquals(Opaque.fromHex("abcd"), cv.signature());
        assertEquals(cv, HandshakeCodec.decode(FramedMessage.of(ByteBuffer.wrap(HexFormat.of().parseHex(
                "0f000006" + "0804" + "0002abcd"))), 0));
    }

    // RFC 8446 §4: a message of a type TLS 1.3 does not define is never expected.
    @Test
    void refusesTypesThatAreNotTls13Messages() {
        for (int type : new int[] {0, 3, 6, 12, 16, 25, 67, 253, 255}) {
            assertAlert(TlsAlert.UNEXPECTED_MESSAGE, () -> HandshakeCodec.decode(type, ByteBuffer.allocate(0), 32));
        }
    }

    // RFC 8446 §4.4.1: message_hash exists only inside the transcript.
    @Test
    void refusesAMessageHashOnTheWire() {
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, () -> decodeBody(HandshakeType.MESSAGE_HASH, "00".repeat(32)));
    }

    @Test
    void encodesTheMessageHashForTheTranscript() {
        assertEquals("fe000003" + "010203", hex(HandshakeCodec.messageHash(new byte[] {1, 2, 3})));
        assertThrows(IllegalArgumentException.class, () -> HandshakeCodec.messageHash(new byte[256]));
    }

    // RFC 8446 §4.4.4: verify_data is exactly Hash.length bytes.
    @Test
    void readsFinishedWithTheLengthItIsTold() throws TlsAlertException {
        ByteBuffer body48 = ByteBuffer.allocate(48);
        assertEquals(48, ((Finished) HandshakeCodec.decode(20, body48, 48)).verifyData().length());
        assertAlert(TlsAlert.DECODE_ERROR, () -> HandshakeCodec.decode(20, ByteBuffer.allocate(48), 32));
        assertAlert(TlsAlert.DECODE_ERROR, () -> HandshakeCodec.decode(20, ByteBuffer.allocate(31), 32));
        assertAlert(TlsAlert.DECODE_ERROR, () -> HandshakeCodec.decode(20, ByteBuffer.allocate(0), 32));
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, () -> HandshakeCodec.decode(20, ByteBuffer.allocate(32), 0));
        assertThrows(IllegalArgumentException.class, () -> HandshakeCodec.decode(20, ByteBuffer.allocate(32), -1));
        assertThrows(IllegalArgumentException.class, () -> HandshakeCodec.decode(20, ByteBuffer.allocate(32), 256));
    }

    // RFC 8446 §4.6.3: a request_update other than 0 or 1 is illegal_parameter.
    @Test
    void enforcesTheKeyUpdateValues() throws TlsAlertException {
        assertEquals(new KeyUpdate(KeyUpdateRequest.UPDATE_NOT_REQUESTED), decodeBody(HandshakeType.KEY_UPDATE, "00"));
        assertEquals(new KeyUpdate(KeyUpdateRequest.UPDATE_REQUESTED), decodeBody(HandshakeType.KEY_UPDATE, "01"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeBody(HandshakeType.KEY_UPDATE, "02"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeBody(HandshakeType.KEY_UPDATE, "ff"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.KEY_UPDATE, ""));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.KEY_UPDATE, "0100"));
    }

    @Test
    void endOfEarlyDataIsEmpty() throws TlsAlertException {
        assertEquals(new EndOfEarlyData(), decodeBody(HandshakeType.END_OF_EARLY_DATA, ""));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.END_OF_EARLY_DATA, "00"));
    }

    @Test
    void reportsTheClientHellosLegacyFieldsAsReceived() throws TlsAlertException {
        ClientHello ch = (ClientHello) decodeBody(HandshakeType.CLIENT_HELLO,
                "0301" + RANDOM + "03aabbcc" + "00021301" + "020001" + CH_EXTENSIONS);
        assertEquals(0x0301, ch.legacyVersion());
        assertEquals(Opaque.fromHex("aabbcc"), ch.legacySessionId());
        assertEquals(Opaque.fromHex("0001"), ch.legacyCompressionMethods());
    }

    // RFC 8446 §4.1.2: legacy_session_id<0..32>, cipher_suites<2..2^16-2>, legacy_compression_methods<1..2^8-1>.
    @Test
    void enforcesTheClientHellosVectorBounds() {
        String tail = "00021301" + "0100" + CH_EXTENSIONS;
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.CLIENT_HELLO,
                "0303" + RANDOM + "21" + "00".repeat(33) + tail));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.CLIENT_HELLO,
                "0303" + RANDOM + "00" + "0000" + "0100" + CH_EXTENSIONS));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.CLIENT_HELLO,
                "0303" + RANDOM + "00" + "000313011302" + "0100" + CH_EXTENSIONS));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.CLIENT_HELLO,
                "0303" + RANDOM + "00" + "00021301" + "00" + CH_EXTENSIONS));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.CLIENT_HELLO, "0303" + "00".repeat(31)));
    }

    // RFC 8446 §4.1.2: a ClientHello without an extensions field comes from an older TLS; it decodes with none.
    @Test
    void acceptsAClientHelloWithoutAnExtensionsField() throws TlsAlertException {
        ClientHello ch = (ClientHello) decodeBody(HandshakeType.CLIENT_HELLO, CH_HEAD);
        assertEquals(List.of(), ch.extensions());
        assertEquals("010000" + String.format("%02x", CH_HEAD.length() / 2) + CH_HEAD, hex(HandshakeCodec.encode(ch)));
    }

    @Test
    void refusesAClientHelloExtensionsFieldShorterThanEightBytes() {
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.CLIENT_HELLO, CH_HEAD + "0000"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.CLIENT_HELLO, CH_HEAD + "0004fafa0000"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.CLIENT_HELLO, CH_HEAD + "00"));
    }

    @Test
    void refusesBytesAfterTheExtensions() {
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.CLIENT_HELLO, CH_HEAD + CH_EXTENSIONS + "00"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.SERVER_HELLO, SH_HEAD + "0006002b00020304" + "ff"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.ENCRYPTED_EXTENSIONS, "0000" + "00"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.CERTIFICATE_VERIFY, "08040000" + "00"));
    }

    @Test
    void decodesTheClientHellosExtensionsByTheClientHelloRules() {
        // A ServerHello-only form (selected_version) where the ClientHello's list is expected.
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.CLIENT_HELLO,
                CH_HEAD + "000a" + "002b00020304" + "fafa0000"));
        // oid_filters is a CertificateRequest extension.
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeBody(HandshakeType.CLIENT_HELLO,
                CH_HEAD + "000b" + "002b0003020304" + "00300000"));
    }

    @Test
    void decodesAServerHelloWithTheSpecialRandomByTheHelloRetryRequestRules() throws TlsAlertException {
        String hrrHead = "0303" + ServerHello.HELLO_RETRY_REQUEST_RANDOM.toHex() + "00" + "1301" + "00";
        ServerHello hrr = (ServerHello) decodeBody(HandshakeType.SERVER_HELLO,
                hrrHead + "000c" + "002b00020304" + "003300020017");
        assertEquals(true, hrr.isHelloRetryRequest());
        // A ServerHello's key_share form is malformed in a HelloRetryRequest, and pre_shared_key is not allowed.
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.SERVER_HELLO,
                hrrHead + "000f" + "002b00020304" + "00330005001d000101"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeBody(HandshakeType.SERVER_HELLO,
                hrrHead + "000c" + "002b00020304" + "002900020000"));
        // And the other way round: a cookie in a plain ServerHello.
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeBody(HandshakeType.SERVER_HELLO,
                SH_HEAD + "000d" + "002b00020304" + "002c00030001ff"));
    }

    @Test
    void enforcesTheServerHellosSyntax() throws TlsAlertException {
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.SERVER_HELLO,
                "0303" + RANDOM + "21" + "00".repeat(33) + "1301" + "00" + "0006002b00020304"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.SERVER_HELLO, "0303" + RANDOM + "00" + "13"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.SERVER_HELLO, SH_HEAD + "0004fafa0000"));
        ServerHello old = (ServerHello) decodeBody(HandshakeType.SERVER_HELLO, SH_HEAD);
        assertEquals(List.of(), old.extensions());
    }

    // RFC 8446 §4.3.1: the client must refuse forbidden extensions in EncryptedExtensions with illegal_parameter.
    @Test
    void refusesForbiddenExtensionsInEncryptedExtensions() {
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeBody(HandshakeType.ENCRYPTED_EXTENSIONS,
                "0006" + "002b00020304"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeBody(HandshakeType.ENCRYPTED_EXTENSIONS,
                "0008" + "0033000400170000"));
    }

    @Test
    void decodesCertificateEntriesAndTheirExtensions() throws TlsAlertException {
        Certificate c = (Certificate) decodeBody(HandshakeType.CERTIFICATE,
                "00" + "000012" + "000002" + "3000" + "0004" + "00120000" + "000002" + "3001" + "0000");
        assertEquals(2, c.certificateList().size());
        assertEquals(List.of(new Unknown(18, Opaque.EMPTY)), c.certificateList().getFirst().extensions());
        assertEquals(Opaque.fromHex("3001"), c.certificateList().get(1).certData());
        // key_share is not a Certificate extension; an empty cert_data is malformed; and so is a short list.
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeBody(HandshakeType.CERTIFICATE,
                "00" + "00000c" + "000001" + "30" + "0006" + "003300020017"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.CERTIFICATE, "00" + "000005" + "000000" + "0000"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.CERTIFICATE, "00" + "000007" + "000001" + "30" + "0000"));
        assertEquals(List.of(), ((Certificate) decodeBody(HandshakeType.CERTIFICATE, "00000000")).certificateList());
    }

    // RFC 8446 §4.3.2: Extension extensions<2..2^16-1>.
    @Test
    void refusesACertificateRequestWithoutExtensions() throws TlsAlertException {
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.CERTIFICATE_REQUEST, "00" + "0000"));
        CertificateRequest cr = (CertificateRequest) decodeBody(HandshakeType.CERTIFICATE_REQUEST,
                "00" + "0008" + "000d000400020804");
        assertEquals(SignatureAlgorithms.of(0x0804), cr.extension(SignatureAlgorithms.class).orElseThrow());
    }

    // RFC 8446 §4.6.1: ticket<1..2^16-1>, ticket_nonce<0..255>, extensions<0..2^16-2>.
    @Test
    void enforcesTheNewSessionTicketsSyntax() {
        String head = "0000001e" + "00000001" + "00";
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.NEW_SESSION_TICKET, head + "0000" + "0000"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.NEW_SESSION_TICKET,
                head + "0001aa" + "0007" + "002a0003000000"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeBody(HandshakeType.NEW_SESSION_TICKET,
                head + "0001aa" + "0006" + "002b00020304"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeBody(HandshakeType.NEW_SESSION_TICKET, "0000001e"));
    }

    @Test
    void keepsAnAlpnChoiceOfExactlyOneProtocol() throws TlsAlertException {
        EncryptedExtensions ee = (EncryptedExtensions) decodeBody(HandshakeType.ENCRYPTED_EXTENSIONS,
                "0009" + "001000050003026833");
        assertEquals(List.of("h3"), ee.extension(ApplicationLayerProtocolNegotiation.class).orElseThrow().protocols());
        assertInstanceOf(EncryptedExtensions.class, ee);
    }
}
