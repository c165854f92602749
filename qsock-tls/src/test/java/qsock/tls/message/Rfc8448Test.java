package qsock.tls.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.tls.message.Rfc8448.bytes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.HashFunction;
import qsock.core.crypto.Hkdf;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.extension.Cookie;
import qsock.tls.extension.EarlyDataIndication;
import qsock.tls.extension.EarlyDataNewSessionTicket;
import qsock.tls.extension.Extension;
import qsock.tls.extension.KeyShareClientHello;
import qsock.tls.extension.KeyShareEntry;
import qsock.tls.extension.KeyShareHelloRetryRequest;
import qsock.tls.extension.KeyShareServerHello;
import qsock.tls.extension.PreSharedKeyClientHello;
import qsock.tls.extension.PreSharedKeyServerHello;
import qsock.tls.extension.PskIdentity;
import qsock.tls.extension.PskKeyExchangeModes;
import qsock.tls.extension.ServerName;
import qsock.tls.extension.SignatureAlgorithms;
import qsock.tls.extension.SupportedGroups;
import qsock.tls.extension.SupportedVersionsClientHello;
import qsock.tls.extension.SupportedVersionsServerHello;
import qsock.tls.extension.Unknown;

/**
 * RFC 8448's handshakes, byte for byte: the fixtures are first proven to be the RFC's (their transcript
 * hashes and the server's Finished match the published values), then each decodes to the fields the trace
 * describes and encodes back to the same bytes.
 */
class Rfc8448Test {

    private static final int SHA256_LENGTH = 32;
    private static final Opaque X25519_CLIENT_SHARE =
            Opaque.fromHex("99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c");
    private static final Opaque X25519_SERVER_SHARE =
            Opaque.fromHex("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f");
    private static final List<Integer> GROUPS =
            List.of(0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104);
    private static final SignatureAlgorithms SCHEMES = SignatureAlgorithms.of(0x0403, 0x0503, 0x0603, 0x0203,
            0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202);
    // record_size_limit (RFC 8449) of 0x4001 and renegotiation_info (RFC 5746): types this codec keeps as Unknown.
    private static final Unknown RECORD_SIZE_LIMIT = new Unknown(0x001c, Opaque.fromHex("4001"));
    private static final Unknown RENEGOTIATION_INFO = new Unknown(0xff01, Opaque.fromHex("00"));

    private static byte[] sha256(String... hexMessages) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        for (String m : hexMessages) {
            d.update(bytes(m));
        }
        return d.digest();
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static HandshakeMessage decode(String hex) throws TlsAlertException {
        return HandshakeCodec.decode(FramedMessage.of(ByteBuffer.wrap(bytes(hex))), SHA256_LENGTH);
    }

    /** Decodes, checks the type, and checks that the message encodes back to exactly the same bytes. */
    private static <T extends HandshakeMessage> T roundTrip(String hex, Class<T> type) throws TlsAlertException {
        T m = assertInstanceOf(type, decode(hex));
        assertEquals(hex, hex(HandshakeCodec.encode(m)));
        return m;
    }

    // The fixtures are the RFC's: SHA-256 over them gives the transcript hashes RFC 8448 prints.

    @Test
    void theSimpleHandshakeFixturesHaveTheRfcsTranscriptHashes() throws Exception {
        assertEquals(Rfc8448.HASH_HELLOS, hex(sha256(Rfc8448.CLIENT_HELLO, Rfc8448.SERVER_HELLO)));
        assertEquals(Rfc8448.HASH_THROUGH_SERVER_FINISHED, hex(sha256(Rfc8448.CLIENT_HELLO, Rfc8448.SERVER_HELLO,
                Rfc8448.ENCRYPTED_EXTENSIONS, Rfc8448.CERTIFICATE, Rfc8448.CERTIFICATE_VERIFY,
                Rfc8448.SERVER_FINISHED)));
        assertEquals(Rfc8448.HASH_THROUGH_CLIENT_FINISHED, hex(sha256(Rfc8448.CLIENT_HELLO, Rfc8448.SERVER_HELLO,
                Rfc8448.ENCRYPTED_EXTENSIONS, Rfc8448.CERTIFICATE, Rfc8448.CERTIFICATE_VERIFY,
                Rfc8448.SERVER_FINISHED, Rfc8448.CLIENT_FINISHED)));
    }

