package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static qsock.tls.EngineAssertions.assertAlert;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.codec.Opaque;
import qsock.tls.extension.ApplicationLayerProtocolNegotiation;
import qsock.tls.extension.Cookie;
import qsock.tls.extension.EarlyDataIndication;
import qsock.tls.extension.EarlyDataNewSessionTicket;
import qsock.tls.extension.Extension;
import qsock.tls.extension.KeyShareEntry;
import qsock.tls.extension.KeyShareHelloRetryRequest;
import qsock.tls.extension.KeyShareServerHello;
import qsock.tls.extension.PreSharedKeyServerHello;
import qsock.tls.extension.QuicTransportParameters;
import qsock.tls.extension.ServerName;
import qsock.tls.extension.SignatureAlgorithms;
import qsock.tls.extension.SignatureAlgorithmsCert;
import qsock.tls.extension.SupportedGroups;
import qsock.tls.extension.SupportedVersionsServerHello;
import qsock.tls.extension.Unknown;
import qsock.tls.jca.NamedGroup;
import qsock.tls.jca.SignatureScheme;
import qsock.tls.message.Certificate;
import qsock.tls.message.CertificateEntry;
import qsock.tls.message.CertificateRequest;
import qsock.tls.message.CertificateVerify;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.HandshakeMessage;
import qsock.tls.message.HandshakeType;
import qsock.tls.message.NewSessionTicket;
import qsock.tls.message.ServerHello;

/**
 * The client engine against server flights altered in one place each: a real server answers a real
 * ClientHello, and the test changes one of its messages before the client sees it. The client takes
 * plaintext handshake bytes per level, so Handshake-level messages are altered without any encryption.
 */
class ClientHandshakeAlertTest {

    private static final byte[] SERVER_QUIC_PARAMS = ServerFlight.SERVER_PARAMS;

    private static HandshakeMessage decode(byte[] message, int verifyDataLength) {
        try {
            return HandshakeCodec.decode(FramedMessage.of(ByteBuffer.wrap(message)), verifyDataLength);
        } catch (TlsAlertException e) {
            throw new AssertionError(e);
        }
    }

    private static ServerHello serverHello(ServerFlight f) {
        return (ServerHello) decode(f.serverHello(), 0);
    }

    /** {@return the flight's ServerHello with other extensions} */
    private static byte[] helloWith(ServerFlight f, UnaryOperator<List<Extension>> change) {
        ServerHello sh = serverHello(f);
        return Raw.encode(new ServerHello(sh.legacyVersion(), sh.random(), sh.legacySessionIdEcho(),
                sh.cipherSuite(), sh.legacyCompressionMethod(), change.apply(new ArrayList<>(sh.extensions()))));
    }

    private static TlsAlertException refusedHello(ServerFlight f, byte[] hello) {
        return f.clientAlert(EncryptionLevel.INITIAL, hello);
    }

    /** {@return the client's alert for this EncryptedExtensions, after the real ServerHello} */
    private static TlsAlertException refusedExtensions(ServerFlight f, List<byte[]> extensions) {
        return f.helloDelivered().clientAlert(EncryptionLevel.HANDSHAKE, Raw.encryptedExtensions(extensions));
    }

    private static byte[] alpn(String... names) {
        return Raw.extension(ApplicationLayerProtocolNegotiation.of(names));
    }

    private static byte[] quicParameters() {
        return Raw.extension(new QuicTransportParameters(Opaque.of(SERVER_QUIC_PARAMS)));
    }

    /** {@return the client's alert for this Certificate, after the real ServerHello and EncryptedExtensions} */
    private static TlsAlertException refusedCertificate(ServerFlight f, byte[] certificate) {
        return f.helloDelivered().deliver(EncryptionLevel.HANDSHAKE, f.encryptedExtensions())
                .clientAlert(EncryptionLevel.HANDSHAKE, certificate);
    }

    /** {@return the flight delivered up to and including the Certificate} */
    private static ServerFlight certificateDelivered(ServerFlight f) {
        return f.helloDelivered().deliver(EncryptionLevel.HANDSHAKE, f.encryptedExtensions())
                .deliver(EncryptionLevel.HANDSHAKE, f.certificate());
    }

    @Test
    void theUnalteredFlightCompletes() {
        ServerFlight f = ServerFlight.of("ecdsa-p256", 1).completed();
        assertEquals("echo", f.client().applicationProtocol());
        assertEquals(CipherSuite.TLS_AES_128_GCM_SHA256, f.client().cipherSuite());
    }

    // ---- ServerHello -------------------------------------------------------------------------------------

