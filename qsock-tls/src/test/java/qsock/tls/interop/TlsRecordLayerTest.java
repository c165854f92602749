package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.handshake.CipherSuite;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.TestPki;
import qsock.tls.jca.NamedGroup;

/**
 * The test record layer with qsock on both ends over loopback TCP: what the interop tests rely on
 * (fragmentation, keys per direction, alerts in plaintext and protected, close_notify) checked where
 * both sides can be observed.
 */
@Timeout(30)
class TlsRecordLayerTest extends PeerTestBase {

    /** What the server side saw, or how it failed. */
    private record ServerRun(TlsRecordLayer layer, Exception failure, byte[] received) {}

    /** Accepts one connection, handshakes, reads {@code readLength} bytes, answers, awaits close_notify. */
    private Future<ServerRun> serve(ServerSocket listener, TlsServerConfig config, int readLength, byte[] answer) {
        return peers.submit(() -> {
            TlsRecordLayer server = QsockEndpoints.accept(listener, config, 2);
            try (server) {
                server.handshake();
                byte[] received = server.read(readLength);
                server.write(answer);
                server.awaitCloseNotify();
                return new ServerRun(server, null, received);
            } catch (Exception e) {
                return new ServerRun(server, e, null);
            }
        });
    }

    @Test
    void handshakeThenApplicationDataBothWaysInRecordsOfAtMost2To14Bytes() throws Exception {
        byte[] up = Payloads.of(1, Payloads.LENGTH);
        byte[] down = Payloads.of(2, Payloads.LENGTH);
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<ServerRun> serverRun = serve(listener, QsockEndpoints.server("ecdsa-p256")
                    .cipherSuites(CipherSuite.TLS_CHACHA20_POLY1305_SHA256).applicationProtocols("h3").build(),
                    up.length, down);
            TlsRecordLayer client = QsockEndpoints.connect(listener.getLocalPort(),
                    QsockEndpoints.client("ecdsa-p256").applicationProtocols("h3").keyShareGroups(NamedGroup.SECP384R1)
                            .build(), 1);
            try (client) {
                client.handshake();
                assertEquals(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, client.completion().cipherSuite());
                assertEquals("h3", client.completion().applicationProtocol());
                assertEquals(NamedGroup.SECP384R1, Hellos.keyExchangeGroup(client.serverHello()));
                assertEquals(TestPki.leaf("ecdsa-p256"), client.completion().peerCertificates().getFirst());
                client.write(up);
                assertArrayEquals(down, client.read(down.length));
            }
            ServerRun server = serverRun.get(20, TimeUnit.SECONDS);
            assertNull(server.failure());
            assertArrayEquals(up, server.received());
            assertEquals("localhost", server.layer().engine().serverName());
            // 100 000 bytes = 6 full records of 2^14 bytes and one of 1 696.
            assertEquals(7, client.applicationRecordsSent());
            assertEquals(7, server.layer().applicationRecordsReceived());
            assertEquals(7, server.layer().applicationRecordsSent());
            assertEquals(7, client.applicationRecordsReceived());
            assertEquals(0, server.layer().changeCipherSpecsDropped());
        }
    }

    @Test
    void aClientHelloOver2To14BytesIsSplitIntoRecordsAndReassembled() throws Exception {
        // RFC 7301 allows ALPN lists up to 2^16 bytes: a hundred 200-byte names make a 20 KB ClientHello.
        List<String> protocols = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            protocols.add(String.format("%03d", i) + "x".repeat(197));
        }
        protocols.add("h3");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<ServerRun> serverRun = serve(listener,
                    QsockEndpoints.server("ed25519").applicationProtocols("h3").build(), 1, new byte[] {2});
            TlsRecordLayer client = QsockEndpoints.connect(listener.getLocalPort(), QsockEndpoints.client("ed25519")
                    .applicationProtocols(protocols.toArray(String[]::new)).build(), 1);
            try (client) {
                client.handshake();
                client.write(new byte[] {1});
                assertArrayEquals(new byte[] {2}, client.read(1));
            }
            ServerRun server = serverRun.get(20, TimeUnit.SECONDS);
            assertNull(server.failure());
            assertEquals("h3", server.layer().completion().applicationProtocol());
            assertEquals(101, server.layer().clientHello().extension(
                    qsock.tls.extension.ApplicationLayerProtocolNegotiation.class).orElseThrow().protocols().size());
        }
    }

    @Test
    void aServerFailureBeforeHandshakeKeysReachesTheClientAsAPlaintextAlert() throws Exception {
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<ServerRun> serverRun = serve(listener,
                    QsockEndpoints.server("rsa").applicationProtocols("h3").build(), 1, new byte[0]);
            TlsClientConfig config = QsockEndpoints.client("rsa").applicationProtocols("hq-interop").build();
            try (TlsRecordLayer client = QsockEndpoints.connect(listener.getLocalPort(), config, 1)) {
                PeerAlertException alert = assertThrows(PeerAlertException.class, client::handshake);
                assertEquals(TlsAlert.NO_APPLICATION_PROTOCOL.code(), alert.description());
                assertFalse(alert.protectedRecord());
            }
            TlsAlertException sent = assertInstanceOf(TlsAlertException.class, serverRun.get(20, TimeUnit.SECONDS).failure());
            assertEquals(TlsAlert.NO_APPLICATION_PROTOCOL, sent.alert());
        }
    }

    @Test
    void aClientFailureAfterHandshakeKeysReachesTheServerAsAProtectedAlert() throws Exception {
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<ServerRun> serverRun = serve(listener, QsockEndpoints.server("ecdsa-p384").build(), 1, new byte[0]);
            // The client trusts another CA: it fails on the server's Certificate, a Handshake-level message.
            TlsClientConfig config = QsockEndpoints.client("ed25519").build();
            try (TlsRecordLayer client = QsockEndpoints.connect(listener.getLocalPort(), config, 1)) {
                TlsAlertException sent = assertThrows(TlsAlertException.class, client::handshake);
                assertEquals(TlsAlert.UNKNOWN_CA, sent.alert());
            }
            PeerAlertException alert = assertInstanceOf(PeerAlertException.class,
                    serverRun.get(20, TimeUnit.SECONDS).failure());
            assertEquals(TlsAlert.UNKNOWN_CA.code(), alert.description());
            assertTrue(alert.protectedRecord());
        }
    }
}
