package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import qsock.tls.cert.TestPki;
import qsock.tls.jca.SignatureScheme;

/**
 * signature_algorithms and signature_algorithms_cert (RFC 8446 §4.2.3, §4.4.2.2): the server picks the
 * credential the client can accept, and the client refuses chains signed in ways it did not accept.
 */
class SignatureAlgorithmsCertTest {

    private static final SignatureScheme[] ECDSA_ONLY = {SignatureScheme.ECDSA_SECP256R1_SHA256,
        SignatureScheme.ECDSA_SECP384R1_SHA384};

    private static Credential credential(String pki) {
        return new Credential(TestPki.chain(pki), TestPki.leafKey(pki));
    }

    private static TlsClientConfig.Builder clientTrusting(String... pkis) {
        java.util.List<java.security.cert.X509Certificate> cas = java.util.Arrays.stream(pkis).map(TestPki::ca).toList();
        return TlsClientConfig.builder().serverName("localhost").applicationProtocols("echo")
                .certificateValidator(qsock.tls.cert.CertificateValidator.forTrustedCertificates(cas));
    }

    @Test
    void serverPicksTheCredentialWhoseKeyTheClientCanVerify() {
        TlsServerConfig server = TlsServerConfig.builder(credential("rsa")).addCredential(credential("ecdsa-p256"))
                .applicationProtocols("echo").build();
        // The client accepts only ECDSA in CertificateVerify: the RSA credential, first, cannot serve it.
        EnginePair p = TlsEngineHandshakeTest.handshake(clientTrusting("rsa", "ecdsa-p256").signatureSchemes(ECDSA_ONLY)
                .build(), server, 11);
        assertNull(p.client.failure);
        assertEquals(TestPki.leaf("ecdsa-p256"), p.client.engine.peerCertificates().get(0));
    }

    @Test
    void serverPicksTheChainSignedTheWayTheClientAccepts() {
        TlsServerConfig server = TlsServerConfig.builder(credential("rsa")).addCredential(credential("ecdsa-p256"))
                .applicationProtocols("echo").build();
        // RSA-PSS is fine for CertificateVerify, but certificates must be ECDSA-signed: the RSA chain is
        // signed with RSASSA-PKCS1-v1_5, so the ECDSA credential wins.
        EnginePair p = TlsEngineHandshakeTest.handshake(clientTrusting("rsa", "ecdsa-p256")
                .signatureSchemes(SignatureScheme.RSA_PSS_RSAE_SHA256, SignatureScheme.ECDSA_SECP256R1_SHA256)
                .certificateSignatureSchemes(ECDSA_ONLY).build(), server, 12);
        assertNull(p.client.failure);
        assertEquals(TestPki.leaf("ecdsa-p256"), p.client.engine.peerCertificates().get(0));
    }

    @Test
    void withNoAcceptableChainTheServerSendsItsFirstFittingOneAndTheClientRefusesIt() {
        TlsServerConfig server = TlsServerConfig.builder(credential("rsa")).applicationProtocols("echo").build();
        EnginePair p = TlsEngineHandshakeTest.handshake(clientTrusting("rsa")
                .certificateSignatureSchemes(ECDSA_ONLY).build(), server, 13);
        assertEquals(TlsAlert.UNSUPPORTED_CERTIFICATE, p.client.failure.alert());
    }

    @Test
    void anInsecureClientDoesNotJudgeTheChain() {
        TlsServerConfig server = TlsServerConfig.builder(credential("rsa")).applicationProtocols("echo").build();
        EnginePair p = TlsEngineHandshakeTest.handshake(TlsClientConfig.builder().serverName("localhost")
                .applicationProtocols("echo").insecure().certificateSignatureSchemes(ECDSA_ONLY).build(), server, 14);
        assertNull(p.client.failure);
        assertEquals(TlsEngine.Status.COMPLETE, p.client.engine.status());
    }

    @Test
    void noCredentialFittingTheClientsSchemesIsHandshakeFailure() {
        TlsServerConfig server = TlsServerConfig.builder(credential("rsa")).applicationProtocols("echo").build();
        EnginePair p = TlsEngineHandshakeTest.handshake(clientTrusting("rsa").signatureSchemes(ECDSA_ONLY).build(),
                server, 15);
        assertEquals(TlsAlert.HANDSHAKE_FAILURE, p.server.failure.alert());
    }
}
