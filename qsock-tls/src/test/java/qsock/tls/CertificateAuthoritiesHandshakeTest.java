package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.extension.CertificateAuthorities;
import qsock.tls.extension.SignatureAlgorithmsCert;
import qsock.tls.jca.SignatureScheme;
import qsock.tls.message.Certificate;
import qsock.tls.message.CertificateRequest;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.HandshakeMessage;
import qsock.tls.message.HandshakeType;

/**
 * certificate_authorities (RFC 8446 §4.2.4) and signature_algorithms_cert (§4.2.3) in client authentication
 * between the two engines: the server names its trust anchors in the CertificateRequest, and a client with
 * several credentials answers with the first the request allows (§4.4.2.3), or with an empty Certificate.
 */
class CertificateAuthoritiesHandshakeTest {

    private static Credential credential(String pki) {
        return new Credential(TestPki.chain(pki), TestPki.leafKey(pki));
    }

    private static CertificateValidator trusting(String... pkis) {
        return CertificateValidator.forTrustedCertificates(Arrays.stream(pkis).map(TestPki::ca).toList());
    }

    private static EnginePair run(TlsClientConfig c, TlsServerConfig s, EnginePair.Tamper tamper) {
        return new EnginePair(TlsEngine.client(c, TestPki.seeded(5), TlsEngineHandshakeTest.CLIENT_PARAMS),
                TlsEngine.server(s, TestPki.seeded(6), TlsEngineHandshakeTest.SERVER_PARAMS), tamper).run();
    }

    private static EnginePair run(TlsClientConfig c, TlsServerConfig s) {
        return run(c, s, (fromClient, data) -> data.data());
    }

    private static HandshakeMessage decode(byte[] message) {
        try {
            return HandshakeCodec.decode(message[0] & 0xff, ByteBuffer.wrap(message, 4, message.length - 4), 32);
        } catch (TlsAlertException e) {
            throw new AssertionError(e);
        }
    }

    /** {@return the first message of this type that a side sent} */
    private static <T extends HandshakeMessage> T sent(EnginePair.Side side, HandshakeType type, Class<T> kind) {
        for (TlsEvent e : side.events) {
            if (e instanceof TlsEvent.HandshakeData d && (d.data()[0] & 0xff) == type.code()) {
                return kind.cast(decode(d.data()));
            }
        }
        throw new AssertionError("no " + type + " sent");
    }

    @Test
    void theServerNamesItsTrustAnchorsAndTheCertificatesItAccepts() {
        EnginePair p = run(TlsEngineHandshakeTest.client("rsa").credential(credential("rsa")).build(),
                TlsEngineHandshakeTest.server("rsa")
                        .clientAuthentication(ClientAuth.REQUIRE, trusting("rsa", "ed25519")).build());
        assertNull(p.server.failure, () -> String.valueOf(p.server.failure));
        CertificateRequest request = sent(p.server, HandshakeType.CERTIFICATE_REQUEST, CertificateRequest.class);
        CertificateAuthorities authorities = request.extension(CertificateAuthorities.class).orElseThrow();
        assertEquals(java.util.Set.of(TestPki.ca("rsa").getSubjectX500Principal(),
                TestPki.ca("ed25519").getSubjectX500Principal()), java.util.Set.copyOf(authorities.authorities()));
        // RSASSA-PKCS1-v1_5, which CAs sign with but CertificateVerify cannot use, is accepted on certificates.
        List<Integer> onCertificates = request.extension(SignatureAlgorithmsCert.class).orElseThrow()
                .supportedSignatureAlgorithms();
        assertTrue(onCertificates.contains(SignatureScheme.RSA_PKCS1_SHA256.code()));
        assertTrue(!onCertificates.contains(SignatureScheme.RSA_PKCS1_SHA1.code()));
    }

    @Test
    void theSystemTrustStoreIsNotListed() {
        EnginePair p = run(TlsEngineHandshakeTest.client("rsa").build(), TlsEngineHandshakeTest.server("rsa")
                .clientAuthentication(ClientAuth.REQUEST, CertificateValidator.system()).build());
        assertNull(p.server.failure, () -> String.valueOf(p.server.failure));
        CertificateRequest request = sent(p.server, HandshakeType.CERTIFICATE_REQUEST, CertificateRequest.class);
        assertTrue(request.extension(CertificateAuthorities.class).isEmpty());
    }

    /** The client holds both credentials, in both orders: the listed authority decides, not the order. */
    @ParameterizedTest
    @EnumSource(value = ClientAuth.class, names = {"REQUEST", "REQUIRE"})
    void theClientAnswersWithTheCredentialAListedAuthorityIssued(ClientAuth policy) {
        for (String trusted : List.of("rsa", "ecdsa-p256")) {
            for (boolean rsaFirst : List.of(true, false)) {
                TlsClientConfig.Builder client = TlsEngineHandshakeTest.client("ed25519");
                if (rsaFirst) {
                    client.credential(credential("rsa")).credential(credential("ecdsa-p256"));
                } else {
                    client.credential(credential("ecdsa-p256")).credential(credential("rsa"));
                }
                EnginePair p = run(client.build(), TlsEngineHandshakeTest.server("ed25519")
                        .clientAuthentication(policy, trusting(trusted)).build());
                String what = "trusting " + trusted + ", rsa first " + rsaFirst;
                assertNull(p.server.failure, () -> what + ": " + p.server.failure);
                assertNull(p.client.failure, () -> what + ": " + p.client.failure);
                assertEquals(TestPki.chain(trusted), p.server.engine.peerCertificates(), what);
            }
        }
    }

