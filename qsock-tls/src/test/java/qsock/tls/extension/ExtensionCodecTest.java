package qsock.tls.extension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.tls.extension.ExtensionGenerators.CERTIFICATE;
import static qsock.tls.extension.ExtensionGenerators.CERTIFICATE_REQUEST;
import static qsock.tls.extension.ExtensionGenerators.CLIENT_HELLO;
import static qsock.tls.extension.ExtensionGenerators.ENCRYPTED_EXTENSIONS;
import static qsock.tls.extension.ExtensionGenerators.HELLO_RETRY_REQUEST;
import static qsock.tls.extension.ExtensionGenerators.NEW_SESSION_TICKET;
import static qsock.tls.extension.ExtensionGenerators.SERVER_HELLO;
import static qsock.tls.extension.ExtensionTestSupport.assertAlert;
import static qsock.tls.extension.ExtensionTestSupport.decode;
import static qsock.tls.extension.ExtensionTestSupport.decodeExtensions;
import static qsock.tls.extension.ExtensionTestSupport.encode;

import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsReader;
import qsock.tls.message.HandshakeType;

/** Each extension's wire form in each message, and RFC 8446 §4.2's rules, on exact bytes. */
class ExtensionCodecTest {

    // A supported_versions of the ClientHello form, padding the blocks under test to the ClientHello's
    // minimum of 8 bytes (RFC 8446 §4.1.2).
    private static final String CH_VERSIONS = "002b0003020304";

    @Test
    void decodesTheClientHelloForms() throws TlsAlertException {
        List<Extension> ch = decodeExtensions(CLIENT_HELLO,
                "0000000b0009000006736572766572",
                "000a00060004001d0017",
                "000d0006000404030804",
                "0032000400020401",
                "0010000b0009" + "026833" + "0568712d3239",
                CH_VERSIONS,
                "003300260024001d0020" + "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c",
                "002d00020101",
                "002a0000",
                "002c0003000101",
                "0039000401020304");
        assertEquals(List.of(
                new ServerName("server"),
                SupportedGroups.of(0x001d, 0x0017),
                SignatureAlgorithms.of(0x0403, 0x0804),
                SignatureAlgorithmsCert.of(0x0401),
                ApplicationLayerProtocolNegotiation.of("h3", "hq-29"),
                SupportedVersionsClientHello.of(0x0304),
                KeyShareClientHello.of(new KeyShareEntry(0x001d,
                        Opaque.fromHex("99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c"))),
                PskKeyExchangeModes.of(PskKeyExchangeModes.PSK_DHE_KE),
                new EarlyDataIndication(),
                new Cookie(Opaque.fromHex("01")),
                new QuicTransportParameters(Opaque.fromHex("01020304"))), ch);
    }

    @Test
    void decodesAPreSharedKeyOfferAndMeasuresItsBinders() throws TlsAlertException {
        String binder = "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d";
        List<Extension> block = decodeExtensions(CLIENT_HELLO, CH_VERSIONS,
                "0029" + "0030" + "000b" + "0005" + "7469636b74" + "fad6aacb" + "0021" + "20" + binder);
        PreSharedKeyClientHello psk = Extensions.find(block, PreSharedKeyClientHello.class).orElseThrow();
        assertEquals(List.of(new PskIdentity(Opaque.fromHex("7469636b74"), 0xfad6aacbL)), psk.identities());
        assertEquals(List.of(Opaque.fromHex(binder)), psk.binders());
        assertEquals(2 + 1 + 32, psk.bindersLength());
    }

    @Test
    void decodesTheServerHelloForms() throws TlsAlertException {
        List<Extension> block = decodeExtensions(SERVER_HELLO,
                "00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f",
                "002b00020304",
                "002900020000");
        assertEquals(List.of(
                new KeyShareServerHello(new KeyShareEntry(0x001d,
                        Opaque.fromHex("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f"))),
                new SupportedVersionsServerHello(0x0304),
                new PreSharedKeyServerHello(0)), block);
    }

