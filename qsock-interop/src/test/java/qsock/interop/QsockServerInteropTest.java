package qsock.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.interop.peer.KwikClient;
import qsock.interop.peer.Peer;
import qsock.interop.peer.QsockServer;
import qsock.interop.support.HqInterop;
import qsock.interop.support.PacketLog.Direction;

/** quiche's and Kwik's clients against qsock's server on loopback. */
class QsockServerInteropTest {
    @TempDir
    Path root;

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void handshakeAgreesOnAlpn(Peer peer) throws Exception {
        Scenarios.qsockServer(peer, root, "handshake hq-interop", HqInterop.ALPN, Scenarios.TIMEOUT,
                (c, relay) -> Scenarios.handshake(c, HqInterop.ALPN));
        Scenarios.qsockServer(peer, root, "handshake echo", HqInterop.ECHO_ALPN, Scenarios.TIMEOUT, (c, relay) -> {
            Scenarios.handshake(c, HqInterop.ECHO_ALPN);
            Scenarios.echo(c);
            Scenarios.payloads(relay, null);
        });
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void threeHundredSequentialStreams(Peer peer) throws Exception {
        Scenarios.qsockServer(peer, root, "300 sequential streams", HqInterop.ALPN, Scenarios.TIMEOUT,
                (c, relay) -> Scenarios.sequentialStreams(c));
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void hqInteropGet(Peer peer) throws Exception {
        Scenarios.qsockServer(peer, root, "hq-interop GET", HqInterop.ALPN, Scenarios.TIMEOUT, (c, relay) -> {
            Scenarios.hqInteropGet(c);
            Scenarios.payloads(relay, null);
        });
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void bulkDownloadVerifiedBySha256(Peer peer) throws Exception {
        Scenarios.qsockServer(peer, root, "GET /50000000", HqInterop.ALPN, Duration.ofSeconds(150),
                (c, relay) -> {
                    Scenarios.bulk(c, 50_000_000);
                    Scenarios.payloads(relay, Direction.TO_CLIENT);
                });
    }

    /**
     * RFC 9000 §5.1.2, §19.15 through the CONNECTION_ID option: the qsock server asks the peer's client to retire its
     * connection IDs below a number, twice; the second request is accepted only once the client retired what the first
     * asked (until then it is refused as still outstanding), and the echoes go on meanwhile.
     */
    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void thePeersClientRetiresTheServersConnectionIdsWhenAsked(Peer peer) throws Exception {
        QsockServer[] started = new QsockServer[1];
        Scenarios.qsockServer(peer, root, "connection ID retirement", HqInterop.ECHO_ALPN, Scenarios.TIMEOUT,
                r -> started[0] = QsockServer.start(r), (c, relay) -> {
                    Scenarios.echo(c);
                    qsock.socket.QuicSocket socket = started[0].awaitHandshakes(1, Scenarios.TIMEOUT).getFirst().socket();
                    for (int round = 0; round < 2; round++) {
                        long lowest = socket.connectionIds(false).priorTo();
                        long deadline = System.nanoTime() + Scenarios.TIMEOUT.toNanos();
                        boolean asked = false;
                        while (!asked && System.nanoTime() - deadline < 0) {
                            try {
                                socket.setOption(qsock.socket.QuicSocketOptions.CONNECTION_ID,
                                        new qsock.socket.ConnectionIdInfo(false, 0, lowest + 1));
                                asked = true;
                            } catch (IllegalStateException | IllegalArgumentException notYet) {
                                // The peer has not yet retired what the last round asked, or not yet got IDs.
                                Scenarios.echo(c);
                            }
                        }
                        assertTrue(asked, "round " + round + ": retire below " + (lowest + 1));
                        assertEquals(lowest + 1, socket.connectionIds(false).priorTo());
                        Scenarios.echo(c);
                    }
                });
    }

    @org.junit.jupiter.api.Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void kwiksDatagramsComeBackWholeFromQsock() throws Exception {
        Files.write(root.resolve("hello.txt"), new byte[] {1});
        try (QsockServer server = QsockServer.start(root);
             KwikClient client = KwikClient.connectWithDatagrams(server.address(), HqInterop.ECHO_ALPN,
                     Scenarios.TIMEOUT)) {
            int max = client.maxDatagramSize();
            assertTrue(max > 1000, "largest datagram Kwik sends: " + max);
            java.util.Random random = new java.util.Random(8);
            for (int i = 0; i < 20; i++) {
                byte[] d = new byte[1 + random.nextInt(max)];
                random.nextBytes(d);
                // Datagrams are unreliable: one lost on loopback is sent again, up to three times.
                byte[] back = null;
                for (int attempt = 0; attempt < 3 && back == null; attempt++) {
                    assertTrue(client.sendDatagram(d), "qsock agreed to datagrams");
                    back = client.receiveDatagram(Duration.ofSeconds(1));
                }
                assertArrayEquals(d, back, "datagram " + i);
            }
            assertEquals(java.util.List.of(), server.failures(), "what the qsock server saw go wrong");
        }
    }

    /**
     * The interop runner's chacha20 case, the other way: a qsock server that accepts ChaCha20-Poly1305 alone agrees on
     * it with quiche's client, and a file arrives whole. Kwik's client (0.10.8) offers TLS_AES_128_GCM_SHA256 alone
     * unless told otherwise in its builder, so against it the handshake ends with handshake_failure, as it should.
     */
    @ParameterizedTest
    @EnumSource(value = Peer.class, names = "QUICHE")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void chacha20IsAgreedWhenItIsAllQsockAccepts(Peer peer) throws Exception {
        QsockServer[] started = {null};
        Scenarios.qsockServer(peer, root, "chacha20", HqInterop.ALPN, Scenarios.TIMEOUT, dir -> {
            started[0] = QsockServer.startAccepting(dir,
                    qsock.core.handshake.CipherSuite.TLS_CHACHA20_POLY1305_SHA256);
            return started[0];
        }, (c, relay) -> {
            Scenarios.hqInteropGet(c);
            assertEquals(List.of(qsock.core.handshake.CipherSuite.TLS_CHACHA20_POLY1305_SHA256),
                    started[0].cipherSuites());
        });
    }
}