    @Test
    void theServersFinishedIsTheHmacOfTheTranscriptThroughCertificateVerify() throws Exception {
        // RFC 8446 §4.4.4: finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length).
        byte[] finishedKey = Hkdf.expandLabel(HashFunction.SHA256, bytes(Rfc8448.SERVER_HANDSHAKE_TRAFFIC_SECRET),
                "finished", SHA256_LENGTH);
        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(finishedKey, "HmacSHA256"));
        byte[] verifyData = hmac.doFinal(sha256(Rfc8448.CLIENT_HELLO, Rfc8448.SERVER_HELLO,
                Rfc8448.ENCRYPTED_EXTENSIONS, Rfc8448.CERTIFICATE, Rfc8448.CERTIFICATE_VERIFY));
        Finished f = roundTrip(Rfc8448.SERVER_FINISHED, Finished.class);
        assertTrue(f.verifyData().contentEqualsConstantTime(verifyData));
    }

    @Test
    void theResumedClientHelloPrefixHasTheRfcsBinderHash() throws Exception {
        assertEquals(Rfc8448.HASH_TRUNCATED_CLIENT_HELLO, hex(sha256(Rfc8448.RESUMED_CLIENT_HELLO_PREFIX)));
    }

    @Test
    void theRetryFixturesHaveTheRfcsTranscriptHash() throws Exception {
        // RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash(Hash(ClientHello1)).
        byte[] messageHash = HandshakeCodec.messageHash(sha256(Rfc8448.RETRY_CLIENT_HELLO_1));
        assertEquals("fe000020", hex(Arrays.copyOf(messageHash, 4)));
        assertEquals(Rfc8448.HASH_RETRY_HELLOS, hex(sha256(hex(messageHash), Rfc8448.HELLO_RETRY_REQUEST,
                Rfc8448.RETRY_CLIENT_HELLO_2, Rfc8448.RETRY_SERVER_HELLO)));
    }

    @Test
    void theHelloRetryRequestRandomIsTheSha256OfItsName() throws Exception {
        byte[] expected = MessageDigest.getInstance("SHA-256").digest("HelloRetryRequest".getBytes(StandardCharsets.US_ASCII));
        assertTrue(ServerHello.HELLO_RETRY_REQUEST_RANDOM.contentEqualsConstantTime(expected));
    }

    // Each message decodes to the trace's fields and encodes back to the same bytes.

    @Test
    void decodesTheClientHello() throws TlsAlertException {
        ClientHello ch = roundTrip(Rfc8448.CLIENT_HELLO, ClientHello.class);
        assertEquals(ClientHello.LEGACY_VERSION, ch.legacyVersion());
        assertEquals(Opaque.fromHex("cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"), ch.random());
        assertEquals(Opaque.EMPTY, ch.legacySessionId());
        assertEquals(List.of(0x1301, 0x1303, 0x1302), ch.cipherSuites());
        assertEquals(ClientHello.NULL_COMPRESSION, ch.legacyCompressionMethods());
        assertEquals(List.of(
                new ServerName("server"),
                RENEGOTIATION_INFO,
                new SupportedGroups(GROUPS),
                new Unknown(0x0023, Opaque.EMPTY),
                KeyShareClientHello.of(new KeyShareEntry(0x001d, X25519_CLIENT_SHARE)),
                SupportedVersionsClientHello.of(0x0304),
                SCHEMES,
                PskKeyExchangeModes.of(PskKeyExchangeModes.PSK_DHE_KE),
                RECORD_SIZE_LIMIT), ch.extensions());
        assertEquals(X25519_CLIENT_SHARE,
                ch.extension(KeyShareClientHello.class).orElseThrow().find(0x001d).orElseThrow().keyExchange());
    }

    @Test
    void buildsTheClientHelloFromItsFields() {
        ClientHello built = ClientHello.of(
                Opaque.fromHex("cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"), Opaque.EMPTY,
                List.of(0x1301, 0x1303, 0x1302),
                List.of(new ServerName("server"), RENEGOTIATION_INFO, new SupportedGroups(GROUPS),
                        new Unknown(0x0023, Opaque.EMPTY),
                        KeyShareClientHello.of(new KeyShareEntry(0x001d, X25519_CLIENT_SHARE)),
                        SupportedVersionsClientHello.of(0x0304), SCHEMES, PskKeyExchangeModes.of(1), RECORD_SIZE_LIMIT));
        assertEquals(Rfc8448.CLIENT_HELLO, hex(HandshakeCodec.encode(built)));
    }

    @Test
    void decodesTheServerHello() throws TlsAlertException {
        ServerHello sh = roundTrip(Rfc8448.SERVER_HELLO, ServerHello.class);
        assertFalse(sh.isHelloRetryRequest());
        assertEquals(0x0303, sh.legacyVersion());
        assertEquals(Opaque.fromHex("a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928"), sh.random());
        assertEquals(Opaque.EMPTY, sh.legacySessionIdEcho());
        assertEquals(0x1301, sh.cipherSuite());
        assertEquals(0, sh.legacyCompressionMethod());
        assertEquals(List.of(new KeyShareServerHello(new KeyShareEntry(0x001d, X25519_SERVER_SHARE)),
                new SupportedVersionsServerHello(0x0304)), sh.extensions());
        assertEquals(sh, ServerHello.of(sh.random(), Opaque.EMPTY, 0x1301, sh.extensions()));
    }

    @Test
    void decodesTheEncryptedExtensions() throws TlsAlertException {
        EncryptedExtensions ee = roundTrip(Rfc8448.ENCRYPTED_EXTENSIONS, EncryptedExtensions.class);
        assertEquals(List.of(new SupportedGroups(GROUPS), RECORD_SIZE_LIMIT, ServerName.ACKNOWLEDGEMENT),
                ee.extensions());
        assertTrue(ee.extension(ServerName.class).orElseThrow().isAcknowledgement());
    }

    @Test
    void decodesTheCertificate() throws TlsAlertException {
        Certificate c = roundTrip(Rfc8448.CERTIFICATE, Certificate.class);
        assertEquals(Opaque.EMPTY, c.certificateRequestContext());
        assertEquals(1, c.certificateList().size());
        CertificateEntry leaf = c.certificateList().getFirst();
        assertEquals(432, leaf.certData().length());
        assertEquals("308201ac", leaf.certData().toHex().substring(0, 8));
        assertEquals(List.of(), leaf.extensions());
    }

    @Test
    void decodesTheCertificateVerify() throws TlsAlertException {
        CertificateVerify cv = roundTrip(Rfc8448.CERTIFICATE_VERIFY, CertificateVerify.class);
        assertEquals(0x0804, cv.algorithm());
        assertEquals(128, cv.signature().length());
        assertEquals("5a747c5d", cv.signature().toHex().substring(0, 8));
    }

    @Test
    void decodesTheClientFinished() throws TlsAlertException {
        assertEquals(Opaque.fromHex("a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61"),
                roundTrip(Rfc8448.CLIENT_FINISHED, Finished.class).verifyData());
    }

    @Test
    void decodesTheNewSessionTicket() throws TlsAlertException {
        NewSessionTicket t = roundTrip(Rfc8448.NEW_SESSION_TICKET, NewSessionTicket.class);
        assertEquals(30, t.ticketLifetime());
        assertEquals(0xfad6aac5L, t.ticketAgeAdd());
        assertEquals(Opaque.fromHex("0000"), t.ticketNonce());
        assertEquals(178, t.ticket().length());
        assertEquals(List.of(new EarlyDataNewSessionTicket(1024)), t.extensions());
    }

    @Test
    void decodesTheResumedClientHelloAndCutsItAtItsBinders() throws Exception {
        ClientHello ch = roundTrip(Rfc8448.RESUMED_CLIENT_HELLO, ClientHello.class);
        NewSessionTicket ticket = (NewSessionTicket) decode(Rfc8448.NEW_SESSION_TICKET);
        List<Extension> extensions = ch.extensions();
        PreSharedKeyClientHello psk = assertInstanceOf(PreSharedKeyClientHello.class, extensions.getLast());
        assertEquals(List.of(new PskIdentity(ticket.ticket(), 0xfad6aacbL)), psk.identities());
        assertEquals(List.of(Opaque.fromHex("3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d")),
                psk.binders());
        assertTrue(extensions.contains(new EarlyDataIndication()));
        assertTrue(extensions.contains(new Unknown(21, Opaque.of(new byte[87]))));
        // RFC 8446 §4.2.11.2: the binder covers the ClientHello up to, not including, the binders list.
        byte[] encoded = HandshakeCodec.encode(ch);
        byte[] truncated = Arrays.copyOf(encoded, encoded.length - psk.bindersLength());
        assertEquals(Rfc8448.RESUMED_CLIENT_HELLO_PREFIX, hex(truncated));
        assertEquals(Rfc8448.HASH_TRUNCATED_CLIENT_HELLO, hex(MessageDigest.getInstance("SHA-256").digest(truncated)));
    }

    @Test
    void decodesTheResumedServerMessages() throws TlsAlertException {
        ServerHello sh = roundTrip(Rfc8448.RESUMED_SERVER_HELLO, ServerHello.class);
        assertEquals(new PreSharedKeyServerHello(0), sh.extensions().getFirst());
        assertEquals(new PreSharedKeyServerHello(0), sh.extension(PreSharedKeyServerHello.class).orElseThrow());
        EncryptedExtensions ee = roundTrip(Rfc8448.RESUMED_ENCRYPTED_EXTENSIONS, EncryptedExtensions.class);
        assertEquals(new EarlyDataIndication(), ee.extensions().getLast());
        roundTrip(Rfc8448.END_OF_EARLY_DATA, EndOfEarlyData.class);
    }

    @Test
    void decodesTheHelloRetryRequestAndTheClientHelloThatAnswersIt() throws TlsAlertException {
        ClientHello first = roundTrip(Rfc8448.RETRY_CLIENT_HELLO_1, ClientHello.class);
        assertEquals(List.of(0x001d), first.extension(KeyShareClientHello.class).orElseThrow().clientShares()
                .stream().map(KeyShareEntry::group).toList());
        ServerHello hrr = roundTrip(Rfc8448.HELLO_RETRY_REQUEST, ServerHello.class);
        assertTrue(hrr.isHelloRetryRequest());
        assertEquals(ServerHello.HELLO_RETRY_REQUEST_RANDOM, hrr.random());
        assertEquals(new KeyShareHelloRetryRequest(0x0017), hrr.extensions().get(0));
        Cookie cookie = assertInstanceOf(Cookie.class, hrr.extensions().get(1));
        assertEquals(114, cookie.cookie().length());
        assertEquals(new SupportedVersionsServerHello(0x0304), hrr.extensions().get(2));
        assertEquals(hrr, ServerHello.helloRetryRequest(Opaque.EMPTY, 0x1301, hrr.extensions()));

        ClientHello second = roundTrip(Rfc8448.RETRY_CLIENT_HELLO_2, ClientHello.class);
        assertEquals(first.random(), second.random());
        assertEquals(cookie, second.extension(Cookie.class).orElseThrow());
        KeyShareEntry p256 = second.extension(KeyShareClientHello.class).orElseThrow().find(0x0017).orElseThrow();
        assertEquals(65, p256.keyExchange().length());
        assertEquals(4, p256.keyExchange().byteAt(0));
        assertNull(second.extension(KeyShareClientHello.class).orElseThrow().find(0x001d).orElse(null));

        ServerHello sh = roundTrip(Rfc8448.RETRY_SERVER_HELLO, ServerHello.class);
        assertFalse(sh.isHelloRetryRequest());
        assertEquals(0x0017, sh.extension(KeyShareServerHello.class).orElseThrow().serverShare().group());
    }

    @Test
    void theFramerCutsTheServersFlightIntoItsMessages() throws TlsAlertException {
        String[] flight = {Rfc8448.ENCRYPTED_EXTENSIONS, Rfc8448.CERTIFICATE, Rfc8448.CERTIFICATE_VERIFY,
                Rfc8448.SERVER_FINISHED};
        ByteBuffer stream = ByteBuffer.wrap(bytes(String.join("", flight)));
        HandshakeFramer framer = new HandshakeFramer();
        List<String> out = new ArrayList<>();
        while (stream.hasRemaining()) {
            ByteBuffer chunk = stream.slice(stream.position(), Math.min(7, stream.remaining()));
            stream.position(stream.position() + chunk.remaining());
            framer.feed(chunk);
            for (FramedMessage m = framer.next(); m != null; m = framer.next()) {
                out.add(hex(m.toByteArray()));
                decode(hex(m.toByteArray()));
            }
        }
        assertEquals(List.of(flight), out);
        assertTrue(framer.isEmpty());
    }
}
