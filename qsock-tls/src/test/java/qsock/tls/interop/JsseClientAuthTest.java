package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.tls.ClientAuth;
import qsock.tls.Credential;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;

/**
 * Client certificates (RFC 8446 §4.3.2, §4.4.2) against the JDK's SunJSSE over loopback TCP, both ways: a
 * JSSE server with {@code setNeedClientAuth(true)} authenticates the qsock client, and a JSSE client with a
 * key manager answers the qsock server's CertificateRequest.
 */
@Timeout(30)
class JsseClientAuthTest extends PeerTestBase {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rsa", "ecdsa-p256", "ecdsa-p384", "ed25519"})
    void jsseServerNeedingClientAuthAcceptsTheQsockClient(String pki) throws Exception {
        SSLContext context = Jsse.context(pki);
        SSLParameters parameters = Jsse.parameters(context, Jsse.TLS13, null, null);
        parameters.setNeedClientAuth(true);
        try (SSLServerSocket listener = Jsse.listen(context, parameters)) {
            Future<Object> serverRun = peers.submit(() -> {
                try (SSLSocket socket = (SSLSocket) listener.accept()) {
                    socket.setSoTimeout(QsockEndpoints.SOCKET_TIMEOUT_MILLIS);
                    byte[] received = socket.getInputStream().readNBytes(2);
                    socket.getOutputStream().write(new byte[] {3, 4});
                    socket.getOutputStream().flush();
                    return List.of(received, socket.getSession().getPeerCertificates()[0]);
                }
            });
            TlsRecordLayer client = QsockEndpoints.connect(listener.getLocalPort(), QsockEndpoints.client(pki)
                    .credential(new Credential(TestPki.chain(pki), TestPki.leafKey(pki))).build(), 71);
            try (client) {
                client.handshake();
                client.write(new byte[] {1, 2});
                assertArrayEquals(new byte[] {3, 4}, client.read(2));
            }
            List<?> seen = (List<?>) serverRun.get(20, TimeUnit.SECONDS);
            assertArrayEquals(new byte[] {1, 2}, (byte[]) seen.get(0));
            assertEquals(TestPki.leaf(pki), seen.get(1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rsa", "ecdsa-p256", "ecdsa-p384", "ed25519"})
    void jsseClientWithAKeyManagerIsAuthenticatedByTheQsockServer(String pki) throws Exception {
        SSLContext context = Jsse.context(pki);
        SSLParameters parameters = Jsse.parameters(context, Jsse.TLS13, null, null);
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<byte[]> clientRun = peers.submit(() -> {
                try (SSLSocket socket = Jsse.connect(context, listener.getLocalPort(), parameters)) {
                    socket.getOutputStream().write(new byte[] {5, 6});
                    socket.getOutputStream().flush();
                    return socket.getInputStream().readNBytes(2);
                }
            });
            TlsRecordLayer server = QsockEndpoints.accept(listener, QsockEndpoints.server(pki)
                    .clientAuthentication(ClientAuth.REQUIRE,
                            CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(pki)))).build(), 72);
            try (server) {
                server.handshake();
                assertArrayEquals(new byte[] {5, 6}, server.read(2));
                server.write(new byte[] {7, 8});
            }
            assertArrayEquals(new byte[] {7, 8}, clientRun.get(20, TimeUnit.SECONDS));
            assertEquals(TestPki.chain(pki), server.engine().peerCertificates());
        }
    }

    /**
     * RFC 8446 §4.2.4: SunJSSE's key manager, holding two EC client certificates from different CAs, picks the
     * one whose issuer the qsock server's certificate_authorities names; with the key types equal, nothing
     * else tells them apart.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ecdsa-p256", "ecdsa-p384"})
    void jsseClientPicksTheCertificateTheQsockServersAuthoritiesName(String trusted) throws Exception {
        javax.net.ssl.SSLContext context;
        char[] password = "qsock-test".toCharArray();
        java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        for (String pki : List.of("ecdsa-p256", "ecdsa-p384")) {
            keys.setKeyEntry(pki, TestPki.leafKey(pki), password,
                    TestPki.chain(pki).toArray(java.security.cert.X509Certificate[]::new));
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", TestPki.ca("rsa"));
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), TestPki.seeded(0x15F));
        SSLParameters parameters = Jsse.parameters(context, Jsse.TLS13, null, null);
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<byte[]> clientRun = peers.submit(() -> {
                try (SSLSocket socket = Jsse.connect(context, listener.getLocalPort(), parameters)) {
                    socket.getOutputStream().write(new byte[] {5, 6});
                    socket.getOutputStream().flush();
                    return socket.getInputStream().readNBytes(2);
                }
            });
            TlsRecordLayer server = QsockEndpoints.accept(listener, QsockEndpoints.server("rsa")
                    .clientAuthentication(ClientAuth.REQUIRE,
                            CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(trusted)))).build(), 73);
            try (server) {
                server.handshake();
                assertArrayEquals(new byte[] {5, 6}, server.read(2));
                server.write(new byte[] {7, 8});
            }
            assertArrayEquals(new byte[] {7, 8}, clientRun.get(20, TimeUnit.SECONDS));
            assertEquals(TestPki.chain(trusted), server.engine().peerCertificates());
        }
    }
}