    @Test
    void aServerHelloWithoutSupportedVersionsIsProtocolVersion() {
        // RFC 8446 §4.1.3: no supported_versions means TLS 1.2 or older, which a TLS 1.3-only client refuses.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 2);
        assertAlert(TlsAlert.PROTOCOL_VERSION, refusedHello(f,
                helloWith(f, l -> { l.removeIf(e -> e instanceof SupportedVersionsServerHello); return l; })));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x0303, 0x0302, 0x0305, 0x7f1c, 0xfefc})
    void aSelectedVersionOtherThanTls13IsIllegalParameter(int version) {
        // RFC 8446 §4.2.1: a version the client did not offer, or older than TLS 1.3: illegal_parameter.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 3);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedHello(f, helloWith(f, l -> {
            l.replaceAll(e -> e instanceof SupportedVersionsServerHello ? new SupportedVersionsServerHello(version) : e);
            return l;
        })));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x1302, 0x1303, 0x1304, 0x00ff, 0xc02f})
    void aCipherSuiteNotOfferedIsIllegalParameter(int suite) {
        // RFC 8446 §4.1.3: a suite the client did not offer: illegal_parameter.
        ServerFlight f = ServerFlight.of(ServerFlight.client("ecdsa-p256").cipherSuites(CipherSuite.TLS_AES_128_GCM_SHA256)
                .build(), ServerFlight.server("ecdsa-p256").build(), 4);
        ServerHello sh = serverHello(f);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedHello(f, Raw.encode(new ServerHello(sh.legacyVersion(),
                sh.random(), sh.legacySessionIdEcho(), suite, 0, sh.extensions()))));
    }

    @Test
    void aSessionIdEchoThatDiffersIsIllegalParameter() {
        // RFC 8446 §4.1.3: the echo must be the client's legacy_session_id (empty in QUIC).
        ServerFlight f = ServerFlight.of("ecdsa-p256", 5);
        ServerHello sh = serverHello(f);
        for (int length : new int[] {1, 32}) {
            ServerFlight g = ServerFlight.of("ecdsa-p256", 5);
            assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedHello(g, Raw.encode(new ServerHello(sh.legacyVersion(),
                    sh.random(), Opaque.of(new byte[length]), sh.cipherSuite(), 0, sh.extensions()))));
        }
    }

    @Test
    void aLegacyVersionOrCompressionOtherThanTls13sIsIllegalParameter() {
        // RFC 8446 §4.1.3: legacy_version MUST be 0x0303 and legacy_compression_method 0.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 6);
        ServerHello sh = serverHello(f);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedHello(f, Raw.encode(new ServerHello(0x0304, sh.random(),
                sh.legacySessionIdEcho(), sh.cipherSuite(), 0, sh.extensions()))));
        ServerFlight g = ServerFlight.of("ecdsa-p256", 6);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedHello(g, Raw.encode(new ServerHello(sh.legacyVersion(),
                sh.random(), sh.legacySessionIdEcho(), sh.cipherSuite(), 1, sh.extensions()))));
    }

    static Stream<KeyShareEntry> sharesNotOffered() {
        return Stream.of(
                new KeyShareEntry(NamedGroup.SECP256R1.code(),
                        Opaque.of(NamedGroup.SECP256R1.generate(TestPki.seeded(1)).publicBytes())),
                new KeyShareEntry(NamedGroup.X448.code(), Opaque.of(NamedGroup.X448.generate(TestPki.seeded(1)).publicBytes())),
                new KeyShareEntry(0x1234, Opaque.of(new byte[32])));
    }

    @ParameterizedTest
    @MethodSource("sharesNotOffered")
    void aKeyShareInAGroupWeSentNoShareForIsIllegalParameter(KeyShareEntry share) {
        // RFC 8446 §4.2.8: the server's share MUST be in a group of one of the client's shares.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 7);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedHello(f, helloWith(f, l -> {
            l.replaceAll(e -> e instanceof KeyShareServerHello ? new KeyShareServerHello(share) : e);
            return l;
        })));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 32, 1088, 1119, 1121, 1216})
    void anX25519MlKem768ServerShareOfTheWrongLengthIsIllegalParameter(int length) {
        // draft-ietf-tls-ecdhe-mlkem §3: the client checks the ciphertext's length; the default client sent a
        // hybrid share, so the server's share in that group is expected, but of 1120 bytes.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 8);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedHello(f, helloWith(f, l -> {
            l.replaceAll(e -> e instanceof KeyShareServerHello ? new KeyShareServerHello(new KeyShareEntry(
                    NamedGroup.X25519MLKEM768.code(), Opaque.of(new byte[length]))) : e);
            return l;
        })));
    }

    @Test
    void anX25519MlKem768ServerShareWithAnAllZeroX25519OutputIsIllegalParameter() {
        ServerFlight f = ServerFlight.of("ecdsa-p256", 9);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedHello(f, helloWith(f, l -> {
            l.replaceAll(e -> e instanceof KeyShareServerHello ? new KeyShareServerHello(new KeyShareEntry(
                    NamedGroup.X25519MLKEM768.code(), Opaque.of(new byte[1120]))) : e);
            return l;
        })));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 31, 33, 65})
    void aServerKeyShareOfTheWrongLengthIsIllegalParameter(int length) {
        ServerFlight f = ServerFlight.of("ecdsa-p256", 8);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedHello(f, helloWith(f, l -> {
            l.replaceAll(e -> e instanceof KeyShareServerHello
                    ? new KeyShareServerHello(new KeyShareEntry(NamedGroup.X25519.code(), Opaque.of(new byte[length])))
                    : e);
            return l;
        })));
    }

    @Test
    void aServerHelloWithoutKeyShareIsMissingExtension() {
        // No PSK was offered, so the only mode left needs the server's share (RFC 8446 §4.2.8, §9.2).
        ServerFlight f = ServerFlight.of("ecdsa-p256", 9);
        assertAlert(TlsAlert.MISSING_EXTENSION,
                refusedHello(f, helloWith(f, l -> { l.removeIf(e -> e instanceof KeyShareServerHello); return l; })));
    }

    private static byte[] retry(int suite, Extension... extensions) {
        return Raw.encode(ServerHello.helloRetryRequest(Opaque.EMPTY, suite, List.of(extensions)));
    }

    @Test
    void aValidHelloRetryRequestIsAnsweredNotRefused() {
        // RFC 8446 §4.1.4: the client answers with a second ClientHello (HelloRetryRequestTest has the rest).
        SupportedVersionsServerHello tls13 = new SupportedVersionsServerHello(0x0304);
        for (byte[] retry : List.of(retry(0x1301, tls13, new KeyShareHelloRetryRequest(NamedGroup.SECP256R1.code())),
                retry(0x1302, tls13, new Cookie(Opaque.of((byte) 1, (byte) 2))))) {
            ServerFlight f = ServerFlight.of("ecdsa-p256", 10).deliver(EncryptionLevel.INITIAL, retry);
            assertEquals(TlsEngine.Status.IN_PROGRESS, f.client().status());
        }
    }

    @Test
    void aHelloRetryRequestForAGroupWeCannotUseOrAlreadySharedIsIllegalParameter() {
        // RFC 8446 §4.2.8: the selected group must be in our supported_groups and have no share yet.
        SupportedVersionsServerHello tls13 = new SupportedVersionsServerHello(0x0304);
        for (int group : new int[] {NamedGroup.X25519.code(), NamedGroup.X448.code(), 0x1234}) {
            assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedHello(ServerFlight.of("ecdsa-p256", 10),
                    retry(0x1301, tls13, new KeyShareHelloRetryRequest(group))));
        }
    }

    @Test
    void aHelloRetryRequestThatChangesNothingIsIllegalParameter() {
        // RFC 8446 §4.1.4.
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedHello(ServerFlight.of("ecdsa-p256", 10),
                retry(0x1301, new SupportedVersionsServerHello(0x0304))));
    }

    @Test
    void aHelloRetryRequestIsCheckedAsAServerHelloFirst() {
        // RFC 8446 §4.1.4: the client checks the fields "as specified in Section 4.1.3".
        KeyShareHelloRetryRequest p256 = new KeyShareHelloRetryRequest(NamedGroup.SECP256R1.code());
        ServerFlight f = ServerFlight.of(ServerFlight.client("ecdsa-p256").cipherSuites(CipherSuite.TLS_AES_128_GCM_SHA256)
                .build(), ServerFlight.server("ecdsa-p256").build(), 10);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedHello(f, retry(0x1302, new SupportedVersionsServerHello(0x0304), p256)));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedHello(ServerFlight.of("ecdsa-p256", 10),
                retry(0x1301, new SupportedVersionsServerHello(0x0303), p256)));
        assertAlert(TlsAlert.PROTOCOL_VERSION, refusedHello(ServerFlight.of("ecdsa-p256", 10), retry(0x1301, p256)));
        assertAlert(TlsAlert.UNSUPPORTED_EXTENSION, refusedHello(ServerFlight.of("ecdsa-p256", 10),
                retry(0x1301, new SupportedVersionsServerHello(0x0304), p256, new Unknown(0x1a1a, Opaque.EMPTY))));
    }

    static Stream<byte[]> serverHelloExtensionsNotOffered() {
        return Stream.of(Raw.extension(new PreSharedKeyServerHello(0)), Raw.extension(0x1a1a, new byte[0]),
                Raw.extension(0xff01, new byte[] {0}));
    }

    @ParameterizedTest
    @MethodSource("serverHelloExtensionsNotOffered")
    void aServerHelloExtensionWeDidNotOfferIsUnsupportedExtension(byte[] extension) {
        // RFC 8446 §4.2: an extension response without the request: unsupported_extension. No PSK was offered.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 11);
        ServerHello sh = serverHello(f);
        List<byte[]> extensions = new ArrayList<>(sh.extensions().stream().map(Raw::extension).toList());
        extensions.add(extension);
        byte[] body = Raw.concat(Arrays.copyOfRange(Raw.body(f.serverHello()), 0,
                Raw.body(f.serverHello()).length - blockLength(sh)), Raw.extensionBlock(extensions));
        assertAlert(TlsAlert.UNSUPPORTED_EXTENSION, refusedHello(f, Raw.message(HandshakeType.SERVER_HELLO, body)));
    }

    private static int blockLength(ServerHello sh) {
        return Raw.extensionBlock(sh.extensions().stream().map(Raw::extension).toList()).length;
    }

    @Test
    void aServerHelloExtensionNotAllowedThereIsIllegalParameter() {
        // RFC 8446 §4.2: a recognised extension in a message the table does not list it for.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 12);
        ServerHello sh = serverHello(f);
        List<byte[]> extensions = new ArrayList<>(sh.extensions().stream().map(Raw::extension).toList());
        extensions.add(alpn("echo"));
        byte[] body = Raw.concat(Arrays.copyOfRange(Raw.body(f.serverHello()), 0,
                Raw.body(f.serverHello()).length - blockLength(sh)), Raw.extensionBlock(extensions));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedHello(f, Raw.message(HandshakeType.SERVER_HELLO, body)));
    }

    // ---- EncryptedExtensions -----------------------------------------------------------------------------

    static Stream<byte[]> encryptedExtensionsNotOffered() {
        return Stream.of(Raw.extension(0x1a1a, new byte[0]), Raw.extension(new EarlyDataIndication()),
                Raw.extension(1 /* max_fragment_length */, new byte[] {1}),
                Raw.extension(15 /* heartbeat */, new byte[] {1}),
                Raw.extension(20 /* server_certificate_type */, new byte[] {0}));
    }

    @ParameterizedTest
    @MethodSource("encryptedExtensionsNotOffered")
    void anEncryptedExtensionWeDidNotOfferIsUnsupportedExtension(byte[] extension) {
        // RFC 8446 §4.2: unsupported_extension.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 13);
        assertAlert(TlsAlert.UNSUPPORTED_EXTENSION, refusedExtensions(f, List.of(alpn("echo"), quicParameters(), extension)));
    }

    @Test
    void quicTransportParametersOverTcpAreUnsupportedExtension() {
        // Over TCP the client sends no quic_transport_parameters, so an answer is unsolicited.
        ServerFlight f = ServerFlight.of(ServerFlight.client("ecdsa-p256").forTlsOverTcpTesting().build(),
                ServerFlight.server("ecdsa-p256").forTlsOverTcpTesting().build(), 14);
        assertAlert(TlsAlert.UNSUPPORTED_EXTENSION, refusedExtensions(f, List.of(alpn("echo"), quicParameters())));
    }

    @Test
    void overTcpTheTransportParametersAndAlpnAreOptional() {
        ServerFlight f = ServerFlight.of(ServerFlight.client("ecdsa-p256").forTlsOverTcpTesting().build(),
                ServerFlight.server("ecdsa-p256").forTlsOverTcpTesting().build(), 14);
        f.helloDelivered().deliver(EncryptionLevel.HANDSHAKE, Raw.encryptedExtensions(List.of()));
        assertEquals(TlsEngine.Status.IN_PROGRESS, f.client().status());
        assertNull(f.client().applicationProtocol());
    }

    @Test
    void alpnWhenWeOfferedNoneIsUnsupportedExtension() {
        // RFC 8446 §4.2 and RFC 7301 §3.1: the server answers ALPN only if the client offered it.
        TlsClientConfig noAlpn = TlsClientConfig.builder().serverName("localhost").forTlsOverTcpTesting()
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca("ecdsa-p256"))))
                .build();
        ServerFlight f = ServerFlight.of(noAlpn, ServerFlight.server("ecdsa-p256").forTlsOverTcpTesting().build(), 15);
        assertAlert(TlsAlert.UNSUPPORTED_EXTENSION, refusedExtensions(f, List.of(alpn("echo"))));
    }

    @Test
    void aServerNameAcknowledgementWithoutOurServerNameIsUnsupportedExtension() {
        // RFC 6066 §3 / RFC 8446 §4.2: an IP literal is not sent as SNI, and no name means no SNI.
        for (String name : new String[] {null, "127.0.0.1", "::1"}) {
            ServerFlight f = ServerFlight.of(ServerFlight.client("ecdsa-p256").serverName(name).build(),
                    ServerFlight.server("ecdsa-p256").build(), 16);
            assertAlert(TlsAlert.UNSUPPORTED_EXTENSION, refusedExtensions(f,
                    List.of(alpn("echo"), quicParameters(), Raw.extension(ServerName.ACKNOWLEDGEMENT))));
        }
    }

    @Test
    void aServerNameAcknowledgementAndServerGroupsAreAccepted() {
        ServerFlight f = ServerFlight.of("ecdsa-p256", 17);
        f.helloDelivered().deliver(EncryptionLevel.HANDSHAKE, Raw.encryptedExtensions(List.of(
                Raw.extension(ServerName.ACKNOWLEDGEMENT), Raw.extension(SupportedGroups.of(0x0017)), alpn("echo"),
                quicParameters())));
        assertEquals(TlsEngine.Status.IN_PROGRESS, f.client().status());
        assertEquals("echo", f.client().applicationProtocol());
    }

    @Test
    void theAlertShowsTheServersProtocolNameEscaped() {
        // Finding 4 of issue 9: the selected ALPN name is the server's bytes; the alert's message goes to logs.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 18);
        TlsAlertException e = refusedExtensions(f, List.of(alpn("echo\n\u001b]0;x\u0007"), quicParameters()));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, e);
        assertEquals("server selected ALPN [echo\\n\\x1b]0;x\\x07], not one of ours", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"h3", "ECHO", "echo2", "hq-interop "})
    void anApplicationProtocolWeDidNotOfferIsIllegalParameter(String protocol) {
        ServerFlight f = ServerFlight.of("ecdsa-p256", 18);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedExtensions(f, List.of(alpn(protocol), quicParameters())));
    }

    @Test
    void moreThanOneApplicationProtocolFromTheServerIsIllegalParameter() {
        // RFC 7301 §3.1: the server's list MUST hold exactly one name.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 19);
        byte[] two = Raw.extension(16, new byte[] {0, 10, 4, 'e', 'c', 'h', 'o', 4, 'e', 'c', 'h', 'o'});
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedExtensions(f, List.of(two, quicParameters())));
    }

    @Test
    void quicWithoutTransportParametersIsMissingExtension() {
        // RFC 9001 §8.2.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 20);
        assertAlert(TlsAlert.MISSING_EXTENSION, refusedExtensions(f, List.of(alpn("echo"))));
    }

    @Test
    void quicWithoutAnApplicationProtocolIsNoApplicationProtocol() {
        // RFC 9001 §8.1.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 21);
        assertAlert(TlsAlert.NO_APPLICATION_PROTOCOL, refusedExtensions(f, List.of(quicParameters())));
    }

    @Test
    void duplicateOrMisplacedEncryptedExtensionsAreIllegalParameter() {
        ServerFlight f = ServerFlight.of("ecdsa-p256", 22);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedExtensions(f, List.of(alpn("echo"), quicParameters(), alpn("echo"))));
        // key_share belongs in the hellos only (RFC 8446 §4.2).
        ServerFlight g = ServerFlight.of("ecdsa-p256", 22);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedExtensions(g, List.of(alpn("echo"), quicParameters(),
                Raw.extension(51, new byte[] {0, 0x1d, 0, 1, 9}))));
    }

    // ---- CertificateRequest ------------------------------------------------------------------------------

    private static TlsAlertException refusedRequest(ServerFlight f, CertificateRequest request) {
        return f.helloDelivered().deliver(EncryptionLevel.HANDSHAKE, f.encryptedExtensions())
                .clientAlert(EncryptionLevel.HANDSHAKE, Raw.encode(request));
    }

    @Test
    void aCertificateRequestWithAContextInTheHandshakeIsIllegalParameter() {
        // RFC 8446 §4.3.2: the context SHALL be empty outside post-handshake authentication.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 46);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedRequest(f,
                new CertificateRequest(Opaque.of((byte) 7), List.of(SignatureAlgorithms.of(0x0403)))));
    }

    @Test
    void aCertificateRequestWithoutSignatureAlgorithmsIsMissingExtension() {
        // RFC 8446 §4.3.2: "The "signature_algorithms" extension MUST be specified".
        ServerFlight f = ServerFlight.of("ecdsa-p256", 47);
        assertAlert(TlsAlert.MISSING_EXTENSION, refusedRequest(f, new CertificateRequest(Opaque.EMPTY,
                List.of(SignatureAlgorithmsCert.of(0x0403), new Unknown(0x1a1a, Opaque.EMPTY)))));
    }

    @Test
    void aCertificateRequestIsAnsweredWithAnEmptyCertificate() {
        // The client has no certificate (yet): it goes on, and answers with an empty one after Finished.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 48);
        f.helloDelivered().deliver(EncryptionLevel.HANDSHAKE, Raw.concat(f.encryptedExtensions(),
                Raw.encode(new CertificateRequest(Opaque.EMPTY, List.of(SignatureAlgorithms.of(0x0403),
                        new Unknown(0x1a1a, Opaque.EMPTY))))));
        assertEquals(TlsEngine.Status.IN_PROGRESS, f.client().status());
        // It now waits for the server's Certificate and nothing else.
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, f.clientAlert(EncryptionLevel.HANDSHAKE, f.certificateVerify()));
    }

    // ---- Certificate -------------------------------------------------------------------------------------

    @Test
    void anEmptyServerCertificateIsDecodeError() {
        // RFC 8446 §4.4.2.4.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 23);
        assertAlert(TlsAlert.DECODE_ERROR, refusedCertificate(f, Raw.encode(new Certificate(Opaque.EMPTY, List.of()))));
    }

    @Test
    void aServerCertificateWithARequestContextIsIllegalParameter() {
        // RFC 8446 §4.4.2: "in the case of server authentication, this field SHALL be zero length".
        ServerFlight f = ServerFlight.of("ecdsa-p256", 24);
        Certificate real = (Certificate) decode(f.certificate(), 0);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, refusedCertificate(f,
                Raw.encode(new Certificate(Opaque.of((byte) 1), real.certificateList()))));
    }

    @Test
    void aCertificateThatDoesNotParseIsBadCertificate() {
        ServerFlight f = ServerFlight.of("ecdsa-p256", 25);
        assertAlert(TlsAlert.BAD_CERTIFICATE, refusedCertificate(f, Raw.encode(new Certificate(Opaque.EMPTY,
                List.of(CertificateEntry.of(Opaque.of((byte) 0x30, (byte) 3, (byte) 1, (byte) 2, (byte) 3)))))));
    }

    @ParameterizedTest
    @ValueSource(ints = {5 /* status_request */, 18 /* signed_certificate_timestamp */, 0x1a1a})
    void aCertificateEntryExtensionWeDidNotRequestIsUnsupportedExtension(int type) {
        // RFC 8446 §4.4.2: the server's entry extensions "MUST correspond to ones from the ClientHello"; this
        // client asks for none, so any is an unrequested response (RFC 8446 §4.2: unsupported_extension).
        ServerFlight f = ServerFlight.of("ecdsa-p256", 26);
        Certificate real = (Certificate) decode(f.certificate(), 0);
        List<CertificateEntry> entries = new ArrayList<>(real.certificateList());
        entries.set(0, new CertificateEntry(entries.get(0).certData(), List.of(new Unknown(type, Opaque.of((byte) 0)))));
        assertAlert(TlsAlert.UNSUPPORTED_EXTENSION, refusedCertificate(f, Raw.encode(new Certificate(Opaque.EMPTY, entries))));
    }

    @Test
    void anUntrustedChainIsUnknownCa() {
        ServerFlight f = ServerFlight.of(ServerFlight.client("rsa").build(), ServerFlight.server("ecdsa-p256").build(), 27);
        assertAlert(TlsAlert.UNKNOWN_CA, refusedCertificate(f, f.certificate()));
    }

    @Test
    void aCertificateForAnotherHostIsBadCertificate() {
        ServerFlight f = ServerFlight.of(ServerFlight.client("ecdsa-p256").serverName("example.com").build(),
                ServerFlight.server("ecdsa-p256").build(), 28);
        assertAlert(TlsAlert.BAD_CERTIFICATE, refusedCertificate(f, f.certificate()));
    }

    @Test
    void aDelegatedValidationThatFailsFailsTheEngineOnResume() {
        ServerFlight f = ServerFlight.of(ServerFlight.client("rsa").delegateTasks(true).build(),
                ServerFlight.server("ecdsa-p256").build(), 29);
        certificateDelivered(f);
        assertEquals(TlsEngine.Status.TASK_PENDING, f.client().status());
        // The rest of the flight waits for the task.
        f.deliver(EncryptionLevel.HANDSHAKE, Raw.concat(f.certificateVerify(), f.finished()));
        f.client().delegatedTask().run();
        TlsAlertException e = assertThrows(TlsAlertException.class, f.client()::resume);
        assertAlert(TlsAlert.UNKNOWN_CA, e);
        EngineAssertions.assertFailedFor(f.client(), e);
    }

    @Test
    void aDelegatedValidationThatPassesCompletesOnResume() throws TlsAlertException {
        ServerFlight f = ServerFlight.of(ServerFlight.client("ecdsa-p256").delegateTasks(true).build(),
                ServerFlight.server("ecdsa-p256").build(), 30);
        certificateDelivered(f).deliver(EncryptionLevel.HANDSHAKE, Raw.concat(f.certificateVerify(), f.finished()));
        assertEquals(TlsEngine.Status.TASK_PENDING, f.client().status());
        f.client().delegatedTask().run();
        f.client().resume();
        assertEquals(TlsEngine.Status.COMPLETE, f.client().status());
    }

    // ---- CertificateVerify and Finished ------------------------------------------------------------------

    private static byte[] verifyWith(ServerFlight f, int scheme, UnaryOperator<byte[]> signature) {
        CertificateVerify real = (CertificateVerify) decode(f.certificateVerify(), 0);
        return Raw.encode(new CertificateVerify(scheme, Opaque.of(signature.apply(real.signature().toByteArray()))));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x0804, 0x0503, 0x0807, 0x0401 /* rsa_pkcs1_sha256 */, 0x0201 /* rsa_pkcs1_sha1 */, 0xfefe})
    void aCertificateVerifySchemeWeDidNotOfferIsIllegalParameter(int scheme) {
        // RFC 8446 §4.4.3: the scheme MUST be one the client offered; this client offers only ecdsa P-256.
        ServerFlight f = ServerFlight.of(ServerFlight.client("ecdsa-p256")
                .signatureSchemes(SignatureScheme.ECDSA_SECP256R1_SHA256).build(), ServerFlight.server("ecdsa-p256").build(), 31);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, certificateDelivered(f).clientAlert(EncryptionLevel.HANDSHAKE,
                verifyWith(f, scheme, s -> s)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x0401, 0x0501})
    void anRsaPkcs1SchemeIsIllegalParameterEvenWhenOfferedForCertificates(int scheme) {
        // RFC 8446 §4.2.3: RSASSA-PKCS1-v1_5 appears only for certificates (signature_algorithms_cert, which
        // offers it by default); never in CertificateVerify, and the configuration refuses to offer it there.
        assertThrows(IllegalArgumentException.class, () -> ServerFlight.client("rsa")
                .signatureSchemes(SignatureScheme.RSA_PSS_RSAE_SHA256, SignatureScheme.fromCode(scheme)).build());
        ServerFlight f = ServerFlight.of(ServerFlight.client("rsa").build(), ServerFlight.server("rsa").build(), 32);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, certificateDelivered(f).clientAlert(EncryptionLevel.HANDSHAKE,
                verifyWith(f, scheme, s -> s)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x0503, 0x0807, 0x0804, 0x0809})
    void anOfferedSchemeThatDoesNotFitTheCertificateKeyIsIllegalParameter(int scheme) {
        // The signature could never verify; the scheme itself is the peer's mistake, as BoringSSL also
        // reports it (illegal_parameter) rather than as a bad signature.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 33);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, certificateDelivered(f).clientAlert(EncryptionLevel.HANDSHAKE,
                verifyWith(f, scheme, s -> s)));
    }

    static Stream<String> pkis() {
        return TestPki.NAMES.stream();
    }

    @ParameterizedTest
    @MethodSource("pkis")
    void aTamperedSignatureIsDecryptError(String pki) {
        // RFC 8446 §4.4.3: a signature that does not verify is decrypt_error.
        List<UnaryOperator<byte[]>> damage = List.of(
                s -> { s[s.length - 1] ^= 1; return s; },
                s -> { s[s.length / 2] ^= (byte) 0x80; return s; },
                s -> Arrays.copyOf(s, s.length - 1),
                s -> Arrays.copyOf(s, s.length + 1),
                s -> new byte[0]);
        for (UnaryOperator<byte[]> d : damage) {
            ServerFlight f = ServerFlight.of(pki, 34);
            int scheme = ((CertificateVerify) decode(f.certificateVerify(), 0)).algorithm();
            assertAlert(TlsAlert.DECRYPT_ERROR, certificateDelivered(f).clientAlert(EncryptionLevel.HANDSHAKE,
                    verifyWith(f, scheme, d)));
        }
    }

    @Test
    void aTamperedFinishedIsDecryptError() {
        // RFC 8446 §4.4.4: decrypt_error.
        for (int at = 4; at < 4 + 32; at += 9) {
            ServerFlight f = ServerFlight.of("ecdsa-p256", 35);
            byte[] finished = f.finished().clone();
            finished[at] ^= 0x10;
            assertAlert(TlsAlert.DECRYPT_ERROR, certificateDelivered(f).deliver(EncryptionLevel.HANDSHAKE,
                    f.certificateVerify()).clientAlert(EncryptionLevel.HANDSHAKE, finished));
        }
    }

    @Test
    void aFinishedOfTheWrongLengthIsDecodeError() {
        // verify_data is Hash.length bytes (RFC 8446 §4.4.4): 48 for SHA-384 suites, 32 here.
        for (int length : new int[] {0, 31, 48}) {
            ServerFlight f = ServerFlight.of("ecdsa-p256", 36);
            assertAlert(TlsAlert.DECODE_ERROR, certificateDelivered(f).deliver(EncryptionLevel.HANDSHAKE,
                    f.certificateVerify()).clientAlert(EncryptionLevel.HANDSHAKE,
                    Raw.message(HandshakeType.FINISHED, new byte[length])));
        }
    }

    // ---- after completion ----------------------------------------------------------------------------------

    @Test
    void newSessionTicketsAfterCompletionAreAccepted() throws TlsAlertException {
        ServerFlight f = ServerFlight.of("ecdsa-p256", 37).completed();
        f.client().receive(EncryptionLevel.APPLICATION, ByteBuffer.wrap(Raw.concat(
                Raw.sample(HandshakeType.NEW_SESSION_TICKET),
                Raw.encode(new NewSessionTicket(604800, 0xffffffffL, Opaque.of(new byte[255]), Opaque.of(new byte[300]),
                        List.of(new EarlyDataNewSessionTicket(EarlyDataNewSessionTicket.QUIC_MAX_EARLY_DATA_SIZE),
                                new Unknown(0x1a1a, Opaque.EMPTY)))))));
        assertEquals(TlsEngine.Status.COMPLETE, f.client().status());
        assertNull(f.client().poll());
    }

    @Test
    void aMalformedNewSessionTicketIsDecodeError() {
        ServerFlight f = ServerFlight.of("ecdsa-p256", 38).completed();
        byte[] ticket = Raw.sample(HandshakeType.NEW_SESSION_TICKET);
        assertAlert(TlsAlert.DECODE_ERROR, f.clientAlert(EncryptionLevel.APPLICATION,
                Raw.message(HandshakeType.NEW_SESSION_TICKET, Arrays.copyOf(Raw.body(ticket), Raw.body(ticket).length - 1))));
    }

    @ParameterizedTest
    @EnumSource(value = HandshakeType.class, names = "NEW_SESSION_TICKET", mode = EnumSource.Mode.EXCLUDE)
    void anythingButATicketAfterCompletionIsUnexpectedMessage(HandshakeType type) {
        // RFC 9001 §6: KeyUpdate is forbidden in QUIC; nothing else follows the handshake (RFC 8446 §4.6).
        ServerFlight f = ServerFlight.of("ecdsa-p256", 39).completed();
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, f.clientAlert(EncryptionLevel.APPLICATION, Raw.sample(type)));
    }

    // ---- messages and levels out of place ----------------------------------------------------------------

    /** The states a client passes, as what to deliver to reach each and which messages it then expects. */
    enum Stage {
        WAIT_SERVER_HELLO(EncryptionLevel.INITIAL, HandshakeType.SERVER_HELLO),
        WAIT_ENCRYPTED_EXTENSIONS(EncryptionLevel.HANDSHAKE, HandshakeType.ENCRYPTED_EXTENSIONS),
        WAIT_CERTIFICATE_OR_REQUEST(EncryptionLevel.HANDSHAKE, HandshakeType.CERTIFICATE,
                HandshakeType.CERTIFICATE_REQUEST),
        WAIT_CERTIFICATE(EncryptionLevel.HANDSHAKE, HandshakeType.CERTIFICATE),
        WAIT_CERTIFICATE_VERIFY(EncryptionLevel.HANDSHAKE, HandshakeType.CERTIFICATE_VERIFY),
        WAIT_FINISHED(EncryptionLevel.HANDSHAKE, HandshakeType.FINISHED);

        final EncryptionLevel level;
        final List<HandshakeType> expected;

        Stage(EncryptionLevel level, HandshakeType... expected) {
            this.level = level;
            this.expected = List.of(expected);
        }

        ServerFlight reach(ServerFlight f) {
            switch (this) {
                case WAIT_SERVER_HELLO -> { }
                case WAIT_ENCRYPTED_EXTENSIONS -> f.helloDelivered();
                case WAIT_CERTIFICATE_OR_REQUEST -> f.helloDelivered().deliver(EncryptionLevel.HANDSHAKE,
                        f.encryptedExtensions());
                case WAIT_CERTIFICATE -> f.helloDelivered().deliver(EncryptionLevel.HANDSHAKE,
                        Raw.concat(f.encryptedExtensions(), Raw.sample(HandshakeType.CERTIFICATE_REQUEST)));
                case WAIT_CERTIFICATE_VERIFY -> certificateDelivered(f);
                case WAIT_FINISHED -> certificateDelivered(f).deliver(EncryptionLevel.HANDSHAKE, f.certificateVerify());
            }
            return f;
        }
    }

    static Stream<Arguments> wrongMessages() {
        List<Arguments> all = new ArrayList<>();
        for (Stage s : Stage.values()) {
            for (HandshakeType t : HandshakeType.values()) {
                if (!s.expected.contains(t)) {
                    all.add(Arguments.of(s, t));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest
    @MethodSource("wrongMessages")
    void aMessageOfTheWrongTypeIsUnexpectedMessage(Stage stage, HandshakeType type) {
        // RFC 8446 §4: handshake messages MUST be sent in the order given; anything else is unexpected_message.
        ServerFlight f = stage.reach(ServerFlight.of("ecdsa-p256", 40));
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, f.clientAlert(stage.level, Raw.sample(type)));
    }

    @ParameterizedTest
    @EnumSource(Stage.class)
    void anUndefinedMessageTypeIsUnexpectedMessage(Stage stage) {
        ServerFlight f = stage.reach(ServerFlight.of("ecdsa-p256", 41));
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, f.clientAlert(stage.level, Raw.message(99, new byte[3])));
    }

    @ParameterizedTest
    @EnumSource(Stage.class)
    void bytesAtALevelTheStageDoesNotReadAreUnexpectedMessage(Stage stage) {
        for (EncryptionLevel level : EncryptionLevel.values()) {
            if (level != stage.level) {
                ServerFlight f = stage.reach(ServerFlight.of("ecdsa-p256", 42));
                assertAlert(TlsAlert.UNEXPECTED_MESSAGE, f.clientAlert(level, Raw.sample(stage.expected.get(0))));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = EncryptionLevel.class, names = "APPLICATION", mode = EnumSource.Mode.EXCLUDE)
    void bytesBelowApplicationAfterCompletionAreUnexpectedMessage(EncryptionLevel level) {
        ServerFlight f = ServerFlight.of("ecdsa-p256", 43).completed();
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, f.clientAlert(level, Raw.sample(HandshakeType.FINISHED)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"02", "020000", "0b00000100", "02ffffff"})
    void bytesAfterTheServerHelloAtInitialAreUnexpectedMessage(String trailer) {
        // RFC 8446 §5.1: no message may span the key change, nor follow the ServerHello at Initial.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 44);
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, f.clientAlert(EncryptionLevel.INITIAL,
                Raw.concat(f.serverHello(), java.util.HexFormat.of().parseHex(trailer))));
    }

    @Test
    void bytesAfterTheServerFinishedAtHandshakeAreUnexpectedMessage() {
        ServerFlight f = ServerFlight.of("ecdsa-p256", 45);
        certificateDelivered(f).deliver(EncryptionLevel.HANDSHAKE, f.certificateVerify());
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, f.clientAlert(EncryptionLevel.HANDSHAKE,
                Raw.concat(f.finished(), new byte[] {4})));
    }
}
