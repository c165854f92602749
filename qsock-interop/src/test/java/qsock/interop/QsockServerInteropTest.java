package qsock.interop;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.interop.peer.Peer;
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
}