    @Test
    void decodesTheHelloRetryRequestForms() throws TlsAlertException {
        List<Extension> block = decodeExtensions(HELLO_RETRY_REQUEST, "003300020017", "002c00030001ff", "002b00020304");
        assertEquals(List.of(new KeyShareHelloRetryRequest(0x0017), new Cookie(Opaque.fromHex("ff")),
                new SupportedVersionsServerHello(0x0304)), block);
    }

    @Test
    void decodesTheEncryptedExtensionsForms() throws TlsAlertException {
        List<Extension> block = decodeExtensions(ENCRYPTED_EXTENSIONS,
                "00000000", "0010" + "0005" + "0003" + "026833", "002a0000", "001c00024001", "00390000");
        assertEquals(List.of(ServerName.ACKNOWLEDGEMENT, ApplicationLayerProtocolNegotiation.of("h3"),
                new EarlyDataIndication(), new Unknown(0x001c, Opaque.fromHex("4001")),
                new QuicTransportParameters(Opaque.EMPTY)), block);
    }

    @Test
    void decodesTheNewSessionTicketEarlyDataLimit() throws TlsAlertException {
        assertEquals(List.of(new EarlyDataNewSessionTicket(0x400)), decode(NEW_SESSION_TICKET, "0008002a000400000400"));
        assertEquals(List.of(new EarlyDataNewSessionTicket(0xffffffffL)),
                decode(NEW_SESSION_TICKET, "0008002a0004ffffffff"));
    }

    @Test
    void encodesEachFormAsItDecodes() {
        assertEquals("0000000b0009000006736572766572", encode(new ServerName("server")));
        assertEquals("00000000", encode(ServerName.ACKNOWLEDGEMENT));
        assertEquals("003300020017", encode(new KeyShareHelloRetryRequest(0x0017)));
        assertEquals("0033" + "0007" + "0005" + "0017" + "0001ff",
                encode(KeyShareClientHello.of(new KeyShareEntry(0x0017, Opaque.fromHex("ff")))));
        assertEquals("0033" + "0002" + "0000", encode(KeyShareClientHello.of()));
        assertEquals("002a0000", encode(new EarlyDataIndication()));
        assertEquals("002a0004ffffffff", encode(new EarlyDataNewSessionTicket(0xffffffffL)));
        assertEquals("002b00020304", encode(new SupportedVersionsServerHello(0x0304)));
        assertEquals("002b0003020304", encode(SupportedVersionsClientHello.of(0x0304)));
        assertEquals("002d0003020001", encode(PskKeyExchangeModes.of(0, 1)));
        assertEquals("fafa0000", encode(new Unknown(0xfafa, Opaque.EMPTY)));
        assertEquals("0039000101", encode(new QuicTransportParameters(Opaque.fromHex("01"))));
    }

    @Test
    void keepsUnparsedTypesAsUnknown() throws TlsAlertException {
        List<Extension> block = decodeExtensions(CLIENT_HELLO, "fafa0000", "0015" + "0003" + "000000", "ff01000100");
        assertEquals(List.of(new Unknown(0xfafa, Opaque.EMPTY), new Unknown(21, Opaque.fromHex("000000")),
                new Unknown(0xff01, Opaque.fromHex("00"))), block);
    }

    // RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type in a given extension block."
    @Test
    void refusesDuplicateTypes() {
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS, CH_VERSIONS));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(ENCRYPTED_EXTENSIONS, "fafa0000", "fafa0001ff"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(CERTIFICATE, "00050000", "00050000"));
    }

    // RFC 8446 §4.2: a recognised extension in a message the table does not list for it is illegal_parameter.
    @Test
    void refusesRecognisedTypesOutsideTheirMessages() {
        // key_share and supported_versions are ServerHello extensions, never EncryptedExtensions.
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(ENCRYPTED_EXTENSIONS, "002b00020304"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(ENCRYPTED_EXTENSIONS, "003300020017"));
        // cookie belongs to the HelloRetryRequest, not the ServerHello; pre_shared_key the other way round.
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(SERVER_HELLO, "002b00020304", "002c000100"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(HELLO_RETRY_REQUEST, "002b00020304", "002900020000"));
        // early_data is CH, EE, NST only; server_name is not a ServerHello extension.
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(CERTIFICATE_REQUEST, "002a0000"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(SERVER_HELLO, "002b00020304", "00000000"));
        // The table also holds for types kept as Unknown: padding is ClientHello only, oid_filters CR only.
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(ENCRYPTED_EXTENSIONS, "00150000"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS, "00300000"));
        // quic_transport_parameters travel in CH and EE only (RFC 9001 §8.2).
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(SERVER_HELLO, "002b00020304", "00390000"));
    }

    @Test
    void aMisplacedExtensionIsIllegalEvenIfItsDataIsMalformed() {
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(ENCRYPTED_EXTENSIONS, "002b0001ff"));
    }

    @Test
    void unknownTypesAreAllowedEverywhere() throws TlsAlertException {
        for (var c : ExtensionGenerators.CONTEXTS) {
            // Four bytes of data make the block 8 bytes long, the largest minimum (the ClientHello's).
            List<Extension> block = decodeExtensions(c, "fafa0004" + "00000000");
            assertEquals(List.of(new Unknown(0xfafa, Opaque.fromHex("00000000"))), block, c.toString());
        }
    }

    // RFC 8446 §4.2.11: "The "pre_shared_key" extension MUST be the last extension in the ClientHello".
    @Test
    void refusesAPreSharedKeyThatIsNotLastInTheClientHello() {
        String psk = "0029" + "002f" + "000a" + "0004" + "01020304" + "00000000" + "0021" + "20" + "00".repeat(32);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(CLIENT_HELLO, psk, CH_VERSIONS));
    }

    // RFC 8446 §4.2.11: the ServerHello's pre_shared_key may appear anywhere.
    @Test
    void acceptsTheServersPreSharedKeyAnywhere() throws TlsAlertException {
        assertEquals(2, decodeExtensions(SERVER_HELLO, "002900020001", "002b00020304").size());
    }

    @Test
    void refusesBindersThatDoNotMatchTheIdentities() {
        String identities = "0014" + "0004" + "01020304" + "00000000" + "0004" + "05060708" + "00000000";
        String oneBinder = "0021" + "20" + "00".repeat(32);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS,
                "0029" + String.format("%04x", (identities + oneBinder).length() / 2) + identities + oneBinder));
    }

    @Test
    void refusesMalformedPreSharedKeyVectors() {
        // A binder shorter than 32 bytes (PskBinderEntry<32..255>).
        String identities = "000a" + "0004" + "01020304" + "00000000";
        String shortBinder = "0020" + "1f" + "00".repeat(31);
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS,
                "0029" + String.format("%04x", (identities + shortBinder).length() / 2) + identities + shortBinder));
        // No identity at all (identities<7..2^16-1>).
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS,
                "0029" + "0025" + "0000" + "0021" + "20" + "00".repeat(32)));
    }

    // RFC 8446 §4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for the same group."
    @Test
    void refusesTwoKeySharesForOneGroup() {
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS,
                "0033000c000a" + "001d000101" + "001d000102"));
    }

    @Test
    void acceptsAnEmptyClientKeyShareList() throws TlsAlertException {
        List<Extension> block = decodeExtensions(CLIENT_HELLO, CH_VERSIONS, "003300020000");
        assertEquals(KeyShareClientHello.of(), Extensions.find(block, KeyShare.class).orElseThrow());
    }

    @Test
    void refusesAnEmptyKeyExchange() {
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(SERVER_HELLO, "002b00020304", "00330004001d0000"));
    }

    // RFC 6066 §3: server_name_list<1..2^16-1>, HostName<1..2^16-1>, one name per type, host_name only.
    @Test
    void enforcesTheServerNameRules() {
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS, "000000020000"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS, "0000" + "0005" + "0003" + "000000"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS,
                "0000000a0008" + "00000161" + "00000162"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS,
                "000000060004" + "01000161"));
        // A NUL or a space inside the name.
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS,
                "000000070005" + "0000026100"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS,
                "000000070005" + "0000026120"));
        // The server's acknowledgement is empty (RFC 6066 §3: "SHALL be empty").
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(ENCRYPTED_EXTENSIONS,
                "0000000b0009000006736572766572"));
    }

    // RFC 7301 §3.1: ProtocolName<1..2^8-1>, ProtocolNameList<2..2^16-1>, one name from the server.
    @Test
    void enforcesTheAlpnRules() {
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS, "001000020000"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS, "0010" + "0006" + "0004" + "026833" + "00"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS, "0010000400030268"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> decodeExtensions(ENCRYPTED_EXTENSIONS,
                "0010" + "0008" + "0006" + "026833" + "026832"));
    }

    @Test
    void decodesAlpnNamesAsOneCharacterPerByte() throws TlsAlertException {
        List<Extension> block = decodeExtensions(CLIENT_HELLO, CH_VERSIONS, "0010000500030200ff");
        assertEquals(ApplicationLayerProtocolNegotiation.of("\u0000\u00ff"),
                Extensions.find(block, ApplicationLayerProtocolNegotiation.class).orElseThrow());
    }

    @Test
    void refusesMalformedListsOfCodePoints() {
        // Odd length, empty list, and an empty versions list.
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS, "000a00050003001d00"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS, "000d00020000"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(CLIENT_HELLO, "002b000100", "fafa0000"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(CLIENT_HELLO, CH_VERSIONS, "002d000100"));
    }

    @Test
    void refusesBytesLeftOverInAnExtensionsData() {
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(SERVER_HELLO, "002b0003030400"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(ENCRYPTED_EXTENSIONS, "002a000100"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(HELLO_RETRY_REQUEST, "002b00020304", "00330003001700"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decodeExtensions(NEW_SESSION_TICKET, "002a0005ffffffff00"));
    }

    @Test
    void refusesTruncatedExtensions() {
        assertAlert(TlsAlert.DECODE_ERROR, () -> decode(ENCRYPTED_EXTENSIONS, "0003002a00"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decode(ENCRYPTED_EXTENSIONS, "0006002a00050000"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decode(ENCRYPTED_EXTENSIONS, "0010002a0000"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decode(SERVER_HELLO, "0006002b0002"));
    }

    // RFC 8446 §4.1.2, §4.1.3, §4.3.2, §4.6.1: each message's block has its own bounds.
    @Test
    void enforcesEachMessagesBlockBounds() throws TlsAlertException {
        assertAlert(TlsAlert.DECODE_ERROR, () -> decode(CLIENT_HELLO, "0007" + "002b0003020304"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decode(SERVER_HELLO, "0004" + "fafa0000"));
        assertAlert(TlsAlert.DECODE_ERROR, () -> decode(CERTIFICATE_REQUEST, "0000"));
        assertEquals(List.of(), decode(ENCRYPTED_EXTENSIONS, "0000"));
        assertEquals(List.of(), decode(CERTIFICATE, "0000"));
        assertEquals(List.of(), decode(NEW_SESSION_TICKET, "0000"));
        byte[] tooLong = new byte[2 + 0xFFFF];
        tooLong[0] = (byte) 0xff;
        tooLong[1] = (byte) 0xff;
        assertAlert(TlsAlert.DECODE_ERROR, () -> ExtensionCodec.decodeBlock(HandshakeType.NEW_SESSION_TICKET, false,
                TlsReader.of(tooLong)));
    }

    @Test
    void refusesContextsWithoutExtensions() {
        assertThrows(IllegalArgumentException.class,
                () -> ExtensionCodec.decodeBlock(HandshakeType.FINISHED, false, TlsReader.of(new byte[2])));
        assertThrows(IllegalArgumentException.class,
                () -> ExtensionCodec.decodeBlock(HandshakeType.ENCRYPTED_EXTENSIONS, true, TlsReader.of(new byte[2])));
        assertThrows(IllegalArgumentException.class, () -> ExtensionCodec.checkBlock(HandshakeType.KEY_UPDATE, false, List.of()));
    }

    @Test
    void checkBlockRefusesWhatDecodingRefuses() {
        assertThrows(IllegalArgumentException.class, () -> ExtensionCodec.checkBlock(HandshakeType.CLIENT_HELLO, false,
                List.of(SupportedVersionsClientHello.of(0x0304), SupportedVersionsClientHello.of(0x0303))));
        assertThrows(IllegalArgumentException.class, () -> ExtensionCodec.checkBlock(HandshakeType.ENCRYPTED_EXTENSIONS,
                false, List.of(new SupportedVersionsServerHello(0x0304))));
        assertThrows(IllegalArgumentException.class, () -> ExtensionCodec.checkBlock(HandshakeType.CLIENT_HELLO, false,
                List.of(ExtensionGenerators.offeredPsks(new java.util.SplittableRandom(1)),
                        SupportedVersionsClientHello.of(0x0304))));
        // The form must be the message's: a server's form in a ClientHello, a ClientHello's form in an HRR.
        assertThrows(IllegalArgumentException.class, () -> ExtensionCodec.checkBlock(HandshakeType.CLIENT_HELLO, false,
                List.of(new SupportedVersionsServerHello(0x0304))));
        assertThrows(IllegalArgumentException.class, () -> ExtensionCodec.checkBlock(HandshakeType.SERVER_HELLO, true,
                List.of(new KeyShareServerHello(new KeyShareEntry(0x17, Opaque.fromHex("04"))))));
        assertThrows(IllegalArgumentException.class, () -> ExtensionCodec.checkBlock(HandshakeType.SERVER_HELLO, false,
                List.of(new KeyShareHelloRetryRequest(0x17))));
        assertThrows(IllegalArgumentException.class, () -> ExtensionCodec.checkBlock(HandshakeType.CLIENT_HELLO, false,
                List.of(ServerName.ACKNOWLEDGEMENT)));
        assertThrows(IllegalArgumentException.class, () -> ExtensionCodec.checkBlock(HandshakeType.ENCRYPTED_EXTENSIONS,
                false, List.of(new ServerName("a"))));
        assertThrows(IllegalArgumentException.class, () -> ExtensionCodec.checkBlock(HandshakeType.ENCRYPTED_EXTENSIONS,
                false, List.of(ApplicationLayerProtocolNegotiation.of("h3", "h2"))));
        assertThrows(IllegalArgumentException.class, () -> ExtensionCodec.checkBlock(HandshakeType.ENCRYPTED_EXTENSIONS,
                false, List.of(new EarlyDataNewSessionTicket(0))));
        assertThrows(IllegalArgumentException.class, () -> ExtensionCodec.checkBlock(HandshakeType.NEW_SESSION_TICKET,
                false, List.of(new EarlyDataIndication())));
        assertThrows(IllegalArgumentException.class, () -> ExtensionCodec.checkBlock(HandshakeType.CERTIFICATE, false,
                List.of(new Unknown(21, Opaque.EMPTY))));
    }

    @Test
    void checkBlockRefusesABlockLongerThanItsLength() {
        List<Extension> big = List.of(new Unknown(0xfafa, Opaque.of(new byte[0xFFFF - 4])),
                new Unknown(0xfafb, Opaque.EMPTY));
        assertThrows(IllegalArgumentException.class, () -> ExtensionCodec.checkBlock(HandshakeType.ENCRYPTED_EXTENSIONS,
                false, big));
        // One extension of 4 + 65531 bytes fills a block exactly.
        assertEquals(2 + 0xFFFF, ExtensionCodec.blockLength(big.subList(0, 1)));
    }

    @Test
    void measuresBlocks() {
        assertEquals(2, ExtensionCodec.blockLength(List.of()));
        assertEquals(2 + 7, ExtensionCodec.blockLength(List.of(SupportedVersionsClientHello.of(0x0304))));
    }
}
