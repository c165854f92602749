package qsock.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.interop.peer.QsockClient;
import qsock.interop.peer.QsockServer;
import qsock.interop.peer.QuicheClient;
import qsock.interop.peer.QuicheServer;
import qsock.interop.support.HqInterop;
import qsock.tls.jca.NamedGroup;

/**
 * X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem) against quiche, whose TLS is the BoringSSL in Netty's native QUIC
 * codec, as qsock's TLS engine reports the group. BoringSSL has the hybrid, but Netty configures it with x25519,
 * secp256r1, secp384r1 and secp521r1 only: by default quiche neither offers nor accepts it, and qsock's x25519
 * fallback share is what lets a default qsock client in without a HelloRetryRequest. Given the group
 * (BoringSSLContextOption.GROUPS), quiche negotiates the hybrid with qsock in both roles.
 */
class HybridGroupInteropTest {
    private static final String[] HYBRID_FIRST = {"X25519MLKEM768", "x25519"};

    @TempDir
    Path root;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aQuicheServerConfiguredWithTheHybridNegotiatesItWithQsocksDefaultClient() throws Exception {
        try (QuicheServer server = QuicheServer.startAcceptingGroups(root, HYBRID_FIRST);
             QsockClient client = QsockClient.connect(server.address(), HqInterop.ECHO_ALPN, Scenarios.TIMEOUT)) {
            assertEchoes(client.echo(hello()));
            assertEquals(NamedGroup.X25519MLKEM768, client.keyExchangeGroup());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aQuicheClientOfferingTheHybridNegotiatesItWithQsocksDefaultServer() throws Exception {
        try (QsockServer server = QsockServer.start(root);
             QuicheClient client = QuicheClient.connectOfferingGroups(server.address(), HqInterop.ECHO_ALPN,
                     Scenarios.TIMEOUT, HYBRID_FIRST)) {
            assertEchoes(client.echo(hello()));
            assertEquals(List.of(), server.failures());
            assertEquals(List.of(NamedGroup.X25519MLKEM768), server.keyExchangeGroups());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aDefaultQuicheServerTakesTheX25519FallbackShare() throws Exception {
        try (QuicheServer server = QuicheServer.start(root);
             QsockClient client = QsockClient.connect(server.address(), HqInterop.ECHO_ALPN, Scenarios.TIMEOUT)) {
            assertEchoes(client.echo(hello()));
            assertEquals(NamedGroup.X25519, client.keyExchangeGroup());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aDefaultQuicheClientDoesNotOfferTheHybrid() throws Exception {
        try (QsockServer server = QsockServer.start(root);
             QuicheClient client = QuicheClient.connect(server.address(), HqInterop.ECHO_ALPN, Scenarios.TIMEOUT)) {
            assertEchoes(client.echo(hello()));
            assertEquals(List.of(NamedGroup.X25519), server.keyExchangeGroups());
        }
    }

    private static byte[] hello() {
        return "post-quantum hello".getBytes(StandardCharsets.US_ASCII);
    }

    private static void assertEchoes(byte[] echoed) {
        assertArrayEquals(hello(), echoed);
    }
}
