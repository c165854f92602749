package qsock.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.interop.peer.InteropClient;
import qsock.interop.peer.Peer;
import qsock.interop.peer.QsockServer;
import qsock.interop.support.Evidence;
import qsock.interop.support.HqInterop;
import qsock.interop.support.PacketLog;
import qsock.interop.support.UdpRelay;

/**
 * quiche's and Kwik's clients against a qsock server that requires Retry (RFC 9000 §8.1.2): each client gets exactly
 * one Retry, follows it with the token, checks the server's original_destination_connection_id and
 * retry_source_connection_id (§7.3), and completes an hq-interop exchange.
 */
class QsockServerRetryInteropTest {
    @TempDir
    Path root;

    /** {@return whether {@code d} starts with a QUIC v1 Retry packet (long header, type 0b11)} */
    private static boolean isRetry(ByteBuffer d) {
        int first = d.get(d.position()) & 0xff;
        return d.remaining() > 5 && (first & 0x80) != 0 && (first & 0x30) == 0x30 && d.getInt(d.position() + 1) == 1;
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aClientFollowsTheQsockServersRetryAndCompletes(Peer peer) throws Exception {
        Files.write(root.resolve(Scenarios.FILE.substring(1)), Scenarios.FILE_CONTENT);
        AtomicInteger retries = new AtomicInteger();
        try (QsockServer server = QsockServer.startRequiringRetry(root);
             UdpRelay relay = UdpRelay.start(server.address(), (direction, datagram) -> {
                 if (direction == PacketLog.Direction.TO_CLIENT && isRetry(datagram)) {
                     retries.incrementAndGet();
                 }
                 return false;
             })) {
            Evidence.keep(peer + " client vs qsock server requiring Retry", relay, List.of(), server::failures,
                    () -> {
                        try (InteropClient client = peer.client(relay.address(), HqInterop.ALPN, Scenarios.TIMEOUT)) {
                            Scenarios.handshake(client, HqInterop.ALPN);
                        }
                        assertEquals(1, retries.get(), "Retry packets the qsock server sent");
                        assertEquals(List.of(), server.failures(), "what the qsock server saw go wrong");
                    });
        }
    }
}
