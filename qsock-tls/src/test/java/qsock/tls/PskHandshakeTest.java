package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.tls.EngineAssertions.assertAlert;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.HashFunction;
import qsock.tls.cert.TestPki;
import qsock.tls.extension.Extension;
import qsock.tls.extension.KeyShareServerHello;
import qsock.tls.extension.PreSharedKeyClientHello;
import qsock.tls.extension.PreSharedKeyServerHello;
import qsock.tls.extension.PskKeyExchangeModes;
import qsock.tls.jca.NamedGroup;
import qsock.tls.message.ClientHello;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.HandshakeMessage;
import qsock.tls.message.HandshakeType;
import qsock.tls.message.ServerHello;

/**
 * External pre-shared keys (RFC 8446 §4.2.11) between our client and server: both key exchange modes, with a
 * HelloRetryRequest, and every check with the alert RFC 8446 names.
 */
class PskHandshakeTest {

    static final String IDENTITY = "client-7@example";
    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final ExternalPsk PSK = new ExternalPsk(IDENTITY, KEY);

    /** A QUIC client offering {@link #PSK}; it trusts the "ecdsa-p256" CA for a fallback. */
    static TlsClientConfig.Builder client() {
        return ServerFlight.client("ecdsa-p256").externalPsk(PSK);
    }

    /** A QUIC server with {@link #PSK} and no certificate. */
    static TlsServerConfig.Builder pskOnlyServer() {
        return TlsServerConfig.builder(PskKeyring.of(PSK)).applicationProtocols("echo", "hq-interop");
    }

    static EnginePair pair(TlsClientConfig client, TlsServerConfig server, long seed, EnginePair.Tamper t) {
        return new EnginePair(TlsEngine.client(client, TestPki.seeded(seed), ServerFlight.CLIENT_PARAMS),
                TlsEngine.server(server, TestPki.seeded(seed + 1), ServerFlight.SERVER_PARAMS), t).run();
    }

    static EnginePair pair(TlsClientConfig client, TlsServerConfig server, long seed) {
        return pair(client, server, seed, (c, d) -> d.data());
    }

    static HandshakeMessage decode(byte[] message) {
        try {
            return HandshakeCodec.decode(FramedMessage.of(ByteBuffer.wrap(message)), 0);
        } catch (TlsAlertException e) {
            throw new AssertionError(e);
        }
    }

    /** The handshake message types one side sent, in order. */
    static List<HandshakeType> sentTypes(EnginePair.Side side) {
        List<HandshakeType> types = new ArrayList<>();
        for (TlsEvent e : side.events) {
            if (e instanceof TlsEvent.HandshakeData d) {
                ByteBuffer b = ByteBuffer.wrap(d.data());
                while (b.remaining() >= 4) {
                    int type = b.get() & 0xff;
                    int length = ((b.get() & 0xff) << 16) | ((b.get() & 0xff) << 8) | (b.get() & 0xff);
                    types.add(HandshakeType.fromCode(type));
                    b.position(b.position() + length);
                }
            }
        }
        return types;
    }

    static List<byte[]> sent(EnginePair.Side side, HandshakeType type) {
        List<byte[]> out = new ArrayList<>();
        for (TlsEvent e : side.events) {
            if (e instanceof TlsEvent.HandshakeData d && d.data()[0] == (byte) type.code()) {
                out.add(d.data());
            }
        }
        return out;
    }

    static void assertPskCompleted(EnginePair p) {
        assertNull(p.client.failure, () -> "client: " + p.client.failure);
        assertNull(p.server.failure, () -> "server: " + p.server.failure);
        assertNotNull(p.client.completion);
        assertNotNull(p.server.completion);
        for (EncryptionLevel level : List.of(EncryptionLevel.HANDSHAKE, EncryptionLevel.APPLICATION)) {
            assertArrayEquals(p.client.writeSecrets.get(level), p.server.readSecrets.get(level), level::toString);
            assertArrayEquals(p.server.writeSecrets.get(level), p.client.readSecrets.get(level), level::toString);
        }
        assertEquals(IDENTITY, p.client.completion.pskIdentity());
        assertEquals(IDENTITY, p.server.completion.pskIdentity());
        assertTrue(p.client.completion.peerCertificates().isEmpty());
        // RFC 8446 §2.2: no Certificate, CertificateVerify or CertificateRequest in a PSK handshake.
        assertEquals(List.of(HandshakeType.SERVER_HELLO, HandshakeType.ENCRYPTED_EXTENSIONS, HandshakeType.FINISHED),
                sentTypes(p.server));
        assertEquals(List.of(HandshakeType.CLIENT_HELLO, HandshakeType.FINISHED),
                sentTypes(p.client).stream().distinct().toList());
    }