    @Test
    void withoutACredentialFromAListedAuthorityTheClientSendsAnEmptyCertificate() {
        TlsClientConfig client = TlsEngineHandshakeTest.client("ed25519")
                .credential(credential("rsa")).credential(credential("ecdsa-p256")).build();
        EnginePair request = run(client, TlsEngineHandshakeTest.server("ed25519")
                .clientAuthentication(ClientAuth.REQUEST, trusting("ed25519")).build());
        assertNull(request.server.failure, () -> String.valueOf(request.server.failure));
        assertTrue(sent(request.client, HandshakeType.CERTIFICATE, Certificate.class).certificateList().isEmpty());
        assertTrue(request.server.engine.peerCertificates().isEmpty());

        EnginePair require = run(client, TlsEngineHandshakeTest.server("ed25519")
                .clientAuthentication(ClientAuth.REQUIRE, trusting("ed25519")).build());
        assertSame(TlsAlert.CERTIFICATE_REQUIRED, require.server.failure.alert());
    }

    /**
     * A server whose validator names no authority (a trust manager with no accepted issuers to show) sends no
     * certificate_authorities: the client sends its first credential whose key and chain fit.
     */
    @Test
    void withoutCertificateAuthoritiesTheFirstFittingCredentialIsSent() {
        X509TrustManager anonymous = anonymous("ecdsa-p256");
        EnginePair p = run(TlsEngineHandshakeTest.client("ed25519")
                        .credential(credential("ecdsa-p256")).credential(credential("rsa")).build(),
                TlsEngineHandshakeTest.server("ed25519").clientAuthentication(ClientAuth.REQUIRE,
                        CertificateValidator.forTrustManager(anonymous)).build());
        assertNull(p.server.failure, () -> String.valueOf(p.server.failure));
        assertTrue(sent(p.server, HandshakeType.CERTIFICATE_REQUEST, CertificateRequest.class)
                .extension(CertificateAuthorities.class).isEmpty());
        assertEquals(TestPki.chain("ecdsa-p256"), p.server.engine.peerCertificates());
    }

    /**
     * RFC 8446 §4.4.2.3: the client's certificates "MUST be signed using an acceptable signature algorithm".
     * Our client would not send a chain signed with ecdsa-with-SHA1, which the server's
     * signature_algorithms_cert leaves out, so the client's Certificate is replaced in flight: the server
     * refuses it before its validator or the CertificateVerify, with bad_certificate, the alert §4.4.2.4
     * recommends for SHA-1 (and requires for MD5).
     */
    @Test
    void theServerRefusesAClientChainSignedWithASchemeItsRequestDidNotOffer() {
        List<X509Certificate> sha1Chain = TestPki.chain("sha1");
        EnginePair.Tamper sha1Certificate = (fromClient, data) -> {
            if (!fromClient || (data.data()[0] & 0xff) != HandshakeType.CERTIFICATE.code()) {
                return data.data();
            }
            List<qsock.tls.message.CertificateEntry> entries = new java.util.ArrayList<>();
            for (X509Certificate c : sha1Chain) {
                try {
                    entries.add(new qsock.tls.message.CertificateEntry(
                            qsock.tls.codec.Opaque.of(c.getEncoded()), List.of()));
                } catch (java.security.cert.CertificateEncodingException e) {
                    throw new AssertionError(e);
                }
            }
            return HandshakeCodec.encode(new Certificate(qsock.tls.codec.Opaque.EMPTY, entries));
        };
        EnginePair p = run(TlsEngineHandshakeTest.client("rsa").credential(credential("ecdsa-p256")).build(),
                TlsEngineHandshakeTest.server("rsa")
                        .clientAuthentication(ClientAuth.REQUEST, trusting("ecdsa-p256", "sha1")).build(),
                sha1Certificate);
        assertSame(TlsAlert.BAD_CERTIFICATE, p.server.failure.alert());
        assertTrue(p.server.failure.getMessage().contains("did not offer"), p.server.failure.getMessage());
    }

    /** RFC 8446 §4.4.2.4, the client's side: a server chain signed with SHA-1 is bad_certificate. */
    @Test
    void theClientRefusesAServerChainSignedWithSha1WithBadCertificate() {
        EnginePair p = run(TlsClientConfig.builder().serverName("localhost").applicationProtocols("echo")
                        .certificateValidator(trusting("sha1")).build(),
                TlsServerConfig.builder(credential("sha1")).applicationProtocols("echo").build());
        assertSame(TlsAlert.BAD_CERTIFICATE, p.client.failure.alert());
        assertTrue(p.client.failure.getMessage().contains("SHA1"), p.client.failure.getMessage());
    }

    @Test
    void theValidatorNamesTheSubjectsOfItsAnchors() {
        List<X500Principal> names = trusting("rsa", "ecdsa-p256").certificateAuthorities();
        assertEquals(java.util.Set.of(TestPki.ca("rsa").getSubjectX500Principal(),
                TestPki.ca("ecdsa-p256").getSubjectX500Principal()), java.util.Set.copyOf(names));
        assertTrue(CertificateValidator.insecure().certificateAuthorities().isEmpty());
        assertNotNull(CertificateValidator.system().certificateAuthorities());
        assertTrue(CertificateValidator.system().certificateAuthorities().isEmpty());
    }

    /** A trust manager that trusts the CA of {@code pki}, as the JDK's does, but shows no accepted issuers. */
    static X509TrustManager anonymous(String pki) {
        X509TrustManager jdk;
        try {
            java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("ca", TestPki.ca(pki));
            javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            jdk = (X509TrustManager) factory.getTrustManagers()[0];
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            throw new AssertionError(e);
        }
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                jdk.checkClientTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                jdk.checkServerTrusted(chain, authType);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }
}
