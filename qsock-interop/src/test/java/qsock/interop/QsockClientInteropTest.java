package qsock.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.interop.peer.Peer;
import qsock.interop.peer.QsockClient;
import qsock.interop.support.HqInterop;
import qsock.interop.support.PacketLog.Direction;

/** qsock's client against quiche's and Kwik's servers on loopback. */
class QsockClientInteropTest {
    @TempDir
    Path root;

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void handshakeAgreesOnAlpn(Peer peer) throws Exception {
        Scenarios.qsockClient(peer, root, "handshake hq-interop", HqInterop.ALPN, Scenarios.TIMEOUT,
                (c, relay) -> Scenarios.handshake(c, HqInterop.ALPN));
        Scenarios.qsockClient(peer, root, "handshake echo", HqInterop.ECHO_ALPN, Scenarios.TIMEOUT, (c, relay) -> {
            Scenarios.handshake(c, HqInterop.ECHO_ALPN);
            Scenarios.echo(c);
            Scenarios.payloads(relay, null);
        });
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void threeHundredSequentialStreams(Peer peer) throws Exception {
        Scenarios.qsockClient(peer, root, "300 sequential streams", HqInterop.ALPN, Scenarios.TIMEOUT,
                (c, relay) -> Scenarios.sequentialStreams(c));
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void hqInteropGet(Peer peer) throws Exception {
        Scenarios.qsockClient(peer, root, "hq-interop GET", HqInterop.ALPN, Scenarios.TIMEOUT, (c, relay) -> {
            Scenarios.hqInteropGet(c);
            Scenarios.payloads(relay, null);
        });
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void bulkDownloadVerifiedBySha256(Peer peer) throws Exception {
        Scenarios.qsockClient(peer, root, "GET /" + peer.largestBody(), HqInterop.ALPN, Duration.ofSeconds(150),
                (c, relay) -> {
                    Scenarios.bulk(c, peer.largestBody());
                    Scenarios.payloads(relay, peer == Peer.QUICHE ? Direction.TO_CLIENT : null);
                });
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pathMtuDiscoveryReachesThePeersLimitAndNeverPassesIt(Peer peer) throws Exception {
        Scenarios.qsockClient(peer, root, "path MTU discovery", HqInterop.ECHO_ALPN, Scenarios.TIMEOUT,
                QsockClient::connectDiscoveringPathMtu, (c, relay) -> {
                    Scenarios.echo(c);
                    // The probes go once the handshake is confirmed; the first tries the peer's limit itself.
                    long deadline = System.nanoTime() + Scenarios.TIMEOUT.toNanos();
                    while (relay.log().largestPayload(Direction.TO_SERVER) < peer.maxUdpPayloadSize()
                            && System.nanoTime() - deadline < 0) {
                        Scenarios.echo(c);
                    }
                    assertEquals(peer.maxUdpPayloadSize(), relay.log().largestPayload(Direction.TO_SERVER),
                            "largest datagram to the " + peer + " server");
                });
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void keyUpdatesQsockStartsAreFollowedByThePeer(Peer peer) throws Exception {
        Scenarios.qsockClient(peer, root, "key updates", HqInterop.ECHO_ALPN, Scenarios.TIMEOUT,
                (server, alpn, timeout) -> QsockClient.connectUpdatingKeysEvery(40, server, alpn, timeout),
                (c, relay) -> {
                    QsockClient client = (QsockClient) c;
                    // Each update waits for an acknowledgement in the current phase and three PTOs after the
                    // peer answered in the new one (RFC 9001 §6.1, §6.5): echoes go on until three happened.
                    long deadline = System.nanoTime() + Scenarios.TIMEOUT.toNanos();
                    // Each echo is a round trip that waits for the peer; the count is read under the lock.
                    while (client.socket().statistics().keyUpdatesInitiated() < 3
                            && System.nanoTime() - deadline < 0) {
                        Scenarios.echo(c);
                    }
                    long started = client.socket().statistics().keyUpdatesInitiated();
                    assertTrue(started >= 3, "key updates started: " + started);
                    // After the updates, the data still goes both ways.
                    Scenarios.echo(c);
                });
    }

    /**
     * RFC 9000 §5.1.2 through the CONNECTION_ID option: once the peer issued connection IDs, the qsock client moves to
     * another one and retires those below it, twice; the peer keeps answering on the new IDs, so it honoured them.
     */
    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theClientSwitchesToThePeersNewConnectionIdsAndDataStillFlows(Peer peer) throws Exception {
        Scenarios.qsockClient(peer, root, "connection ID switch", HqInterop.ECHO_ALPN, Scenarios.TIMEOUT,
                (c, relay) -> {
                    qsock.socket.QuicSocket socket = ((QsockClient) c).socket();
                    Scenarios.echo(c);
                    for (int round = 0; round < 2; round++) {
                        qsock.socket.ConnectionIdInfo in = socket.getOption(qsock.socket.QuicSocketOptions.CONNECTION_ID);
                        long next = in.active() + 1;
                        byte[] before = socket.peerConnectionId();
                        long deadline = System.nanoTime() + Scenarios.TIMEOUT.toNanos();
                        boolean switched = false;
                        // The peer's NEW_CONNECTION_ID frames may still be on their way: echoes let them land.
                        while (!switched && System.nanoTime() - deadline < 0) {
                            try {
                                socket.setOption(qsock.socket.QuicSocketOptions.CONNECTION_ID,
                                        new qsock.socket.ConnectionIdInfo(true, next, next));
                                switched = true;
                            } catch (IllegalArgumentException notYetIssued) {
                                Scenarios.echo(c);
                            }
                        }
                        assertTrue(switched, peer + " issued connection ID " + next);
                        assertEquals(next, socket.getOption(qsock.socket.QuicSocketOptions.CONNECTION_ID).active());
                        assertTrue(!java.util.Arrays.equals(before, socket.peerConnectionId()), "another ID in use");
                        Scenarios.echo(c);
                    }
                });
    }

    /**
     * The interop runner's chacha20 case: a qsock client that offers ChaCha20-Poly1305 alone gets it from the peer,
     * whose packets then open with qsock's ChaCha20 header protection and AEAD (RFC 9001 §5.4.4), and a file
     * arrives whole.
     */
    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void chacha20IsAgreedWhenItIsAllQsockOffers(Peer peer) throws Exception {
        Scenarios.qsockClient(peer, root, "chacha20", HqInterop.ALPN, Scenarios.TIMEOUT,
                (server, alpn, timeout) -> QsockClient.connectOfferingSuites(server, alpn, timeout,
                        qsock.core.handshake.CipherSuite.TLS_CHACHA20_POLY1305_SHA256),
                (c, relay) -> {
                    assertEquals(qsock.core.handshake.CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
                            ((QsockClient) c).socket().cipherSuite());
                    Scenarios.hqInteropGet(c);
                });
    }

    /** RFC 9000 §8.1.2: quiche asks for a Retry; qsock follows it with the token and completes (issue 9, finding 9). */
    @org.junit.jupiter.api.Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRetryFromQuicheIsFollowed() throws Exception {
        java.nio.file.Files.write(root.resolve(Scenarios.FILE.substring(1)), Scenarios.FILE_CONTENT);
        try (qsock.interop.peer.QuicheServer server = qsock.interop.peer.QuicheServer.startRequiringRetry(root);
             qsock.interop.support.UdpRelay relay = qsock.interop.support.UdpRelay.start(server.address())) {
            qsock.interop.support.Evidence.keep("qsock client vs quiche server requiring Retry", relay,
                    java.util.List.of(), () -> {
                        try (QsockClient c = QsockClient.connect(relay.address(), HqInterop.ALPN, Scenarios.TIMEOUT)) {
                            Scenarios.handshake(c, HqInterop.ALPN);
                            assertEquals(1, c.socket().statistics().retries(), "Retry packets followed");
                        }
                    });
        }
    }

    /**
     * RFC 9000 §8.1.2, §7.3: Kwik's server with retryRequired sends a Retry; qsock follows it once with the token,
     * checks Kwik's original_destination_connection_id and retry_source_connection_id, and completes.
     */
    @org.junit.jupiter.api.Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRetryFromKwikIsFollowed() throws Exception {
        java.nio.file.Files.write(root.resolve(Scenarios.FILE.substring(1)), Scenarios.FILE_CONTENT);
        try (qsock.interop.peer.KwikServer server = qsock.interop.peer.KwikServer.startRequiringRetry(root);
             qsock.interop.support.UdpRelay relay = qsock.interop.support.UdpRelay.start(server.address())) {
            qsock.interop.support.Evidence.keep("qsock client vs Kwik server requiring Retry", relay,
                    java.util.List.of(server.log()), () -> {
                        try (QsockClient c = QsockClient.connect(relay.address(), HqInterop.ALPN, Scenarios.TIMEOUT)) {
                            Scenarios.handshake(c, HqInterop.ALPN);
                            assertEquals(1, c.socket().statistics().retries(), "Retry packets followed");
                        }
                    });
        }
    }

    @org.junit.jupiter.api.Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void datagramsGoToQuicheAndComeBackWhole() throws Exception {
        Scenarios.qsockClient(Peer.QUICHE, root, "datagrams", HqInterop.ECHO_ALPN, Scenarios.TIMEOUT,
                QsockClient::connectWithDatagrams, (c, relay) -> {
                    qsock.socket.QuicSocket socket = ((QsockClient) c).socket();
                    int max = socket.maxDatagramPayload();
                    assertTrue(max > 1000 && max <= 1452 - 20, "largest datagram quiche takes: " + max);
                    socket.setOption(qsock.socket.QuicSocketOptions.TIMEOUT, java.time.Duration.ofSeconds(1));
                    java.util.Random random = new java.util.Random(7);
                    java.nio.ByteBuffer back = java.nio.ByteBuffer.allocate(2048);
                    for (int i = 0; i < 20; i++) {
                        byte[] d = new byte[1 + random.nextInt(max)];
                        random.nextBytes(d);
                        // Datagrams are unreliable: one lost on loopback is sent again, up to three times.
                        boolean echoed = false;
                        for (int attempt = 0; attempt < 3 && !echoed; attempt++) {
                            assertTrue(socket.sendDatagram(java.nio.ByteBuffer.wrap(d), 0));
                            try {
                                int n = socket.receiveDatagram(back.clear());
                                assertArrayEquals(d, java.util.Arrays.copyOf(back.array(), n), "datagram " + i);
                                echoed = true;
                            } catch (java.net.SocketTimeoutException e) {
                                // lost one way or the other: again
                            }
                        }
                        assertTrue(echoed, "datagram " + i + " came back");
                    }
                });
    }
}