    static ClientHello firstClientHello(EnginePair p) {
        return (ClientHello) decode(sent(p.client, HandshakeType.CLIENT_HELLO).get(0));
    }

    static ServerHello lastServerHello(EnginePair p) {
        List<byte[]> hellos = sent(p.server, HandshakeType.SERVER_HELLO);
        return (ServerHello) decode(hellos.get(hellos.size() - 1));
    }

    // ---- modes -------------------------------------------------------------------------------------

    @Test
    void pskDheKeIsTheDefaultAndNeedsNoCertificate() {
        EnginePair p = pair(client().build(), pskOnlyServer().build(), 1);
        assertPskCompleted(p);
        ClientHello hello = firstClientHello(p);
        List<Extension> extensions = hello.extensions();
        // RFC 8446 §4.2.11: pre_shared_key last; §4.2.9: with psk_key_exchange_modes, psk_dhe_ke only by default.
        assertTrue(extensions.get(extensions.size() - 1) instanceof PreSharedKeyClientHello);
        assertEquals(List.of(PskKeyExchangeModes.PSK_DHE_KE),
                hello.extension(PskKeyExchangeModes.class).orElseThrow().keModes());
        ServerHello sh = lastServerHello(p);
        assertEquals(0, sh.extension(PreSharedKeyServerHello.class).orElseThrow().selectedIdentity());
        assertTrue(sh.extension(KeyShareServerHello.class).isPresent(), "psk_dhe_ke answers the key share");
        assertNotNull(p.client.engine.keyExchangeGroup());
        assertEquals(p.client.engine.keyExchangeGroup(), p.server.engine.keyExchangeGroup());
    }

    @Test
    void pskKeWhenBothSidesAllowIt() {
        EnginePair p = pair(client().pskModes(PskMode.PSK_KE).build(),
                pskOnlyServer().pskModes(PskMode.PSK_KE, PskMode.PSK_DHE_KE).build(), 3);
        assertPskCompleted(p);
        assertTrue(lastServerHello(p).extension(KeyShareServerHello.class).isEmpty(), "psk_ke has no key share");
        assertNull(p.client.engine.keyExchangeGroup());
        assertNull(p.server.engine.keyExchangeGroup());
    }

    @Test
    void aServerPreferringPskKeUsesPskDheKeWhenTheClientOffersOnlyThat() {
        EnginePair p = pair(client().build(), pskOnlyServer().pskModes(PskMode.PSK_KE, PskMode.PSK_DHE_KE).build(), 5);
        assertPskCompleted(p);
        assertTrue(lastServerHello(p).extension(KeyShareServerHello.class).isPresent());
    }

    @Test
    void aClientOfferingPskKeWithAServerThatDoesNotAllowItGetsPskDheKe() {
        EnginePair p = pair(client().pskModes(PskMode.PSK_KE, PskMode.PSK_DHE_KE).build(), pskOnlyServer().build(), 7);
        assertPskCompleted(p);
        assertTrue(lastServerHello(p).extension(KeyShareServerHello.class).isPresent());
    }

    @Test
    void noModeInCommonAndNoCertificateIsHandshakeFailure() {
        EnginePair p = pair(client().pskModes(PskMode.PSK_KE).build(), pskOnlyServer().build(), 9);
        assertAlert(TlsAlert.HANDSHAKE_FAILURE, p.server.failure);
    }

    @Test
    void noModeInCommonFallsBackToTheCertificate() {
        TlsServerConfig server = ServerFlight.server("ecdsa-p256").pskKeyring(PskKeyring.of(PSK)).build();
        EnginePair p = pair(client().pskModes(PskMode.PSK_KE).build(), server, 11);
        assertNull(p.client.failure);
        assertNull(p.server.failure);
        assertNull(p.client.completion.pskIdentity());
        assertNull(p.server.completion.pskIdentity());
        assertFalse(p.client.completion.peerCertificates().isEmpty());
    }

    @Test
    void aServerWithCertificateAndKeyringPrefersThePsk() {
        TlsServerConfig server = ServerFlight.server("ecdsa-p256").pskKeyring(PskKeyring.of(PSK)).build();
        assertPskCompleted(pair(client().build(), server, 13));
    }

