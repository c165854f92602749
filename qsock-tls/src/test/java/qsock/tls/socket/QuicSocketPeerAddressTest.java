package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.core.wire.ConnectionId;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;

/**
 * Where a connection sends (issue 9, finding 1; RFC 9000 §9.3): only an authenticated packet moves the peer's address,
 * a client listens to its server alone, and a peer that really moved is followed once its new address answers.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QuicSocketPeerAddressTest {

    private static final int TRANSFER = 2 << 20;

    /**
     * A third socket sends datagrams that carry the server's connection ID but no valid packet: before the fix, the
     * first one redirected the transfer to the spoofer (262 KB for one 63-byte datagram).
     */
    @Test
    void spoofedDatagramsCarryingTheConnectionIdRedirectNothing() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect();
             DatagramChannel spoofer = DatagramChannel.open()) {
            spoofer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            spoofer.configureBlocking(false);
            Future<byte[]> sent = loopback.background(() -> sendBytes(c.server(), TRANSFER, 1));
            // The server's connection ID as the client addresses it: what an on-path observer reads off any packet.
            ConnectionId serverId = ConnectionId.of(c.client().peerConnectionId());
            SplittableRandom random = new SplittableRandom(1);
            for (int i = 0; i < 20; i++) {
                spoofer.send(shortHeaderDatagram(serverId, 63, random), c.server().localAddress());
            }
            byte[] received = receiveAll(c.client());
            assertEquals(MessageDigest.isEqual(sent.get(10, TimeUnit.SECONDS), digest(received)), true,
                    "the transfer arrived whole at the client");
            assertEquals(TRANSFER, received.length);
            assertEquals(0, c.server().statistics().peerAddressChanges(), "the peer address never moved");
            assertEquals(c.client().localAddress(), c.server().remoteAddress());
            assertEquals(0, drain(spoofer), "bytes the server sent to the spoofer");
        }
    }

    /** RFC 9000 §9: only clients migrate; a client drops what does not come from its server, authentic or not. */
    @Test
    void aClientDropsDatagramsFromAnyoneButItsServer() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect();
             DatagramChannel stranger = DatagramChannel.open()) {
            stranger.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            ConnectionId clientId = ConnectionId.of(c.client().localConnectionId());
            stranger.send(shortHeaderDatagram(clientId, 1200, new SplittableRandom(2)), c.client().localAddress());
            Waits.until("the client saw the stranger's datagram",
                    () -> c.client().statistics().datagramsFromUnknownAddresses() > 0);
            assertEquals(1, c.client().statistics().datagramsFromUnknownAddresses());
            assertEquals(c.server().localAddress(), c.client().remoteAddress());
            // The connection goes on as before.
            Future<byte[]> sent = loopback.background(() -> sendBytes(c.server(), 100_000, 3));
            assertTrue(MessageDigest.isEqual(sent.get(10, TimeUnit.SECONDS), digest(receiveAll(c.client()))));
        }
    }

    /**
     * A NAT rebinding mid-transfer: the client's packets start coming from another port. The server follows them
     * (an authenticated, highest-numbered packet moved the peer), is held to three times what the new address sent
     * until its PATH_CHALLENGE comes back, and then sends at full speed: the transfer completes.
     */
    @Test
    void aPeerThatMovesIsFollowedOnceItsNewAddressAnswersTheChallenge() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1")) {
            Future<QuicSocket> accepted = loopback.background(() -> {
                QuicSocket s = loopback.listener.accept();
                QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                return s;
            });
            try (Rebinder nat = new Rebinder((InetSocketAddress) loopback.listener.localAddress());
                 QuicSocket client = QuicSocket.open(ConnectionConfig.defaults())) {
                client.connect(nat.front());
                QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                try (QuicSocket server = accepted.get(10, TimeUnit.SECONDS)) {
                    InetSocketAddress before = (InetSocketAddress) server.remoteAddress();
                    Future<byte[]> sent = loopback.background(() -> sendBytes(server, TRANSFER, 4));
                    byte[] received = receiveAll(client, TRANSFER / 4, nat::rebind);
                    assertTrue(MessageDigest.isEqual(sent.get(10, TimeUnit.SECONDS), digest(received)),
                            "the transfer arrived whole");
                    assertEquals(1, server.statistics().peerAddressChanges());
                    assertTrue(server.statistics().peerAddressValidated(), "the new address answered");
                    assertEquals(nat.back(), server.remoteAddress());
                    assertTrue(!before.equals(server.remoteAddress()));
                }
            }
        }
    }

    // ---- helpers ----

    private static ByteBuffer shortHeaderDatagram(ConnectionId dcid, int length, SplittableRandom random) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        b[0] = (byte) (0x40 | (b[0] & 0x3f));
        byte[] id = dcid.toByteArray();
        System.arraycopy(id, 0, b, 1, id.length);
        return ByteBuffer.wrap(b);
    }

    /** Sends {@code n} seeded bytes and FIN on a new stream; returns their SHA-256. */
    private static byte[] sendBytes(QuicSocket socket, int n, long seed) throws Exception {
        byte[] data = new byte[n];
        new SplittableRandom(seed).nextBytes(data);
        socket.send(ByteBuffer.wrap(data), -1, StreamFlags.NEW | StreamFlags.FIN);
        return digest(data);
    }

    private static byte[] receiveAll(QuicSocket socket) throws IOException {
        return receiveAll(socket, Integer.MAX_VALUE, () -> { });
    }

    /** Receives one stream up to its FIN; runs {@code midway} once after {@code after} bytes. */
    private static byte[] receiveAll(QuicSocket socket, int after, Runnable midway) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        boolean ran = false;
        while (true) {
            buf.clear();
            StreamMessage m = socket.receive(buf);
            out.write(buf.array(), 0, buf.position());
            if (!ran && out.size() >= after) {
                ran = true;
                midway.run();
            }
            if (m.fin()) {
                return out.toByteArray();
            }
        }
    }

    private static byte[] digest(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    /** {@return the bytes waiting on a non-blocking channel} */
    private static long drain(DatagramChannel channel) throws IOException {
        long total = 0;
        ByteBuffer buf = ByteBuffer.allocate(65_536);
        for (int i = 0; i < 100_000; i++) {
            buf.clear();
            if (channel.receive(buf) == null) {
                return total;
            }
            total += buf.position();
        }
        return total;
    }

    /**
     * A NAT on loopback between one client and the server: the client talks to {@link #front()}; its datagrams leave
     * towards the server from a back socket, which {@link #rebind()} replaces by a new one (a new port, as a NAT that
     * lost its mapping would pick), and the server's answers to either come back.
     */
    private static final class Rebinder implements AutoCloseable {
        private final DatagramChannel front;
        private final InetSocketAddress server;
        private volatile DatagramChannel back;
        private volatile SocketAddress client;
        private final java.util.List<DatagramChannel> backs = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final java.util.List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();

        Rebinder(InetSocketAddress server) throws IOException {
            this.server = server;
            this.front = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            this.back = openBack();
            threads.add(Thread.ofPlatform().daemon().start(this::toServer));
        }

        InetSocketAddress front() throws IOException {
            return (InetSocketAddress) front.getLocalAddress();
        }

        SocketAddress back() throws IOException {
            return back.getLocalAddress();
        }

        void rebind() {
            try {
                back = openBack();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private DatagramChannel openBack() throws IOException {
            DatagramChannel ch = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            backs.add(ch);
            threads.add(Thread.ofPlatform().daemon().start(() -> toClient(ch)));
            return ch;
        }

        private void toServer() {
            ByteBuffer buf = ByteBuffer.allocate(65_536);
            try {
                while (true) {
                    buf.clear();
                    client = front.receive(buf);
                    buf.flip();
                    back.send(buf, server);
                }
            } catch (ClosedChannelException e) {
                // closed: done
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private void toClient(DatagramChannel ch) {
            ByteBuffer buf = ByteBuffer.allocate(65_536);
            try {
                while (true) {
                    buf.clear();
                    ch.receive(buf);
                    buf.flip();
                    if (client != null) {
                        front.send(buf, client);
                    }
                }
            } catch (ClosedChannelException e) {
                // closed: done
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            front.close();
            for (DatagramChannel ch : backs) {
                ch.close();
            }
        }
    }
}
