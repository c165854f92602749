package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NotYetConnectedException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicEvent;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;

/**
 * Connection migration on real sockets (issue 13, the runtime; the socket draft's CONNECTION_MIGRATION option): a
 * client that moves to a new local address mid-transfer (RFC 9000 §9.2), the runtime sending each packet from the
 * UDP socket of its path and closing the old one afterwards; a server's preferred address the client moves to by
 * itself (§9.6); and the refusals.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuicSocketMigrationTest {

    private static final int TRANSFER = 4 << 20;

    @Test
    void aClientMovesToANewPortMidTransfer() throws Exception {
        migrateMidTransfer(new InetSocketAddress("127.0.0.1", 0));
    }

    @Test
    void aClientMovesToAnotherAddressMidTransfer() throws Exception {
        // Linux routes all of 127.0.0.0/8 to loopback; elsewhere only 127.0.0.1 may be bindable.
        InetSocketAddress other = new InetSocketAddress("127.0.0.2", 0);
        Assumptions.assumeTrue(bindable(other), "127.0.0.2 is not usable on this machine");
        migrateMidTransfer(other);
    }

    private static void migrateMidTransfer(InetSocketAddress to) throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            QuicSocket server = c.server();
            client.setOption(QuicSocketOptions.EVENT, Loopback.ALL_EVENTS);
            server.setOption(QuicSocketOptions.EVENT, Loopback.ALL_EVENTS);
            Waits.untilConfirmed(client, server);
            InetSocketAddress before = (InetSocketAddress) client.localAddress();
            assertEquals(before, server.remoteAddress());
            assertEquals(before, client.getOption(QuicSocketOptions.CONNECTION_MIGRATION));
            events(client);
            events(server);

            Future<byte[]> sent = loopback.background(() -> sendBytes(server, TRANSFER, 11));
            byte[] received = receiveAll(client, TRANSFER / 4, () -> {
                try {
                    client.setOption(QuicSocketOptions.CONNECTION_MIGRATION, to);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertTrue(MessageDigest.isEqual(sent.get(20, TimeUnit.SECONDS), digest(received)),
                    "the transfer arrived whole");

            List<QuicEvent> clientEvents = new ArrayList<>();
            Waits.until("the client's move completed", () -> {
                clientEvents.addAll(events(client));
                return clientEvents.contains(new QuicEvent.ConnectionMigration(true));
            });
            InetSocketAddress after = (InetSocketAddress) client.localAddress();
            assertNotEquals(before, after, "the client's local address changed");
            assertEquals(to.getAddress(), after.getAddress());
            assertEquals(after, client.getOption(QuicSocketOptions.CONNECTION_MIGRATION));

            List<QuicEvent> serverEvents = new ArrayList<>();
            Waits.until("the server's socket heard of the peer's move", () -> {
                serverEvents.addAll(events(server));
                return serverEvents.contains(new QuicEvent.ConnectionMigration(false));
            });
            assertEquals(after, server.remoteAddress(), "the server follows the client (§9.3)");
            // The old UDP socket closes once what was in flight to it had time to arrive: its port is free again.
            Waits.until("the old UDP socket is closed", () -> bindable(before));

            // The connection goes on from the new address.
            Future<byte[]> more = loopback.background(() -> sendBytes(server, 200_000, 12));
            assertTrue(MessageDigest.isEqual(more.get(20, TimeUnit.SECONDS), digest(receiveAll(client))));
            assertEquals(after, client.localAddress());
        }
    }

    /**
     * RFC 9000 §8.2.4, §9.2: a new path that never answers (a relay in front of the server passes the client's first
     * address only) is given up after three PTOs: the connection stays where it was, the transfer completes, the
     * socket bound for the move is closed, and a ConnectionMigrationFailed event says so.
     */
    @Test
    void aMoveToAPathThatNeverAnswersIsGivenUpAndItsSocketClosed() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             FirstSenderRelay relay = new FirstSenderRelay(loopback.address)) {
            Future<QuicSocket> accepted = loopback.background(() -> {
                QuicSocket s = loopback.listener.accept();
                QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                return s;
            });
            try (QuicSocket client = QuicSocket.open()) {
                client.setOption(QuicSocketOptions.EVENT, Loopback.ALL_EVENTS);
                client.connect(relay.front());
                QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                try (QuicSocket server = accepted.get(10, TimeUnit.SECONDS)) {
                    Waits.untilConfirmed(client, server);
                    InetSocketAddress before = (InetSocketAddress) client.localAddress();
                    InetSocketAddress moveTo = freePort();
                    events(client);
                    Future<byte[]> sent = loopback.background(() -> sendBytes(server, TRANSFER / 2, 14));
                    byte[] received = receiveAll(client, TRANSFER / 8, () -> {
                        try {
                            client.setOption(QuicSocketOptions.CONNECTION_MIGRATION, moveTo);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    assertTrue(MessageDigest.isEqual(sent.get(20, TimeUnit.SECONDS), digest(received)),
                            "the transfer arrived whole");
                    List<QuicEvent> clientEvents = new ArrayList<>();
                    Waits.until("the move was given up", () -> {
                        clientEvents.addAll(events(client));
                        return clientEvents.contains(new QuicEvent.ConnectionMigrationFailed());
                    });
                    assertTrue(!clientEvents.contains(new QuicEvent.ConnectionMigration(true)), clientEvents::toString);
                    assertEquals(before, client.localAddress(), "the connection stayed");
                    assertTrue(relay.dropped() > 0, "the new path was probed");
                    Waits.until("the socket bound for the move is closed", () -> bindable(moveTo));
                    assertEquals(0, server.statistics().peerAddressChanges());
                }
            }
        }
    }

    /** RFC 9000 §9.6: the listener's preferred address, set as the option; the client moves there by itself. */
    @Test
    void aClientMovesToTheServersPreferredAddressByItself() throws Exception {
        try (QuicSocket listener = QuicSocket.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            listener.listen(16);
            assertNull(listener.getOption(QuicSocketOptions.CONNECTION_MIGRATION));
            listener.setOption(QuicSocketOptions.CONNECTION_MIGRATION, new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress preferred = listener.getOption(QuicSocketOptions.CONNECTION_MIGRATION);
            assertNotEquals(0, preferred.getPort(), "where it is bound");
            assertNotEquals(listener.localAddress(), preferred);
            transferAfterMovingToPreferred(listener, preferred);
        }
    }

    /** The preferred address of the listener's settings, port 0, is bound at listen. */
    @Test
    void aPreferredAddressOfTheSettingsIsBoundAtListen() throws Exception {
        ConnectionConfig config = ConnectionConfig.builder()
                .preferredAddress(new InetSocketAddress("127.0.0.1", 0), null).build();
        try (QuicSocket listener = QuicSocket.open(config).bind(new InetSocketAddress("127.0.0.1", 0))) {
            listener.listen(16);
            InetSocketAddress preferred = listener.getOption(QuicSocketOptions.CONNECTION_MIGRATION);
            assertNotEquals(0, preferred.getPort());
            transferAfterMovingToPreferred(listener, preferred);
        }
    }

    private static void transferAfterMovingToPreferred(QuicSocket listener, InetSocketAddress preferred)
            throws Exception {
        try (java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors
                .newVirtualThreadPerTaskExecutor()) {
            Future<QuicSocket> accepted = threads.submit(() -> {
                QuicSocket s = listener.accept();
                QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                return s;
            });
            try (QuicSocket client = QuicSocket.open()) {
                client.setOption(QuicSocketOptions.EVENT, Loopback.ALL_EVENTS);
                client.connect(listener.localAddress());
                QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                try (QuicSocket server = accepted.get(10, TimeUnit.SECONDS)) {
                    assertEquals(preferred, server.getOption(QuicSocketOptions.CONNECTION_MIGRATION));
                    Future<byte[]> sent = threads.submit(() -> sendBytes(server, TRANSFER, 13));
                    byte[] received = receiveAll(client);
                    assertTrue(MessageDigest.isEqual(sent.get(20, TimeUnit.SECONDS), digest(received)),
                            "the transfer arrived whole");
                    Waits.until("the client moved to the preferred address",
                            () -> preferred.equals(client.remoteAddress()));
                    List<QuicEvent> clientEvents = new ArrayList<>();
                    Waits.until("the client's move event", () -> {
                        clientEvents.addAll(events(client));
                        return clientEvents.contains(new QuicEvent.ConnectionMigration(true));
                    });
                    Waits.until("the server's connection is reached at its preferred address",
                            () -> preferred.equals(server.localAddress()));
                    // Only the server's address changed: the client kept its UDP socket.
                    assertEquals(client.localAddress(), server.remoteAddress());
                }
            }
        }
    }

    /** RFC 9000 §9: a server's disable_active_migration is honoured, with the reason, and no socket is left bound. */
    @Test
    void aServerThatDisablesActiveMigrationRefusesTheMove() throws Exception {
        ConnectionConfig disabling = ConnectionConfig.builder().disableActiveMigration(true).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", disabling, 16); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            Waits.untilConfirmed(client, c.server());
            InetSocketAddress wanted = freePort();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> client.setOption(QuicSocketOptions.CONNECTION_MIGRATION, wanted));
            assertTrue(e.getMessage().contains("disable_active_migration"), e.getMessage());
            assertTrue(bindable(wanted), "nothing was bound for the refused move");
            // The server's connection is no client: it may not move either.
            assertThrows(IllegalStateException.class, () -> c.server().setOption(
                    QuicSocketOptions.CONNECTION_MIGRATION, new InetSocketAddress("127.0.0.1", 0)));
        }
    }

    @Test
    void aSocketThatIsNoConnectionCannotMove() throws Exception {
        try (QuicSocket socket = QuicSocket.open()) {
            assertThrows(NotYetConnectedException.class, () -> socket.setOption(
                    QuicSocketOptions.CONNECTION_MIGRATION, new InetSocketAddress("127.0.0.1", 0)));
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            assertThrows(NotYetConnectedException.class, () -> socket.setOption(
                    QuicSocketOptions.CONNECTION_MIGRATION, new InetSocketAddress("127.0.0.1", 0)));
            assertNull(socket.getOption(QuicSocketOptions.CONNECTION_MIGRATION));
        }
        // A preferred address is one clients reach: not the wildcard.
        try (QuicSocket listener = QuicSocket.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            listener.listen(4);
            assertThrows(IllegalArgumentException.class, () -> listener.setOption(
                    QuicSocketOptions.CONNECTION_MIGRATION, new InetSocketAddress("0.0.0.0", 0)));
            assertNull(listener.getOption(QuicSocketOptions.CONNECTION_MIGRATION));
        }
    }

    @Test
    void aClosedConnectionCannotMove() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            Waits.untilConfirmed(client, c.server());
            c.server().close();
            Waits.until("the client heard the server close", () -> client.state().isClosingOrClosed());
            assertThrows(ClosedConnectionException.class, () -> client.setOption(
                    QuicSocketOptions.CONNECTION_MIGRATION, new InetSocketAddress("127.0.0.1", 0)));
        }
    }

    // ---- helpers ----

    /**
     * A relay on loopback in front of a server that passes the datagrams of the first address that sends to it, and
     * the server's answers back there; anything from another address is dropped (and counted).
     */
    private static final class FirstSenderRelay implements AutoCloseable {
        private final DatagramChannel front;
        private final DatagramChannel back;
        private final InetSocketAddress server;
        private volatile java.net.SocketAddress client;
        private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();

        FirstSenderRelay(InetSocketAddress server) throws IOException {
            this.server = server;
            this.front = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            this.back = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread.ofPlatform().daemon().start(this::toServer);
            Thread.ofPlatform().daemon().start(this::toClient);
        }

        InetSocketAddress front() throws IOException {
            return (InetSocketAddress) front.getLocalAddress();
        }

        long dropped() {
            return dropped.get();
        }

        private void toServer() {
            ByteBuffer buf = ByteBuffer.allocate(65_536);
            try {
                while (true) {
                    buf.clear();
                    java.net.SocketAddress from = front.receive(buf);
                    if (client == null) {
                        client = from;
                    }
                    if (!from.equals(client)) {
                        dropped.incrementAndGet();
                        continue;
                    }
                    buf.flip();
                    back.send(buf, server);
                }
            } catch (IOException e) {
                // closed: done
            }
        }

        private void toClient() {
            ByteBuffer buf = ByteBuffer.allocate(65_536);
            try {
                while (true) {
                    buf.clear();
                    back.receive(buf);
                    buf.flip();
                    if (client != null) {
                        front.send(buf, client);
                    }
                }
            } catch (IOException e) {
                // closed: done
            }
        }

        @Override
        public void close() throws IOException {
            front.close();
            back.close();
        }
    }

    private static List<QuicEvent> events(QuicSocket socket) {
        List<QuicEvent> events = new ArrayList<>();
        for (QuicEvent e = socket.pollEvent(); e != null; e = socket.pollEvent()) {
            events.add(e);
        }
        return events;
    }

    /** {@return whether a UDP socket can be bound to {@code address} now} */
    private static boolean bindable(InetSocketAddress address) {
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(address);
            return true;
        } catch (BindException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@return a loopback address whose port was free a moment ago} */
    private static InetSocketAddress freePort() throws IOException {
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return (InetSocketAddress) ch.getLocalAddress();
        }
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
        ByteArrayOutputStream out = new ByteArrayOutputStream();
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
}