    @Test
    void aSha384PskUsesTheSha384Suite() {
        ExternalPsk psk = new ExternalPsk(IDENTITY, KEY, HashFunction.SHA384);
        EnginePair p = pair(ServerFlight.client("ecdsa-p256").externalPsk(psk).build(),
                TlsServerConfig.builder(PskKeyring.of(psk)).applicationProtocols("echo").build(), 15);
        assertPskCompleted(p);
        assertEquals(CipherSuite.TLS_AES_256_GCM_SHA384, p.client.completion.cipherSuite());
    }

    // ---- HelloRetryRequest -----------------------------------------------------------------------

    @Test
    void aPskHandshakeAfterAHelloRetryRequestRecomputesTheBinders() {
        TlsClientConfig client = client().groups(NamedGroup.X25519, NamedGroup.SECP256R1)
                .keyShareGroups(NamedGroup.X25519).build();
        TlsServerConfig server = pskOnlyServer().groups(NamedGroup.SECP256R1).helloRetryCookie(true).build();
        EnginePair p = pair(client, server, 17);
        assertNull(p.client.failure, () -> "client: " + p.client.failure);
        assertNull(p.server.failure, () -> "server: " + p.server.failure);
        assertEquals(IDENTITY, p.server.completion.pskIdentity());
        assertEquals(NamedGroup.SECP256R1, p.client.engine.keyExchangeGroup());
        List<byte[]> hellos = sent(p.client, HandshakeType.CLIENT_HELLO);
        assertEquals(2, hellos.size());
        PreSharedKeyClientHello first = ((ClientHello) decode(hellos.get(0))).extension(PreSharedKeyClientHello.class)
                .orElseThrow();
        PreSharedKeyClientHello second = ((ClientHello) decode(hellos.get(1))).extension(PreSharedKeyClientHello.class)
                .orElseThrow();
        // RFC 8446 §4.2.11.2: the second binder covers message_hash, the HelloRetryRequest and ClientHello2.
        assertEquals(first.identities(), second.identities());
        assertNotEquals(first.binders(), second.binders());
    }

    @Test
    void aHelloRetryRequestForASuiteOfAnotherHashDropsThePsk() {
        // The server wants SHA-384 and secp256r1: the SHA-256 PSK cannot be offered again, and the server,
        // which has a certificate as well, authenticates with it.
        TlsClientConfig client = client().groups(NamedGroup.X25519, NamedGroup.SECP256R1)
                .keyShareGroups(NamedGroup.X25519).build();
        TlsServerConfig server = ServerFlight.server("ecdsa-p256").pskKeyring(PskKeyring.of(PSK))
                .cipherSuites(CipherSuite.TLS_AES_256_GCM_SHA384).groups(NamedGroup.SECP256R1).build();
        EnginePair p = pair(client, server, 19);
        assertNull(p.client.failure, () -> "client: " + p.client.failure);
        assertNull(p.server.failure, () -> "server: " + p.server.failure);
        List<byte[]> hellos = sent(p.client, HandshakeType.CLIENT_HELLO);
        assertTrue(((ClientHello) decode(hellos.get(1))).extension(PreSharedKeyClientHello.class).isEmpty());
        assertNull(p.client.completion.pskIdentity());
    }

    // ---- the server's checks ---------------------------------------------------------------------

    @Test
    void aWrongKeyIsDecryptError() {
        ExternalPsk wrong = new ExternalPsk(IDENTITY, "another key, same identity.....".getBytes(StandardCharsets.UTF_8));
        EnginePair p = pair(ServerFlight.client("ecdsa-p256").externalPsk(wrong).build(), pskOnlyServer().build(), 21);
        // RFC 8446 §4.2.11: the server MUST validate the binder; a wrong one aborts with decrypt_error.
        assertAlert(TlsAlert.DECRYPT_ERROR, p.server.failure);
        assertNull(p.server.completion);
    }

    @Test
    void aBinderChangedInFlightIsDecryptErrorEvenWithACertificateToFallBackOn() {
        TlsServerConfig server = ServerFlight.server("ecdsa-p256").pskKeyring(PskKeyring.of(PSK)).build();
        EnginePair p = pair(client().build(), server, 23, (fromClient, d) -> {
            byte[] b = d.data().clone();
            if (fromClient && b[0] == HandshakeType.CLIENT_HELLO.code()) {
                b[b.length - 1] ^= 1;  // the last byte of the last binder
            }
            return b;
        });
        assertAlert(TlsAlert.DECRYPT_ERROR, p.server.failure);
    }

