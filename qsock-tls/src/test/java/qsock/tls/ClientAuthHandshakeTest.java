package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.jca.SignatureScheme;
import qsock.tls.message.HandshakeType;

/**
 * Client certificates (RFC 8446 §4.3.2, §4.4.2, §4.4.3) between the two engines: the server's none /
 * request / require policy, the client's answer with and without a credential, and the alerts for a missing
 * certificate, a forged CertificateVerify, an untrusted chain and a certificate for servers only.
 */
class ClientAuthHandshakeTest {

    private static Credential credential(String pki) {
        return new Credential(TestPki.chain(pki), TestPki.leafKey(pki));
    }

    private static CertificateValidator trusting(String pki) {
        return CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(pki)));
    }

    private static EnginePair run(TlsClientConfig c, TlsServerConfig s, EnginePair.Tamper tamper) {
        return new EnginePair(TlsEngine.client(c, TestPki.seeded(5), TlsEngineHandshakeTest.CLIENT_PARAMS),
                TlsEngine.server(s, TestPki.seeded(6), TlsEngineHandshakeTest.SERVER_PARAMS), tamper).run();
    }

    private static EnginePair run(TlsClientConfig c, TlsServerConfig s) {
        return run(c, s, (fromClient, data) -> data.data());
    }

    /** The handshake message types each side sent, in order. */
    private static List<Integer> sentTypes(EnginePair.Side side) {
        List<Integer> types = new ArrayList<>();
        for (TlsEvent e : side.events) {
            if (e instanceof TlsEvent.HandshakeData d) {
                types.add(d.data()[0] & 0xff);
            }
        }
        return types;
    }

    private static void assertCompleteWithMatchingSecrets(EnginePair p) {
        assertNull(p.client.failure, () -> String.valueOf(p.client.failure));
        assertNull(p.server.failure, () -> String.valueOf(p.server.failure));
        assertEquals(TlsEngine.Status.COMPLETE, p.client.engine.status());
        assertEquals(TlsEngine.Status.COMPLETE, p.server.engine.status());
        for (EncryptionLevel level : List.of(EncryptionLevel.HANDSHAKE, EncryptionLevel.APPLICATION)) {
            assertArrayEquals(p.client.writeSecrets.get(level), p.server.readSecrets.get(level), level + " c->s");
            assertArrayEquals(p.server.writeSecrets.get(level), p.client.readSecrets.get(level), level + " s->c");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void withoutAPolicyTheServerSendsNoCertificateRequestAndTheClientNoCertificate(boolean clientHasCredential) {
        TlsClientConfig.Builder client = TlsEngineHandshakeTest.client("ecdsa-p256");
        if (clientHasCredential) {
            client.credential(credential("ecdsa-p256"));
        }
        EnginePair p = run(client.build(), TlsEngineHandshakeTest.server("ecdsa-p256").build());
        assertCompleteWithMatchingSecrets(p);
        // ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished; the client's Finished.
        assertEquals(List.of(2, 8, 11, 15, 20), sentTypes(p.server));
        assertEquals(List.of(1, 20), sentTypes(p.client));
        assertTrue(p.server.engine.peerCertificates().isEmpty());
    }

    @ParameterizedTest
    @EnumSource(value = ClientAuth.class, names = {"REQUEST", "REQUIRE"})
    void aClientWithACredentialIsAuthenticatedWithEveryKeyType(ClientAuth policy) {
        for (String pki : TestPki.NAMES) {
            EnginePair p = run(TlsEngineHandshakeTest.client(pki).credential(credential(pki)).build(),
                    TlsEngineHandshakeTest.server(pki).clientAuthentication(policy, trusting(pki)).build());
            assertCompleteWithMatchingSecrets(p);
            // RFC 8446 §4.3.2, §4.4: CertificateRequest after EncryptedExtensions; the client's Certificate and
            // CertificateVerify before its Finished.
            assertEquals(List.of(2, 8, 13, 11, 15, 20), sentTypes(p.server), pki);
            assertEquals(List.of(1, 11, 15, 20), sentTypes(p.client), pki);
            assertEquals(TestPki.chain(pki), p.server.engine.peerCertificates(), pki);
            assertEquals(TestPki.chain(pki), p.server.completion.peerCertificates(), pki);
            assertEquals(TestPki.leaf(pki), p.client.engine.peerCertificates().get(0), pki);
        }
    }

    @Test
    void aClientWithoutACredentialAnswersWithAnEmptyCertificateThatRequestAccepts() {
        EnginePair p = run(TlsEngineHandshakeTest.client("rsa").build(), TlsEngineHandshakeTest.server("rsa")
                .clientAuthentication(ClientAuth.REQUEST, trusting("rsa")).build());
        assertCompleteWithMatchingSecrets(p);
        assertEquals(List.of(1, 11, 20), sentTypes(p.client));
        assertTrue(p.server.engine.peerCertificates().isEmpty());
    }

    @Test
    void requireRefusesAClientWithoutACredentialWithCertificateRequired() {
        EnginePair p = run(TlsEngineHandshakeTest.client("rsa").build(), TlsEngineHandshakeTest.server("rsa")
                .clientAuthentication(ClientAuth.REQUIRE, trusting("rsa")).build());
        assertNotNull(p.server.failure);
        assertSame(TlsAlert.CERTIFICATE_REQUIRED, p.server.failure.alert());
        EngineAssertions.assertFailedFor(p.server.engine, p.server.failure);
    }

    @Test
    void aCredentialNoRequestedSchemeCanSignIsNotSentAndRequireRefusesTheClient() {
        // The server verifies ECDSA P-256 only; the client's certificate is RSA, so it sends none (§4.4.2.4).
        TlsServerConfig.Builder server = TlsEngineHandshakeTest.server("ecdsa-p256")
                .signatureSchemes(SignatureScheme.ECDSA_SECP256R1_SHA256);
        TlsClientConfig client = TlsEngineHandshakeTest.client("ecdsa-p256").credential(credential("rsa")).build();
        EnginePair requested = run(client, server.clientAuthentication(ClientAuth.REQUEST, trusting("rsa")).build());
        assertCompleteWithMatchingSecrets(requested);
        assertEquals(List.of(1, 11, 20), sentTypes(requested.client));
        EnginePair required = run(client, server.clientAuthentication(ClientAuth.REQUIRE, trusting("rsa")).build());
        assertSame(TlsAlert.CERTIFICATE_REQUIRED, required.server.failure.alert());
    }

    @Test
    void aCertificateVerifyByAnotherKeyIsDecryptError() {
        // The ecdsa-p256 chain with the CA's key: a well-formed ECDSA signature that the leaf's key does not verify.
        Credential forged = new Credential(TestPki.chain("ecdsa-p256"), TestPki.key("ecdsa-p256-ca.key"));
        EnginePair p = run(TlsEngineHandshakeTest.client("ecdsa-p256").credential(forged).build(),
                TlsEngineHandshakeTest.server("ecdsa-p256")
                        .clientAuthentication(ClientAuth.REQUIRE, trusting("ecdsa-p256")).build());
        assertSame(TlsAlert.DECRYPT_ERROR, p.server.failure.alert());
        assertTrue(p.server.engine.peerCertificates().isEmpty());
    }

    @Test
    void aCertificateVerifyDamagedInFlightIsDecryptError() {
        EnginePair.Tamper flip = (fromClient, data) -> {
            byte[] b = data.data().clone();
            if (fromClient && (b[0] & 0xff) == HandshakeType.CERTIFICATE_VERIFY.code()) {
                b[b.length - 1] ^= 1;
            }
            return b;
        };
        EnginePair p = run(TlsEngineHandshakeTest.client("ed25519").credential(credential("ed25519")).build(),
                TlsEngineHandshakeTest.server("ed25519")
                        .clientAuthentication(ClientAuth.REQUEST, trusting("ed25519")).build(), flip);
        assertSame(TlsAlert.DECRYPT_ERROR, p.server.failure.alert());
    }

    @ParameterizedTest
    @EnumSource(value = ClientAuth.class, names = {"REQUEST", "REQUIRE"})
    void aClientChainFromAnUntrustedAuthorityIsUnknownCa(ClientAuth policy) {
        // A validator that names no authority: with certificate_authorities the client would not send this chain
        // (CertificateAuthoritiesHandshakeTest).
        CertificateValidator unnamed = CertificateValidator.forTrustManager(
                CertificateAuthoritiesHandshakeTest.anonymous("rsa"));
        EnginePair p = run(TlsEngineHandshakeTest.client("rsa").credential(credential("ecdsa-p256")).build(),
                TlsEngineHandshakeTest.server("rsa").clientAuthentication(policy, unnamed).build());
        assertSame(TlsAlert.UNKNOWN_CA, p.server.failure.alert());
        assertTrue(p.server.engine.peerCertificates().isEmpty());
    }

    @Test
    void aCertificateForServersOnlyIsRefusedAsAClientCertificate() {
        List<X509Certificate> chain = new ArrayList<>(TestPki.certificates("ecdsa-p256-serveronly-leaf.pem"));
        chain.add(TestPki.ca("ecdsa-p256"));
        Credential serverOnly = new Credential(chain, TestPki.leafKey("ecdsa-p256"));
        EnginePair p = run(TlsEngineHandshakeTest.client("ecdsa-p256").credential(serverOnly).build(),
                TlsEngineHandshakeTest.server("ecdsa-p256")
                        .clientAuthentication(ClientAuth.REQUEST, trusting("ecdsa-p256")).build());
        assertSame(TlsAlert.UNSUPPORTED_CERTIFICATE, p.server.failure.alert());
    }

    @Test
    void aForeignCertificateRequestContextIsIllegalParameter() {
        // The client's Certificate echoes a context the server did not send: context length 0 -> 1 byte.
        EnginePair.Tamper context = (fromClient, data) -> {
            byte[] b = data.data();
            if (!fromClient || (b[0] & 0xff) != HandshakeType.CERTIFICATE.code()) {
                return b;
            }
            int length = ((b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff)) + 1;
            byte[] out = new byte[b.length + 1];
            out[0] = b[0];
            out[1] = (byte) (length >>> 16);
            out[2] = (byte) (length >>> 8);
            out[3] = (byte) length;
            out[4] = 1;
            out[5] = 42;
            System.arraycopy(b, 5, out, 6, b.length - 5);
            return out;
        };
        EnginePair p = run(TlsEngineHandshakeTest.client("ecdsa-p384").credential(credential("ecdsa-p384")).build(),
                TlsEngineHandshakeTest.server("ecdsa-p384")
                        .clientAuthentication(ClientAuth.REQUEST, trusting("ecdsa-p384")).build(), context);
        assertSame(TlsAlert.ILLEGAL_PARAMETER, p.server.failure.alert());
    }

    @Test
    void theServerValidatesTheClientChainAsADelegatedTask() {
        EnginePair p = run(TlsEngineHandshakeTest.client("rsa").credential(credential("rsa")).delegateTasks(true).build(),
                TlsEngineHandshakeTest.server("rsa").delegateTasks(true)
                        .clientAuthentication(ClientAuth.REQUIRE, trusting("rsa")).build());
        assertCompleteWithMatchingSecrets(p);
        assertEquals(TestPki.chain("rsa"), p.server.engine.peerCertificates());
    }

    @Test
    void requestingWithoutAValidatorIsRefusedByTheConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> TlsEngineHandshakeTest.server("rsa")
                .clientAuthentication(ClientAuth.REQUIRE, null).build());
    }
}
