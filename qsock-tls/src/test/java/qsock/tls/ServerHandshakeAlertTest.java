package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.tls.EngineAssertions.assertAlert;
import static qsock.tls.EngineAssertions.assertFails;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.cert.TestPki;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsWriter;
import qsock.tls.extension.ApplicationLayerProtocolNegotiation;
import qsock.tls.extension.ExtensionType;
import qsock.tls.extension.KeyShareClientHello;
import qsock.tls.extension.KeyShareEntry;
import qsock.tls.extension.PreSharedKeyClientHello;
import qsock.tls.extension.PskIdentity;
import qsock.tls.extension.PskKeyExchangeModes;
import qsock.tls.extension.SignatureAlgorithms;
import qsock.tls.extension.SupportedGroups;
import qsock.tls.extension.SupportedVersionsClientHello;
import qsock.tls.extension.Unknown;
import qsock.tls.jca.NamedGroup;
import qsock.tls.jca.SignatureScheme;
import qsock.tls.message.HandshakeType;

/**
 * The server engine against ClientHellos and client flights that break one rule each: every refusal is
 * the alert RFC 8446 §6 (or RFC 9001, RFC 7301) names for it, and leaves the engine failed for good.
 */
class ServerHandshakeAlertTest {

    private static final TlsServerConfig SERVER = ServerFlight.server("ecdsa-p256").build();

    private static TlsEngine newServer(TlsServerConfig config) {
        return TlsEngine.server(config, TestPki.seeded(5), config.quic() ? ServerFlight.SERVER_PARAMS : null);
    }

    /** {@return the alert a fresh default server sends for this ClientHello} */
    private static TlsAlertException refused(RawClientHello hello) {
        return refused(SERVER, hello);
    }

    private static TlsAlertException refused(TlsServerConfig config, RawClientHello hello) {
        return assertFails(newServer(config), EncryptionLevel.INITIAL, hello.encode());
    }

    private static void assertRefused(TlsAlert alert, RawClientHello hello) {
        assertAlert(alert, refused(hello));
    }