    @Test
    void anUnknownIdentityWithoutACertificateIsUnknownPskIdentityAndNotNamed() {
        String secretName = "tenant-secret-name-42";
        ExternalPsk unknown = new ExternalPsk(secretName, KEY);
        EnginePair p = pair(ServerFlight.client("ecdsa-p256").externalPsk(unknown).build(), pskOnlyServer().build(), 25);
        // RFC 8446 §6.2: unknown_psk_identity.
        assertAlert(TlsAlert.UNKNOWN_PSK_IDENTITY, p.server.failure);
        String text = p.server.failure.toString() + p.server.failure.getMessage();
        assertFalse(text.contains(secretName), text);
        assertFalse(text.contains(java.util.HexFormat.of().formatHex(secretName.getBytes(StandardCharsets.UTF_8))),
                text);
    }

    @Test
    void anUnknownIdentityWithACertificateFallsBackToAFullHandshake() {
        TlsServerConfig server = ServerFlight.server("ecdsa-p256").pskKeyring(PskKeyring.of(PSK)).build();
        EnginePair p = pair(ServerFlight.client("ecdsa-p256").externalPsk(new ExternalPsk("someone else", KEY)).build(),
                server, 27);
        assertNull(p.client.failure);
        assertNull(p.server.failure);
        assertNull(p.server.completion.pskIdentity());
        assertTrue(sentTypes(p.server).contains(HandshakeType.CERTIFICATE));
    }

    @Test
    void aClientWithoutPskAtAPskOnlyServerIsHandshakeFailure() {
        EnginePair p = pair(ServerFlight.client("ecdsa-p256").build(), pskOnlyServer().build(), 29);
        assertAlert(TlsAlert.HANDSHAKE_FAILURE, p.server.failure);
    }

    // ---- the client's checks ---------------------------------------------------------------------

    /** Rewrites the (non-retry) ServerHello on its way to the client. */
    static EnginePair.Tamper serverHello(UnaryOperator<ServerHello> change) {
        return (fromClient, d) -> {
            if (fromClient || d.data()[0] != HandshakeType.SERVER_HELLO.code()) {
                return d.data();
            }
            ServerHello sh = (ServerHello) decode(d.data());
            return sh.isHelloRetryRequest() ? d.data() : Raw.encode(change.apply(sh));
        };
    }

    static ServerHello withExtensions(ServerHello sh, int suite, List<Extension> extensions) {
        return new ServerHello(sh.legacyVersion(), sh.random(), sh.legacySessionIdEcho(), suite,
                sh.legacyCompressionMethod(), extensions);
    }

    @Test
    void aSelectedIdentityOutOfRangeIsIllegalParameter() {
        EnginePair p = pair(client().build(), pskOnlyServer().build(), 31, serverHello(sh -> withExtensions(sh,
                sh.cipherSuite(), sh.extensions().stream()
                        .map(e -> e instanceof PreSharedKeyServerHello ? new PreSharedKeyServerHello(1) : e).toList())));
        // RFC 8446 §4.2.11: "Clients MUST verify that the server's selected_identity is within the range".
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, p.client.failure);
        EngineAssertions.assertFailedFor(p.client.engine, p.client.failure);
    }

    @Test
    void aSuiteOfAnotherHashThanThePsksIsIllegalParameter() {
        EnginePair p = pair(client().build(), pskOnlyServer().build(), 33, serverHello(sh -> withExtensions(sh,
                CipherSuite.TLS_AES_256_GCM_SHA384.code(), sh.extensions())));
        // RFC 8446 §4.2.11: the suite's hash must be the PSK's.
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, p.client.failure);
    }

    @Test
    void aSelectedPskWeDidNotOfferIsUnsupportedExtension() {
        TlsServerConfig server = ServerFlight.server("ecdsa-p256").build();
        EnginePair p = pair(ServerFlight.client("ecdsa-p256").build(), server, 35, serverHello(sh -> {
            List<Extension> extensions = new ArrayList<>(sh.extensions());
            extensions.add(new PreSharedKeyServerHello(0));
            return withExtensions(sh, sh.cipherSuite(), extensions);
        }));
        assertAlert(TlsAlert.UNSUPPORTED_EXTENSION, p.client.failure);
    }

    @Test
    void pskKeWithoutOurOfferOfItIsMissingExtension() {
        EnginePair p = pair(client().build(), pskOnlyServer().build(), 37, serverHello(sh -> withExtensions(sh,
                sh.cipherSuite(), sh.extensions().stream().filter(e -> !(e instanceof KeyShareServerHello)).toList())));
        assertAlert(TlsAlert.MISSING_EXTENSION, p.client.failure);
    }
}
