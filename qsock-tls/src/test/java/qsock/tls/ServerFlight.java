package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;

/**
 * A client engine whose ClientHello a real server engine has answered, with the server's flight held back:
 * a test delivers it to the client whole, in part, reordered or altered, and watches the client's answer.
 * Also the configurations the negative tests share.
 *
 * @param client the client, waiting for the ServerHello
 * @param server the server, waiting for the client's Finished
 * @param serverHello the server's ServerHello (Initial level)
 * @param encryptedExtensions the server's EncryptedExtensions (Handshake level), as are the three below
 * @param certificate the server's Certificate
 * @param certificateVerify the server's CertificateVerify
 * @param finished the server's Finished
 */
record ServerFlight(TlsEngine client, TlsEngine server, byte[] serverHello, byte[] encryptedExtensions,
                    byte[] certificate, byte[] certificateVerify, byte[] finished) {

    static final byte[] CLIENT_PARAMS = {1, 2, 3};
    static final byte[] SERVER_PARAMS = {4, 5, 6, 7};

    /** {@return a QUIC client offering ALPN "hq-interop" and "echo", trusting the CA of {@code pki}} */
    static TlsClientConfig.Builder client(String pki) {
        return TlsClientConfig.builder().serverName("localhost").applicationProtocols("hq-interop", "echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(pki))));
    }

    /** {@return a QUIC server with the leaf of {@code pki}, serving ALPN "echo" and "hq-interop"} */
    static TlsServerConfig.Builder server(String pki) {
        return TlsServerConfig.builder(new Credential(TestPki.chain(pki), TestPki.leafKey(pki)))
                .applicationProtocols("echo", "hq-interop");
    }

    /** {@return the server's answer to a fresh client's ClientHello, nothing delivered to the client yet} */
    static ServerFlight of(TlsClientConfig clientConfig, TlsServerConfig serverConfig, long seed) {
        TlsEngine client = TlsEngine.client(clientConfig, TestPki.seeded(seed),
                clientConfig.quic() ? CLIENT_PARAMS : null);
        TlsEngine server = TlsEngine.server(serverConfig, TestPki.seeded(seed + 1),
                serverConfig.quic() ? SERVER_PARAMS : null);
        TlsEvent.HandshakeData hello = (TlsEvent.HandshakeData) client.poll();
        try {
            server.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(hello.data()));
        } catch (TlsAlertException e) {
            throw new AssertionError("the server refused the client's hello", e);
        }
        List<TlsEvent.HandshakeData> flight = new ArrayList<>();
        for (TlsEvent e; (e = server.poll()) != null; ) {
            if (e instanceof TlsEvent.HandshakeData d) {
                flight.add(d);
            }
        }
        assertEquals(5, flight.size(), "ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished");
        assertEquals(EncryptionLevel.INITIAL, flight.get(0).level());
        return new ServerFlight(client, server, flight.get(0).data(), flight.get(1).data(), flight.get(2).data(),
                flight.get(3).data(), flight.get(4).data());
    }

    /** {@return the flight for a default client and server of {@code pki}} */
    static ServerFlight of(String pki, long seed) {
        return of(client(pki).build(), server(pki).build(), seed);
    }

    /** Delivers the unaltered ServerHello to the client. */
    ServerFlight helloDelivered() {
        return deliver(EncryptionLevel.INITIAL, serverHello);
    }

    /** Delivers bytes to the client, failing the test on an alert. */
    ServerFlight deliver(EncryptionLevel level, byte[] bytes) {
        try {
            client.receive(level, ByteBuffer.wrap(bytes));
        } catch (TlsAlertException e) {
            throw new AssertionError("unexpected alert " + e, e);
        }
        return this;
    }

    /** {@return the client's alert for these bytes at this level}, after checking that the client is failed */
    TlsAlertException clientAlert(EncryptionLevel level, byte[] bytes) {
        return EngineAssertions.assertFails(client, level, bytes);
    }

    /** Completes the handshake on both sides with the unaltered flight. */
    ServerFlight completed() {
        helloDelivered();
        for (byte[] m : List.of(encryptedExtensions, certificate, certificateVerify, finished)) {
            deliver(EncryptionLevel.HANDSHAKE, m);
        }
        assertEquals(TlsEngine.Status.COMPLETE, client.status());
        for (TlsEvent e; (e = client.poll()) != null; ) {
            if (e instanceof TlsEvent.HandshakeData d) {
                try {
                    server.receive(d.level(), ByteBuffer.wrap(d.data()));
                } catch (TlsAlertException x) {
                    throw new AssertionError("the server refused the client's flight", x);
                }
            }
        }
        assertEquals(TlsEngine.Status.COMPLETE, server.status());
        while (server.poll() != null) {
            // Drop the server's events: the tests look only at what follows.
        }
        return this;
    }
}
