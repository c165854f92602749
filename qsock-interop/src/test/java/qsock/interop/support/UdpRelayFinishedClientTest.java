package qsock.interop.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.interop.support.PacketLog.Direction;

/**
 * The relay's guard against a peer that keeps sending on a connection the test has finished (quiche's client once
 * sent 4.6 million Handshake packets after its connection was closed, see {@link UdpRelay#finishNewestClient}): the
 * finished client's datagrams, and the server's to it, are counted and not relayed, and the next client is relayed
 * as before. Plain UDP sockets stand in for the peers.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UdpRelayFinishedClientTest {
    private static final int FLOOD = 2_000;

    @TempDir
    Path dir;

    private static DatagramChannel open() throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return ch;
    }

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** Receives one datagram (blocking: the test's timeout bounds it) and returns its text and sender. */
    private static String receive(DatagramChannel ch, SocketAddress[] from) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(2048);
        from[0] = ch.receive(b);
        b.flip();
        return StandardCharsets.US_ASCII.decode(b).toString();
    }

    @Test
    void aFinishedClientsDatagramsAreCountedNotRelayedAndTheNextClientIsRelayed() throws Exception {
        try (DatagramChannel server = open(); DatagramChannel first = open(); DatagramChannel next = open();
             UdpRelay relay = UdpRelay.start((InetSocketAddress) server.getLocalAddress())) {
            SocketAddress[] from = new SocketAddress[1];
            first.send(text("hello"), relay.address());
            assertEquals("hello", receive(server, from));
            SocketAddress firstAtServer = from[0];

            assertEquals(first.getLocalAddress(), relay.finishNewestClient());
            for (int i = 0; i < FLOOD; i++) {
                first.send(text("flood " + i), relay.address());
            }
            // The server's answer to the finished client is not relayed either.
            server.send(text("late answer"), firstAtServer);

            // One relay thread reads the front socket in order: once the next client's datagram is through, the
            // flood before it was all seen.
            next.send(text("next"), relay.address());
            assertEquals("next", receive(server, from));
            SocketAddress nextAtServer = from[0];
            assertTrue(!nextAtServer.equals(firstAtServer), "the next client has a relay socket of its own");
            server.send(text("answer"), nextAtServer);
            assertEquals("answer", receive(next, from));

            assertEquals(FLOOD, relay.log().refusedDatagrams(Direction.TO_SERVER), "flood datagrams counted");
            assertEquals(2, relay.log().datagrams(Direction.TO_SERVER), "relayed and logged to the server");
            // The answer to the finished client goes its own relay thread's way: wait for it to be counted.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (relay.log().refusedDatagrams(Direction.TO_CLIENT) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, relay.log().refusedDatagrams(Direction.TO_CLIENT), "late answer counted");
            first.configureBlocking(false);
            assertNull(first.receive(ByteBuffer.allocate(2048)), "nothing reached the finished client");
            ByteBuffer nothingMore = ByteBuffer.allocate(2048);
            server.configureBlocking(false);
            assertNull(server.receive(nothingMore), "no flood datagram reached the server");

            Path file = dir.resolve("log.txt");
            relay.log().writeTo(file);
            String log = Files.readString(file);
            assertTrue(log.contains("not relayed: c->s " + FLOOD + ", s->c 1"), log);
            assertEquals(2, log.lines().filter(l -> !l.contains("#") && l.contains(" c->s ")).count(),
                    "one line per relayed datagram, none for the refused ones:\n" + log);
            assertArrayEquals(new long[] {2, 1}, new long[] {relay.log().datagrams(Direction.TO_SERVER),
                    relay.log().datagrams(Direction.TO_CLIENT)}, "relayed datagrams each way");
        }
    }
    /** {@return a datagram that starts like a long-header packet whose Destination Connection ID is {@code dcid}} */
    private static ByteBuffer longHeader(byte dcid) {
        byte[] b = new byte[40];
        b[0] = (byte) 0xc0; // long header, QUIC bit
        b[4] = 1; // version 1
        b[5] = 8;
        java.util.Arrays.fill(b, 6, 14, dcid);
        return ByteBuffer.wrap(b);
    }

    /**
     * The system may give a new client the port of a finished one: its first long header, with a connection ID the
     * finished connection never used, makes it a client to relay again; the finished connection's own long headers
     * stay refused.
     */
    @Test
    void aNewClientOnAFinishedClientsAddressIsRelayed() throws Exception {
        try (DatagramChannel server = open(); DatagramChannel client = open();
             UdpRelay relay = UdpRelay.start((InetSocketAddress) server.getLocalAddress())) {
            SocketAddress[] from = new SocketAddress[1];
            client.send(longHeader((byte) 1), relay.address());
            receive(server, from);
            assertEquals(client.getLocalAddress(), relay.finishNewestClient());
            client.send(longHeader((byte) 1), relay.address());
            client.send(text("short"), relay.address());
            // The same address, a connection ID not seen before: a new connection.
            client.send(longHeader((byte) 2), relay.address());
            ByteBuffer got = ByteBuffer.allocate(2048);
            server.receive(got);
            assertEquals(2, got.flip().get(6), "the new connection's first datagram was relayed");
            assertEquals(2, relay.log().refusedDatagrams(Direction.TO_SERVER), "the finished connection's two");
            assertEquals(client.getLocalAddress(), relay.finishNewestClient(), "the new client is the newest");
        }
    }
}