    /** The control: the hand-built hello is good, so each test's refusal comes from its one change. */
    @Test
    void theHandBuiltClientHelloIsAnswered() throws TlsAlertException {
        TlsEngine server = newServer(SERVER);
        server.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(RawClientHello.valid(1).encode()));
        assertEquals(TlsEngine.Status.IN_PROGRESS, server.status());
        assertEquals("echo", server.applicationProtocol());
        assertEquals("localhost", server.serverName());
        boolean serverHelloSent = false;
        for (TlsEvent e; (e = server.poll()) != null; ) {
            if (e instanceof TlsEvent.HandshakeData d && d.level() == EncryptionLevel.INITIAL) {
                serverHelloSent = d.data()[0] == HandshakeType.SERVER_HELLO.code();
            }
        }
        assertTrue(serverHelloSent);
    }

    // ---- versions and legacy fields ----------------------------------------------------------------

    @Test
    void aClientHelloWithoutSupportedVersionsIsProtocolVersion() {
        assertRefused(TlsAlert.PROTOCOL_VERSION, RawClientHello.valid(1).without(ExtensionType.SUPPORTED_VERSIONS.code()));
    }

    @Test
    void aClientHelloWithoutAnyExtensionsIsProtocolVersion() {
        // RFC 8446 §4.1.2 lets such a TLS 1.2 hello decode; it offers no TLS 1.3, so RFC 8446 §4.2.1 applies.
        assertRefused(TlsAlert.PROTOCOL_VERSION, RawClientHello.valid(1).noExtensionsField());
    }

    @Test
    void supportedVersionsWithoutTls13IsProtocolVersion() {
        assertRefused(TlsAlert.PROTOCOL_VERSION,
                RawClientHello.valid(1).with(SupportedVersionsClientHello.of(0x0303, 0x0302)));
    }

    @Test
    void tls13AmongOtherVersionsIsAccepted() throws TlsAlertException {
        TlsEngine server = newServer(SERVER);
        server.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(RawClientHello.valid(1)
                .with(SupportedVersionsClientHello.of(0x7a7a, 0x0304, 0x0303)).encode()));
        assertEquals(TlsEngine.Status.IN_PROGRESS, server.status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"01", "0001", "0100", "0000", "40"})
    void compressionMethodsOtherThanNullAloneAreIllegalParameter(String hex) {
        // RFC 8446 §4.1.2: exactly one byte, 0 (the control hello has that).
        assertRefused(TlsAlert.ILLEGAL_PARAMETER, RawClientHello.valid(1).compression(HexFormat.of().parseHex(hex)));
    }

    @Test
    void aLegacySessionIdInQuicIsIllegalParameter() {
        // RFC 9001 §8.4 calls it a PROTOCOL_VIOLATION; the engine only speaks alerts, and reports
        // illegal_parameter, which the transport closes with as CRYPTO_ERROR 0x012f.
        assertRefused(TlsAlert.ILLEGAL_PARAMETER, RawClientHello.valid(1).sessionId(new byte[32]));
    }

    @Test
    void aLegacySessionIdOverTcpIsEchoed() throws TlsAlertException {
        TlsServerConfig tcp = ServerFlight.server("ecdsa-p256").forTlsOverTcpTesting().build();
        TlsEngine server = newServer(tcp);
        byte[] id = new byte[32];
        Arrays.fill(id, (byte) 0x5a);
        server.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(RawClientHello.valid(1).sessionId(id).encode()));
        assertEquals(TlsEngine.Status.IN_PROGRESS, server.status());
    }

    // ---- cipher suites, groups, key shares -----------------------------------------------------------

    @Test
    void noCipherSuiteInCommonIsHandshakeFailure() {
        // 0x1304 (AES-128-CCM) and 0x00ff (the renegotiation SCSV) are real codes this server does not take.
        assertRefused(TlsAlert.HANDSHAKE_FAILURE, RawClientHello.valid(1).cipherSuites(0x1304, 0x00ff));
    }

    @Test
    void noCipherSuiteInCommonWithTheServersChoiceIsHandshakeFailure() {
        TlsServerConfig only256 = ServerFlight.server("ecdsa-p256").cipherSuites(CipherSuite.TLS_AES_256_GCM_SHA384).build();
        assertAlert(TlsAlert.HANDSHAKE_FAILURE, refused(only256, RawClientHello.valid(1).cipherSuites(0x1301, 0x1303)));
    }

    @Test
    void noGroupInCommonIsHandshakeFailure() {
        assertRefused(TlsAlert.HANDSHAKE_FAILURE, RawClientHello.valid(1)
                .with(SupportedGroups.of(NamedGroup.X448.code())).keyShares(NamedGroup.X448));
    }

    @Test
    void aCommonGroupWithoutItsShareGetsAHelloRetryRequest() throws TlsAlertException {
        // RFC 8446 §4.1.1, §4.1.4: the server asks for a share in the common group (HelloRetryRequestTest).
        TlsEngine server = newServer(SERVER);
        server.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(RawClientHello.valid(1)
                .with(SupportedGroups.of(NamedGroup.X448.code(), NamedGroup.SECP256R1.code()))
                .keyShares(NamedGroup.X448).encode()));
        TlsEvent.HandshakeData retry = (TlsEvent.HandshakeData) server.poll();
        assertEquals(TlsEngine.Status.IN_PROGRESS, server.status());
        assertEquals(HandshakeType.SERVER_HELLO.code(), retry.data()[0]);
    }

    @ParameterizedTest
    @EnumSource(value = ExtensionType.class, names = {"SUPPORTED_GROUPS", "KEY_SHARE", "SIGNATURE_ALGORITHMS"})
    void aMissingMandatoryExtensionIsMissingExtension(ExtensionType type) {
        // RFC 8446 §9.2: without pre_shared_key, both signature_algorithms and supported_groups, and
        // supported_groups comes with key_share and vice versa.
        assertRefused(TlsAlert.MISSING_EXTENSION, RawClientHello.valid(1).without(type.code()));
    }

    @Test
    void aKeyShareOutsideSupportedGroupsIsIllegalParameter() {
        // RFC 8446 §4.2.8: "Clients MUST NOT offer any KeyShareEntry values for groups not listed in the
        // client's supported_groups extension. Servers MAY check ... illegal_parameter."
        assertRefused(TlsAlert.ILLEGAL_PARAMETER, RawClientHello.valid(1)
                .with(SupportedGroups.of(NamedGroup.X25519.code()))
                .keyShares(NamedGroup.X25519, NamedGroup.SECP256R1));
    }

    @Test
    void twoSharesForOneGroupAreIllegalParameter() {
        byte[] share = NamedGroup.X25519.generate(TestPki.seeded(3)).publicBytes();
        TlsWriter w = new TlsWriter();
        int list = w.startVector16();
        for (int i = 0; i < 2; i++) {
            w.u16(NamedGroup.X25519.code()).opaque16(Opaque.of(share));
        }
        w.endVector16(list);
        assertRefused(TlsAlert.ILLEGAL_PARAMETER,
                RawClientHello.valid(1).withData(ExtensionType.KEY_SHARE.code(), w.toByteArray()));
    }

    static Stream<KeyShareEntry> badShares() {
        byte[] p256 = NamedGroup.SECP256R1.generate(TestPki.seeded(4)).publicBytes();
        byte[] offCurve = p256.clone();
        offCurve[64] ^= 1;
        byte[] compressed = Arrays.copyOf(p256, 33);
        compressed[0] = 2;
        byte[] hybrid = p256.clone();
        hybrid[0] = 6;
        byte[] xTooBig = p256.clone();
        Arrays.fill(xTooBig, 1, 33, (byte) 0xff);
        byte[] x25519 = NamedGroup.X25519.generate(TestPki.seeded(4)).publicBytes();
        byte[] p384 = NamedGroup.SECP384R1.generate(TestPki.seeded(4)).publicBytes();
        return Stream.of(
                new KeyShareEntry(NamedGroup.X25519.code(), Opaque.of(Arrays.copyOf(x25519, 31))),
                new KeyShareEntry(NamedGroup.X25519.code(), Opaque.of(Arrays.copyOf(x25519, 33))),
                // u = 0 and u = 1 are of small order: X25519 gives the all-zero output (RFC 8446 §7.4.2).
                new KeyShareEntry(NamedGroup.X25519.code(), Opaque.of(new byte[32])),
                new KeyShareEntry(NamedGroup.X25519.code(), Opaque.of(littleEndianOne())),
                new KeyShareEntry(NamedGroup.SECP256R1.code(), Opaque.of(offCurve)),
                new KeyShareEntry(NamedGroup.SECP256R1.code(), Opaque.of(compressed)),
                new KeyShareEntry(NamedGroup.SECP256R1.code(), Opaque.of(hybrid)),
                new KeyShareEntry(NamedGroup.SECP256R1.code(), Opaque.of(xTooBig)),
                new KeyShareEntry(NamedGroup.SECP256R1.code(), Opaque.of(Arrays.copyOf(p256, 64))),
                new KeyShareEntry(NamedGroup.SECP256R1.code(), Opaque.of(p384)),
                new KeyShareEntry(NamedGroup.SECP384R1.code(), Opaque.of(p256)),
                new KeyShareEntry(NamedGroup.SECP384R1.code(), Opaque.of((byte) 0)));
    }

    static Stream<byte[]> badHybridShares() {
        byte[] good = NamedGroup.X25519MLKEM768.generate(TestPki.seeded(5)).publicBytes();
        byte[] failsModulusCheck = good.clone();
        Arrays.fill(failsModulusCheck, 0, 3, (byte) 0xff); // FIPS 203 §7.2: a coefficient of 4095 >= q
        byte[] zeroX25519 = good.clone();
        Arrays.fill(zeroX25519, 1184, 1216, (byte) 0);
        return Stream.of(Arrays.copyOf(good, 1215), Arrays.copyOf(good, 1217), Arrays.copyOf(good, 1184),
                Arrays.copyOf(good, 1120), failsModulusCheck, zeroX25519);
    }

    @ParameterizedTest
    @MethodSource("badHybridShares")
    void aMalformedX25519MlKem768ShareIsIllegalParameter(byte[] share) {
        // draft-ietf-tls-ecdhe-mlkem §3: wrong length, a failed encapsulation key check, or an X25519 half whose
        // output is all zeros: illegal_parameter. supported_groups lists the hybrid, so only the share is at fault.
        assertRefused(TlsAlert.ILLEGAL_PARAMETER, RawClientHello.valid(1)
                .with(SupportedGroups.of(NamedGroup.X25519MLKEM768.code(), NamedGroup.X25519.code()))
                .with(new KeyShareClientHello(List.of(new KeyShareEntry(NamedGroup.X25519MLKEM768.code(),
                        Opaque.of(share))))));
    }

    private static byte[] littleEndianOne() {
        byte[] u = new byte[32];
        u[0] = 1;
        return u;
    }

    @ParameterizedTest
    @MethodSource("badShares")
    void aMalformedOrOffCurveKeyShareIsIllegalParameter(KeyShareEntry share) {
        // RFC 8446 §4.2.8.2 and §7.4: peers MUST validate each other's shares; the alert is illegal_parameter.
        assertRefused(TlsAlert.ILLEGAL_PARAMETER, RawClientHello.valid(1).with(new KeyShareClientHello(List.of(share))));
    }

    // ---- extension rules ------------------------------------------------------------------------------

    @Test
    void aDuplicateExtensionIsIllegalParameter() {
        assertRefused(TlsAlert.ILLEGAL_PARAMETER, RawClientHello.valid(1).append(ApplicationLayerProtocolNegotiation.of("h3")));
        // Also for a type nobody parses (a GREASE value, RFC 8701).
        assertRefused(TlsAlert.ILLEGAL_PARAMETER, RawClientHello.valid(1)
                .append(new Unknown(0x1a1a, Opaque.EMPTY)).append(new Unknown(0x1a1a, Opaque.of((byte) 1))));
    }

    @ParameterizedTest
    @ValueSource(ints = {48 /* oid_filters: CertificateRequest only */})
    void anExtensionNotAllowedInAClientHelloIsIllegalParameter(int type) {
        assertRefused(TlsAlert.ILLEGAL_PARAMETER, RawClientHello.valid(1).withData(type, new byte[] {0, 0}));
    }

    @Test
    void preSharedKeyNotLastIsIllegalParameter() {
        assertRefused(TlsAlert.ILLEGAL_PARAMETER, RawClientHello.valid(1).append(psk())
                .append(new Unknown(0x1a1a, Opaque.EMPTY)));
    }

    private static PreSharedKeyClientHello psk() {
        return new PreSharedKeyClientHello(List.of(new PskIdentity(Opaque.of((byte) 1, (byte) 2), 0)),
                List.of(Opaque.of(new byte[32])));
    }

    @Test
    void preSharedKeyWithoutKeyExchangeModesIsMissingExtension() {
        // RFC 8446 §4.2.9: servers MUST abort; §6.2 names missing_extension.
        assertRefused(TlsAlert.MISSING_EXTENSION, RawClientHello.valid(1).append(psk()));
    }

    @Test
    void anUnknownPreSharedKeyWithModesFallsBackToAFullHandshake() throws TlsAlertException {
        // RFC 8446 §4.2.11: a server that cannot use the offered PSK just does not select it.
        TlsEngine server = newServer(SERVER);
        server.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(RawClientHello.valid(1)
                .with(PskKeyExchangeModes.of(PskKeyExchangeModes.PSK_DHE_KE)).append(psk()).encode()));
        assertEquals(TlsEngine.Status.IN_PROGRESS, server.status());
    }

    @Test
    void unknownExtensionsAreIgnored() throws TlsAlertException {
        // RFC 8446 §4.1.2: servers MUST ignore unrecognized extensions.
        TlsEngine server = newServer(SERVER);
        server.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(RawClientHello.valid(1)
                .append(new Unknown(0x1a1a, Opaque.of((byte) 7))).append(new Unknown(0xfe0d, Opaque.EMPTY)).encode()));
        assertEquals(TlsEngine.Status.IN_PROGRESS, server.status());
    }

    // ---- ALPN, transport parameters, signatures --------------------------------------------------------

    @Test
    void noApplicationProtocolInCommonIsNoApplicationProtocol() {
        // RFC 7301 §3.2: no overlap is fatal with no_application_protocol.
        assertRefused(TlsAlert.NO_APPLICATION_PROTOCOL,
                RawClientHello.valid(1).with(ApplicationLayerProtocolNegotiation.of("h3", "h2")));
    }

    @Test
    void theAlertShowsTheOfferedProtocolNamesEscaped() {
        // Finding 4 of issue 9: ALPN names are the peer's bytes; the alert's message goes to logs.
        TlsAlertException e = refused(RawClientHello.valid(1)
                .with(ApplicationLayerProtocolNegotiation.of("h3\r\nconnection forged", "\u001b[31m\u009b2J")));
        assertAlert(TlsAlert.NO_APPLICATION_PROTOCOL, e);
        assertEquals("no ALPN in common: client offers [h3\\r\\nconnection forged, \\x1b[31m\\x9b2J]", e.getMessage());
    }

    @Test
    void noApplicationProtocolOfferedInQuicIsNoApplicationProtocol() {
        // RFC 9001 §8.1: QUIC needs an application protocol.
        assertRefused(TlsAlert.NO_APPLICATION_PROTOCOL,
                RawClientHello.valid(1).without(ExtensionType.APPLICATION_LAYER_PROTOCOL_NEGOTIATION.code()));
    }

    @Test
    void quicWithoutTransportParametersIsMissingExtension() {
        // RFC 9001 §8.2.
        assertRefused(TlsAlert.MISSING_EXTENSION,
                RawClientHello.valid(1).without(ExtensionType.QUIC_TRANSPORT_PARAMETERS.code()));
    }

    @Test
    void noSignatureSchemeForOurKeyIsHandshakeFailure() {
        // RFC 8446 §4.4.2.2: no certificate and scheme the client accepts: handshake_failure.
        assertRefused(TlsAlert.HANDSHAKE_FAILURE, RawClientHello.valid(1).with(SignatureAlgorithms.of(
                SignatureScheme.RSA_PSS_RSAE_SHA256.code(), SignatureScheme.ED25519.code(),
                SignatureScheme.ECDSA_SECP384R1_SHA384.code())));
        // RSASSA-PKCS1-v1_5 is for certificates only in TLS 1.3 (RFC 8446 §4.2.3).
        TlsServerConfig rsa = ServerFlight.server("rsa").build();
        assertAlert(TlsAlert.HANDSHAKE_FAILURE, refused(rsa, RawClientHello.valid(1).with(SignatureAlgorithms.of(
                SignatureScheme.RSA_PKCS1_SHA256.code(), SignatureScheme.RSA_PKCS1_SHA384.code()))));
    }

    // ---- the client's Finished ---------------------------------------------------------------------------

    /** The client's Finished is its only Handshake-level message: flip a bit of its verify_data in flight. */
    @Test
    void aWrongClientFinishedIsDecryptError() {
        EnginePair p = new EnginePair(
                TlsEngine.client(ServerFlight.client("ecdsa-p256").build(), TestPki.seeded(1), ServerFlight.CLIENT_PARAMS),
                newServer(SERVER), (fromClient, data) -> {
                    byte[] b = data.data().clone();
                    if (fromClient && data.level() == EncryptionLevel.HANDSHAKE) {
                        b[b.length - 1] ^= 1;
                    }
                    return b;
                }).run();
        assertNotNull(p.server.failure);
        assertAlert(TlsAlert.DECRYPT_ERROR, p.server.failure);
        EngineAssertions.assertFailedFor(p.server.engine, p.server.failure);
        assertNull(p.server.completion);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 31, 33, 48})
    void aClientFinishedOfTheWrongLengthIsDecodeError(int length) {
        // verify_data has the hash's length (RFC 8446 §4.4.4); another length is a syntax error, decode_error
        // (RFC 8446 §6.2), as OpenSSL and BoringSSL also report it; decrypt_error is for a wrong value.
        ServerFlight f = ServerFlight.of("ecdsa-p256", 2);
        assertAlert(TlsAlert.DECODE_ERROR, assertFails(f.server(), EncryptionLevel.HANDSHAKE,
                Raw.message(HandshakeType.FINISHED, new byte[length])));
    }

    // ---- messages out of place ---------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = HandshakeType.class, names = "CLIENT_HELLO", mode = EnumSource.Mode.EXCLUDE)
    void anythingButAClientHelloFirstIsUnexpectedMessage(HandshakeType type) {
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, assertFails(newServer(SERVER), EncryptionLevel.INITIAL, Raw.sample(type)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 6, 99, 253, 255})
    void anUndefinedMessageTypeIsUnexpectedMessage(int type) {
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE,
                assertFails(newServer(SERVER), EncryptionLevel.INITIAL, Raw.message(type, new byte[] {1, 2})));
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, assertFails(ServerFlight.of("ecdsa-p256", 3).server(),
                EncryptionLevel.HANDSHAKE, Raw.message(type, new byte[0])));
    }

    @ParameterizedTest
    @EnumSource(value = HandshakeType.class, names = "FINISHED", mode = EnumSource.Mode.EXCLUDE)
    void anythingButFinishedWhileWaitingForItIsUnexpectedMessage(HandshakeType type) {
        // No client certificate was requested, so even a client Certificate is out of place (RFC 8446 §4.4.2).
        ServerFlight f = ServerFlight.of("ecdsa-p256", 4);
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, assertFails(f.server(), EncryptionLevel.HANDSHAKE, Raw.sample(type)));
    }

    @Test
    void aWrongMessageWhileSigningIsHeldAndRefusedOnResume() throws TlsAlertException {
        TlsEngine server = newServer(ServerFlight.server("rsa").delegateTasks(true).build());
        server.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(RawClientHello.valid(1).encode()));
        assertEquals(TlsEngine.Status.TASK_PENDING, server.status());
        // Handshake keys are out, so bytes at that level are legal now; they wait for the signature.
        server.receive(EncryptionLevel.HANDSHAKE, ByteBuffer.wrap(Raw.sample(HandshakeType.CERTIFICATE)));
        assertEquals(TlsEngine.Status.TASK_PENDING, server.status());
        server.delegatedTask().run();
        TlsAlertException e = assertThrows(TlsAlertException.class, server::resume);
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, e);
        EngineAssertions.assertFailedFor(server, e);
    }

    @ParameterizedTest
    @EnumSource(HandshakeType.class)
    void anyMessageAfterCompletionIsUnexpectedMessage(HandshakeType type) {
        // RFC 9001 §6: no KeyUpdate in QUIC; a client sends nothing else after its Finished (RFC 8446 §4.6).
        ServerFlight f = ServerFlight.of("ecdsa-p256", 5).completed();
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, assertFails(f.server(), EncryptionLevel.APPLICATION, Raw.sample(type)));
    }

    // ---- levels ------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = EncryptionLevel.class, names = "INITIAL", mode = EnumSource.Mode.EXCLUDE)
    void bytesAtAnotherLevelThanInitialBeforeTheClientHelloAreUnexpectedMessage(EncryptionLevel level) {
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE,
                assertFails(newServer(SERVER), level, RawClientHello.valid(1).encode()));
    }

    @ParameterizedTest
    @EnumSource(value = EncryptionLevel.class, names = "HANDSHAKE", mode = EnumSource.Mode.EXCLUDE)
    void bytesAtAnotherLevelThanHandshakeWhileWaitingForFinishedAreUnexpectedMessage(EncryptionLevel level) {
        ServerFlight f = ServerFlight.of("ecdsa-p256", 6);
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, assertFails(f.server(), level, Raw.sample(HandshakeType.FINISHED)));
    }

    @ParameterizedTest
    @EnumSource(value = EncryptionLevel.class, names = "APPLICATION", mode = EnumSource.Mode.EXCLUDE)
    void bytesBelowApplicationAfterCompletionAreUnexpectedMessage(EncryptionLevel level) {
        ServerFlight f = ServerFlight.of("ecdsa-p256", 7).completed();
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, assertFails(f.server(), level, Raw.sample(HandshakeType.FINISHED)));
    }

    static Stream<byte[]> trailers() {
        return Stream.of(new byte[] {1}, new byte[] {1, 0, 0}, Raw.sample(HandshakeType.CLIENT_HELLO),
                Raw.sample(HandshakeType.FINISHED), new byte[] {1, 0, 0, 9, 0},
                // A header declaring more than the engine takes: refused, not ignored.
                new byte[] {1, (byte) 0xff, (byte) 0xff, (byte) 0xff});
    }

    @ParameterizedTest
    @MethodSource("trailers")
    void bytesAfterTheClientHelloAtInitialAreUnexpectedMessage(byte[] trailer) {
        // RFC 8446 §5.1 and RFC 9001 §4.1.3: nothing may follow the ClientHello at the Initial level once the
        // server has moved to handshake keys.
        byte[] hello = RawClientHello.valid(1).encode();
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, assertFails(newServer(SERVER), EncryptionLevel.INITIAL,
                Raw.concat(hello, trailer)));
        TlsEngine split = newServer(SERVER);
        try {
            split.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(hello));
        } catch (TlsAlertException e) {
            throw new AssertionError(e);
        }
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, assertFails(split, EncryptionLevel.INITIAL, trailer));
    }

    @Test
    void aClientHelloSplitAtEveryByteIsAnswered() throws TlsAlertException {
        byte[] hello = RawClientHello.valid(1).encode();
        TlsEngine server = newServer(SERVER);
        for (byte b : hello) {
            assertNull(server.poll());
            server.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(new byte[] {b}));
        }
        assertNotNull(server.poll());
    }
}
