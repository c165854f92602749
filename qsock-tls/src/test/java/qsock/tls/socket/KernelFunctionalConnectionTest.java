package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.socket.ConnectionIdInfo;
import qsock.socket.QuicMessage;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;

/**
 * The kernel module's functional tests of a connection (tests/func_test.c, do_client_connection_test; lines 11 to 15
 * of the list in KERNEL-BEHAVIOURS.md), one test per line, on real sockets on loopback: connection ID retirement,
 * migration, key updates, NEW_TOKEN and datagrams. What the kernel refuses with an errno, qsock refuses with the
 * exception that names it; where qsock behaves otherwise on purpose, the test's Javadoc says so.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KernelFunctionalConnectionTest {

    /** The kernel's functional test gives both ends a max_datagram_frame_size of 1400. */
    private static final ConnectionConfig DATAGRAMS = ConnectionConfig.builder().maxDatagramFrameSize(1400).build();

    /**
     * A max_ack_delay of half a second at both ends: each end's PTO then exceeds it, and an update stays in progress
     * for three PTOs after its switch (RFC 9001 §6.5), so that the refusal of a second one is checked well inside that
     * time, whatever the machine's load.
     */
    private static final ConnectionConfig SLOW_ACKS = ConnectionConfig.builder().maxAckDelayMillis(500).build();

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** Sends {@code s} on a new stream with FIN and {@return the echo server's answer, as text} */
    private static String roundTrip(QuicSocket client, String s) throws IOException {
        client.send(text(s), -1, StreamFlags.NEW | StreamFlags.FIN);
        return new String(EchoServer.receiveStream(client, new long[] {-1}), StandardCharsets.US_ASCII);
    }

    /**
     * Sets {@code info} as the CONNECTION_ID option of {@code socket} once it can be: the IDs it names arrive in the
     * peer's NEW_CONNECTION_ID frames, and a new request for our own waits until the peer retired what the last one
     * asked (RFC 9000 §5.1.2). Until then the socket refuses it; a refusal that lasts fails the test with its reason.
     */
    private static void setWhenTaken(QuicSocket socket, ConnectionIdInfo info) {
        String[] refusal = {""};
        Waits.until("the socket takes " + info, () -> {
            try {
                socket.setOption(QuicSocketOptions.CONNECTION_ID, info);
                return true;
            } catch (IllegalArgumentException | IllegalStateException notYet) {
                refusal[0] = notYet.getMessage();
                return false;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, () -> "last refused: " + refusal[0]);
    }

    private static void refused(QuicSocket socket, ConnectionIdInfo info) {
        assertThrows(IllegalArgumentException.class, () -> socket.setOption(QuicSocketOptions.CONNECTION_ID, info),
                () -> info + " was taken");
    }

    /**
     * Line 11: retire source connection ID 0, then 1; retiring an already retired ID, or all IDs, is refused; retire
     * several; retire up to limit-1; the same six for destination IDs.
     *
     * <p>Source IDs are the client's own, which it asks the server to retire (NEW_CONNECTION_ID with Retire Prior To);
     * destination IDs are the server's, which the client retires with RETIRE_CONNECTION_ID. Both ends keep the
     * default active_connection_id_limit, 7, as the kernel does, so the numbers are the kernel test's: 0..6 at first,
     * then 2..8, 3..9, 5..11, and 11..17 once 5 to 10 (limit-1 of them) went at once. Each step is also checked at
     * the peer: the server stops using the client's retired IDs, and the server's IDs the client retired are gone
     * from what the server lets the client use.
     *
     * <p>qsock differs: a source request's {@code active} is ignored, and reading source IDs gives the lowest the peer
     * may use as both {@code active} and {@code priorTo}, because the peer, not we, picks which of our IDs it sends
     * to (RFC 9000 §5.1.1); so the kernel's "retire several" (prior_to 5, active 8) reads 5 here, not 8, and its two
     * refusals that hinge on a source {@code active} (2, already retired; 10, not issued) have no counterpart: only
     * the refusals of {@code priorTo} (3 again: nothing to retire; 10: all of 3..9) are ported. A destination request
     * names its {@code active} always: the kernel's 0 ("keep the current one, or the lowest left") is written as the
     * ID it resolves to.
     */
    @Test
    void sourceAndDestinationConnectionIdsAreRetiredAndRetiringRetiredOrAllIdsIsRefused() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            QuicSocket server = c.server();

            // Source connection IDs.
            setWhenTaken(client, new ConnectionIdInfo(false, 0, 2));
            assertEquals(new ConnectionIdInfo(false, 2, 2), client.connectionIds(false), "retire source ID 0");
            Waits.until("the server retired the client's IDs 0 and 1", () -> server.connectionIds(true).priorTo() == 2);
            setWhenTaken(client, new ConnectionIdInfo(false, 0, 3));
            assertEquals(new ConnectionIdInfo(false, 3, 3), client.connectionIds(false), "retire source ID 1");
            Waits.until("the server retired the client's ID 2", () -> server.connectionIds(true).priorTo() == 3);

            refused(client, new ConnectionIdInfo(false, 5, 3));
            refused(client, new ConnectionIdInfo(false, 0, 2));
            assertEquals(new ConnectionIdInfo(false, 3, 3), client.connectionIds(false), "a retired ID stays retired");
            refused(client, new ConnectionIdInfo(false, 5, 10));
            assertEquals(new ConnectionIdInfo(false, 3, 3), client.connectionIds(false), "not all of 3..9 retired");

            setWhenTaken(client, new ConnectionIdInfo(false, 8, 5));
            assertEquals(new ConnectionIdInfo(false, 5, 5), client.connectionIds(false), "retire several: 3 and 4");
            Waits.until("the server retired the client's IDs 3 and 4", () -> server.connectionIds(true).priorTo() == 5);
            setWhenTaken(client, new ConnectionIdInfo(false, 0, 11));
            assertEquals(new ConnectionIdInfo(false, 11, 11), client.connectionIds(false), "retire limit-1: 5 to 10");
            Waits.until("the server retired the client's IDs 5 to 10", () -> server.connectionIds(true).priorTo() == 11
                    && server.connectionIds(true).active() >= 11);

            // Destination connection IDs.
            setWhenTaken(client, new ConnectionIdInfo(true, 2, 2));
            assertEquals(new ConnectionIdInfo(true, 2, 2), client.connectionIds(true), "retire destination ID 0");
            Waits.until("the server forgot its IDs 0 and 1", () -> server.connectionIds(false).priorTo() == 2);
            setWhenTaken(client, new ConnectionIdInfo(true, 3, 3));
            assertEquals(new ConnectionIdInfo(true, 3, 3), client.connectionIds(true), "retire destination ID 1");

            refused(client, new ConnectionIdInfo(true, 3, 3));
            refused(client, new ConnectionIdInfo(true, 2, 5));
            assertEquals(new ConnectionIdInfo(true, 3, 3), client.connectionIds(true), "a retired ID stays retired");
            refused(client, new ConnectionIdInfo(true, 5, 10));
            refused(client, new ConnectionIdInfo(true, 10, 5));
            assertEquals(new ConnectionIdInfo(true, 3, 3), client.connectionIds(true), "not all of 3..9 retired");

            setWhenTaken(client, new ConnectionIdInfo(true, 8, 5));
            assertEquals(new ConnectionIdInfo(true, 8, 5), client.connectionIds(true), "retire several: 3 and 4");
            setWhenTaken(client, new ConnectionIdInfo(true, 11, 11));
            assertEquals(new ConnectionIdInfo(true, 11, 11), client.connectionIds(true), "retire limit-1: 5 to 10");
            Waits.until("the server forgot its IDs 0 to 10", () -> server.connectionIds(false).priorTo() == 11);

            // The connection goes on with the IDs left.
            assertEquals("quic connection test12", roundTrip(client, "quic connection test12"));
        }
    }

    /**
     * Line 12: local migration: set it, send from the new address, migration completes; retire IDs during migration;
     * the same for peer migration.
     *
     * <p>The client moves twice. The first move, to a new port, is checked at the client, as the kernel checks its
     * own: the option is taken, a message sent then comes back, the local address becomes the new one, and the move
     * used a destination ID never used before and retired the one of the old path (RFC 9000 §9.5). The second move,
     * to another address, is checked at the server, for which it is the peer's migration: the peer's address becomes
     * the new one, and the server, too, answers there with an ID of the client's it never used and retires the old.
     *
     * <p>qsock differs: only a client moves (RFC 9000 §9: a server is where its clients reach it, or at the preferred
     * address it offered, §9.6), so a server's connection refuses CONNECTION_MIGRATION, and the kernel's peer
     * migration, where its server moves, is here the client's move seen from the server.
     */
    @Test
    void aMigrationCompletesFromTheNewAddressAndRetiresTheOldPathsIdsLocallyAndAtThePeer() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            QuicSocket server = c.server();
            Waits.untilConfirmed(client, server);
            assertThrows(IllegalStateException.class, () -> server.setOption(QuicSocketOptions.CONNECTION_MIGRATION,
                    new InetSocketAddress("127.0.0.1", 0)), "a server's connection does not move");

            // The local migration.
            InetSocketAddress before = (InetSocketAddress) client.localAddress();
            long destination = client.connectionIds(true).active();
            client.setOption(QuicSocketOptions.CONNECTION_MIGRATION, new InetSocketAddress("127.0.0.1", 0));
            assertEquals("quic connection test14", roundTrip(client, "quic connection test14"));
            Waits.until("the client's move completed", () -> !before.equals(client.localAddress()));
            InetSocketAddress moved = (InetSocketAddress) client.localAddress();
            assertEquals(moved, client.getOption(QuicSocketOptions.CONNECTION_MIGRATION));
            assertNotEquals(before.getPort(), moved.getPort());
            Waits.until("the client retired the destination ID of the old path",
                    () -> client.connectionIds(true).priorTo() > destination);
            assertTrue(client.connectionIds(true).active() > destination, "a new destination ID on the new path");
            assertEquals("quic connection test15", roundTrip(client, "quic connection test15"));

            // The peer's migration, as the server sees it.
            InetSocketAddress other = new InetSocketAddress(bindable("127.0.0.2") ? "127.0.0.2" : "127.0.0.1", 0);
            InetSocketAddress peerBefore = (InetSocketAddress) server.remoteAddress();
            assertEquals(moved, peerBefore);
            long serverDestination = server.connectionIds(true).active();
            Waits.until("the client's first move is over", () -> moveTaken(client, other));
            assertEquals("client migration", roundTrip(client, "client migration"));
            Waits.until("the server follows its peer to the new address",
                    () -> !peerBefore.equals(server.remoteAddress()) && server.statistics().peerAddressValidated());
            assertEquals(client.localAddress(), server.remoteAddress());
            Waits.until("the server retired the client's ID of the old path",
                    () -> server.connectionIds(true).priorTo() > serverDestination);
            assertTrue(server.connectionIds(true).active() > serverDestination, "a new ID of the client's");
            assertEquals("quic connection test19", roundTrip(client, "quic connection test19"));
        }
    }

    /** {@return true if {@code client} took a move to {@code to}; false while the last move is still under way} */
    private static boolean moveTaken(QuicSocket client, InetSocketAddress to) {
        try {
            client.setOption(QuicSocketOptions.CONNECTION_MIGRATION, to);
            return true;
        } catch (IllegalStateException underWay) {
            if (!underWay.getMessage().contains("under way")) {
                throw underWay;
            }
            return false;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@return whether a UDP socket can be bound at {@code host} (Linux routes all of 127/8 to loopback)} */
    private static boolean bindable(String host) {
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(new InetSocketAddress(host, 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Line 13: a second key update is refused while one is in progress; local and peer key updates complete.
     *
     * <p>An update is in progress (the KEY_UPDATE option reads true) from its start until the peer answered in the
     * new keys and the old read keys were dropped three PTOs later (RFC 9001 §6.1, §6.5); the test waits for that,
     * where the kernel's sleeps. "Complete" is read off both ends: the side that started counts an update initiated,
     * the other one it followed, and messages still go both ways.
     */
    @Test
    void aSecondKeyUpdateIsRefusedWhileOneIsInProgressAndLocalAndPeerUpdatesComplete() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1", SLOW_ACKS, 4);
             Loopback.Connection c = loopback.connect(SLOW_ACKS)) {
            loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            QuicSocket server = c.server();
            Waits.untilConfirmed(client, server);
            assertFalse(client.getOption(QuicSocketOptions.KEY_UPDATE));

            client.setOption(QuicSocketOptions.KEY_UPDATE, true);
            assertTrue(client.getOption(QuicSocketOptions.KEY_UPDATE), "in progress");
            assertThrows(IllegalStateException.class, () -> client.setOption(QuicSocketOptions.KEY_UPDATE, true));
            assertEquals("quic connection test21", roundTrip(client, "quic connection test21"));
            Waits.until("the local key update is over at both ends",
                    () -> !client.getOption(QuicSocketOptions.KEY_UPDATE)
                            && !server.getOption(QuicSocketOptions.KEY_UPDATE));
            assertEquals(1, client.statistics().keyUpdatesInitiated());
            assertEquals(1, server.statistics().keyUpdates(), "the server followed");
            assertEquals("quic connection test21", roundTrip(client, "quic connection test21"));

            server.setOption(QuicSocketOptions.KEY_UPDATE, true);
            assertThrows(IllegalStateException.class, () -> server.setOption(QuicSocketOptions.KEY_UPDATE, true));
            assertEquals("client key_update", roundTrip(client, "client key_update"));
            Waits.until("the peer's key update is over at both ends",
                    () -> !client.getOption(QuicSocketOptions.KEY_UPDATE)
                            && !server.getOption(QuicSocketOptions.KEY_UPDATE));
            assertEquals(1, client.statistics().keyUpdates(), "the client followed");
            assertEquals(1, server.statistics().keyUpdatesInitiated());
            assertEquals("quic connection test22", roundTrip(client, "quic connection test22"));
        }
    }

    /**
     * Line 14: NEW_TOKEN is received and readable as the token option; setting an empty token on the client is
     * refused.
     *
     * <p>qsock differs: the server sends its NEW_TOKEN by itself once the handshake is confirmed (RFC 9000 §8.1.3),
     * where the kernel's sends one when its application sets the TOKEN option, which does nothing on a qsock server;
     * and a connected client refuses any token (AlreadyConnectedException), since its TOKEN option then reads the
     * token received and a token set serves the connect it is set before, where the kernel keeps one set after
     * connect for the next connection and refuses only an empty one (EINVAL), which qsock refuses before connect
     * (IllegalArgumentException).
     */
    @Test
    void newTokenIsReadableAsTheTokenOptionAndAnEmptyTokenIsRefused() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            assertEquals("client new_token", roundTrip(client, "client new_token"));
            Waits.until("the server's NEW_TOKEN arrived", () -> client.getOption(QuicSocketOptions.TOKEN) != null);
            byte[] token = client.getOption(QuicSocketOptions.TOKEN);
            assertTrue(token.length > 0);

            assertThrows(AlreadyConnectedException.class,
                    () -> client.setOption(QuicSocketOptions.TOKEN, new byte[0]));
            assertArrayEquals(token, client.getOption(QuicSocketOptions.TOKEN), "the token received stays");
            try (QuicSocket unconnected = QuicSocket.open()) {
                assertThrows(IllegalArgumentException.class,
                        () -> unconnected.setOption(QuicSocketOptions.TOKEN, new byte[0]));
            }
        }
    }

    /**
     * Line 15: datagram send and receive; a datagram larger than the peer's max_datagram_frame_size is refused.
     *
     * <p>Both ends set max_datagram_frame_size 1400, as the kernel's test does. The datagram goes as the kernel sends
     * it, with the DATAGRAM flag on a send, and comes back flagged DATAGRAM from the receive that returns messages.
     * Refused (the kernel's EMSGSIZE): the kernel's 4097 bytes, and 1400 bytes, a frame whose type and length do not
     * fit the peer's 1400 beside them.
     */
    @Test
    void datagramsGoBothWaysAndOneLargerThanThePeersMaxDatagramFrameSizeIsRefused() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1", DATAGRAMS, 4);
             Loopback.Connection c = loopback.connect(DATAGRAMS)) {
            QuicSocket client = c.client();
            QuicSocket server = c.server();
            assertEquals(15, client.send(text("client datagram"), -1, StreamFlags.DATAGRAM));
            ByteBuffer buf = ByteBuffer.allocate(4096);
            QuicMessage got = server.receive(buf, 0);
            assertTrue(got.isDatagram() && got.endOfRecord(), got.toString());
            server.send(buf.flip(), -1, StreamFlags.DATAGRAM);

            ByteBuffer back = ByteBuffer.allocate(4096);
            QuicMessage echoed = client.receive(back, 0);
            assertTrue(echoed.isDatagram() && echoed.endOfRecord(), echoed.toString());
            assertEquals(-1, echoed.streamId());
            assertEquals("client datagram", new String(back.array(), 0, echoed.length(), StandardCharsets.US_ASCII));

            assertEquals(1400, client.getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS).maxDatagramFrameSize());
            IOException tooLarge = assertThrows(IOException.class,
                    () -> client.send(ByteBuffer.allocate(4097), -1, StreamFlags.DATAGRAM));
            assertTrue(tooLarge.getMessage().contains("max_datagram_frame_size"), tooLarge.getMessage());
            assertThrows(IOException.class, () -> client.send(ByteBuffer.allocate(1400), -1, StreamFlags.DATAGRAM));
            // Refused, nothing sent: the connection goes on.
            assertEquals(15, client.send(text("client datagram"), -1, StreamFlags.DATAGRAM));
            buf.clear();
            assertEquals(15, server.receive(buf, 0).length());
        }
    }
}
