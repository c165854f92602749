package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicLbSettings;
import qsock.core.runtime.IoEndpointGroup;
import qsock.socket.ConnectionIdInfo;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;

/**
 * {@link QuicSocketOptions#QUIC_LB} on real sockets: every connection ID a listener issues (its handshake Source
 * Connection ID, after a Retry too, and those of its NEW_CONNECTION_ID frames) decodes to its server ID under the
 * settings (draft-ietf-quic-load-balancers §"Load Balancer Actions"), on one I/O thread and on two sharing one encoder,
 * where each ID's first octet still names the thread that owns it; a client that moves to the other thread's socket is
 * handed over by its QUIC-LB ID.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class QuicSocketQuicLbTest {

    private static final byte[] SERVER_ID = HexFormat.of().parseHex("0a0b0c");
    /** The most clients connected to see IDs of both threads: the kernel's hash picks the thread. */
    private static final int MAX_CLIENTS = 16;
    /** The server's IDs each client switches through after the handshake one. */
    private static final int SWITCHES = 3;

    static Stream<Arguments> settings() {
        byte[] key = HexFormat.of().parseHex("fdf726a9893ec05c0632d3956680baf0");
        return Stream.of(
                Arguments.of("four-pass encrypted, one thread", 1, new QuicLbSettings(SERVER_ID, 6, 2, key), false),
                Arguments.of("four-pass encrypted, two threads, Retry", 2, new QuicLbSettings(SERVER_ID, 6, 2, key),
                        true),
                Arguments.of("single-pass encrypted, two threads", 2, new QuicLbSettings(SERVER_ID, 13, 5, key), false),
                Arguments.of("plaintext, two threads", 2, QuicLbSettings.plaintext(SERVER_ID, 8), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void everyConnectionIdTheListenerIssuesDecodesToItsServerId(String name, int threads, QuicLbSettings lb,
                                                                boolean retry) throws Exception {
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<QuicSocket> sockets = new ArrayList<>();
        try (QuicSocket listener = QuicSocket.open(ConnectionConfig.defaults())) {
            listener.setOption(QuicSocketOptions.QUIC_LB, lb);
            listener.setOption(QuicSocketOptions.IO_THREADS, threads);
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            listener.setOption(QuicSocketOptions.VALIDATE_PEER_ADDRESS, retry);
            listener.listen(16);
            assertEquals(threads, (int) listener.getOption(QuicSocketOptions.IO_THREADS));
            Set<String> seen = new HashSet<>();
            Set<Integer> owners = new HashSet<>();
            for (int n = 0; n < MAX_CLIENTS && (n < 2 || owners.size() < threads); n++) {
                Future<QuicSocket> accepted = pool.submit(() -> {
                    QuicSocket s = listener.accept();
                    QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                    return s;
                });
                QuicSocket client = QuicSocket.open(ConnectionConfig.defaults());
                sockets.add(client);
                client.connect(listener.localAddress());
                QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                sockets.add(accepted.get(20, TimeUnit.SECONDS));
                assertEquals(retry ? 1 : 0, client.statistics().retries());
                byte[] first = client.peerConnectionId();
                check(lb, first, seen);
                // The first octet's low bit names the owning thread when there are two (ConnectionIdOwner).
                owners.add(threads == 1 ? 0 : first[0] & 1);
                for (int k = 1; k <= SWITCHES; k++) {
                    int seq = k;
                    // Each switch retires the ID before, so the server issues another (RFC 9000 §5.1.2).
                    Waits.until("the client moved to the server's ID " + seq, () -> {
                        try {
                            client.setOption(QuicSocketOptions.CONNECTION_ID, new ConnectionIdInfo(true, seq, seq));
                            return true;
                        } catch (IllegalArgumentException notYet) {
                            return false;
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                    byte[] cid = client.peerConnectionId();
                    check(lb, cid, seen);
                    assertEquals(first[0] & (threads - 1), cid[0] & (threads - 1),
                            "every ID of a connection names the thread that owns it");
                }
            }
            assertEquals(threads, owners.size(), "IDs of every thread were seen");
        } finally {
            for (QuicSocket s : sockets) {
                s.close();
            }
            pool.shutdownNow();
        }
    }

    /**
     * RFC 9000 §9 with QUIC-LB IDs on two threads: a client that moves to a port the kernel hashes to the other thread's
     * socket sends to a new ID of the server (§9.5), which still decodes to the server ID, and whose first octet still
     * names the owning thread, so the other thread hands its datagrams over and the data arrives.
     */
    @Test
    void aClientThatMovesToTheOtherThreadsSocketIsHandedOverByItsQuicLbId() throws Exception {
        Assumptions.assumeTrue(IoEndpointGroup.supported(), "SO_REUSEPORT spreading datagrams: Linux only");
        QuicLbSettings lb = new QuicLbSettings(SERVER_ID, 6, 3, HexFormat.of().parseHex("00112233445566778899aabbccddeeff"));
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try (QuicSocket listener = QuicSocket.open(ConnectionConfig.defaults())) {
            listener.setOption(QuicSocketOptions.QUIC_LB, lb);
            listener.setOption(QuicSocketOptions.IO_THREADS, 2);
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            listener.listen(4);
            Future<QuicSocket> accepted = pool.submit(() -> {
                QuicSocket s = listener.accept();
                QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                return s;
            });
            try (QuicSocket client = QuicSocket.open(ConnectionConfig.defaults())) {
                client.connect(listener.localAddress());
                QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                try (QuicSocket server = accepted.get(20, TimeUnit.SECONDS)) {
                    Waits.untilConfirmed(client, server);
                    byte[] before = client.peerConnectionId();
                    int owner = QuicSocketIoThreadsTest.threadIndex(server.ioThreads().get(0).thread());
                    int other = 1 - owner;
                    InetSocketAddress port = QuicSocketIoThreadsTest.portHashedTo(listener, owner, other);
                    long handedBefore = listener.ioThreads().get(other).datagramsHandedOff();
                    client.setOption(QuicSocketOptions.CONNECTION_MIGRATION, port);
                    Waits.until("the client moved", () -> port.equals(client.localAddress())
                            && port.equals(server.remoteAddress()));
                    byte[] data = new byte[100_000];
                    new java.util.SplittableRandom(4).nextBytes(data);
                    Future<?> sent = pool.submit(() -> client.send(java.nio.ByteBuffer.wrap(data), -1,
                            StreamFlags.NEW | StreamFlags.FIN));
                    assertArrayEquals(data, receiveAll(server), "the data sent after the move arrived");
                    sent.get(20, TimeUnit.SECONDS);
                    byte[] after = client.peerConnectionId();
                    assertFalse(java.util.Arrays.equals(before, after), "a new ID on the new path (RFC 9000 §9.5)");
                    assertArrayEquals(SERVER_ID, lb.serverIdOf(after).orElseThrow(), "the new ID's server ID");
                    assertEquals(owner, after[0] & 1, "the new ID names the owning thread");
                    assertTrue(listener.ioThreads().get(other).datagramsHandedOff() > handedBefore,
                            "the other thread handed the moved client's datagrams over");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] receiveAll(QuicSocket socket) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64 * 1024);
        // Bounded: the stream is 100,000 bytes, and each receive returns at least one byte or the FIN.
        for (int i = 0; i < 200_000; i++) {
            buf.clear();
            StreamMessage m = socket.receive(buf);
            out.write(buf.array(), 0, buf.position());
            if (m.fin()) {
                return out.toByteArray();
            }
        }
        throw new AssertionError("no FIN after 200,000 receives");
    }

    /** Asserts that {@code cid} is of the settings' length and rotation, carries the server ID and is new. */
    private static void check(QuicLbSettings lb, byte[] cid, Set<String> seen) {
        String hex = HexFormat.of().formatHex(cid);
        assertEquals(lb.connectionIdLength(), cid.length, hex);
        assertEquals(lb.configRotation(), (cid[0] & 0xff) >>> 5, "the config rotation bits of " + hex);
        assertArrayEquals(SERVER_ID, lb.serverIdOf(cid).orElseThrow(), "the server ID in " + hex);
        assertTrue(seen.add(hex), "no ID is issued twice: " + hex);
    }
}
