package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.ConnectionPair;

/** Unreliable datagrams (RFC 9221) between two qsock connections over simulated links. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DatagramSimulationTest {

    private static final ConnectionConfig DATAGRAMS = ConnectionConfig.builder().maxDatagramFrameSize(1200).build();

    private static ConnectionPair established(long seed, ConnectionConfig client, ConnectionConfig server,
                                             LinkConfig link) throws Exception {
        ConnectionPair pair = TlsHandshakes.pair(seed).clientConfig(client).serverConfig(server).links(link).build()
                .connect();
        pair.runUntil(() -> pair.bothEstablished()
                && pair.clientSession.connection.state() == ConnectionState.CONFIRMED, 60 * SECOND, 100_000);
        return pair;
    }

    private static byte[] datagram(SplittableRandom random, int maxLength) {
        byte[] d = new byte[1 + random.nextInt(maxLength)];
        random.nextBytes(d);
        return d;
    }

    private static List<byte[]> drain(QuicConnection c) {
        List<byte[]> got = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(65536);
        for (int n; (n = c.receiveDatagram(buf.clear())) >= 0; ) {
            byte[] d = new byte[n];
            buf.flip().get(d);
            got.add(d);
        }
        return got;
    }

    @Test
    void datagramsArriveWholeAndInOrderBothWaysOnACleanPath() throws Exception {
        ConnectionPair pair = established(41, DATAGRAMS, DATAGRAMS, LinkConfig.perfect().withDelay(10 * MS, 0));
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        int max = client.maxDatagramPayload();
        assertTrue(max > 1000 && max < 1200, "largest datagram " + max);
        SplittableRandom random = new SplittableRandom(41);
        List<byte[]> up = new ArrayList<>();
        List<byte[]> down = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            byte[] a = datagram(random, max);
            byte[] b = datagram(random, max);
            assertTrue(client.sendDatagram(ByteBuffer.wrap(a)));
            assertTrue(server.sendDatagram(ByteBuffer.wrap(b)));
            up.add(a);
            down.add(b);
        }
        List<byte[]> atServer = new ArrayList<>();
        List<byte[]> atClient = new ArrayList<>();
        pair.runUntil(() -> {
            atServer.addAll(drain(server));
            atClient.addAll(drain(client));
            return atServer.size() == up.size() && atClient.size() == down.size();
        }, 10 * SECOND, 100_000);
        for (int i = 0; i < up.size(); i++) {
            assertArrayEquals(up.get(i), atServer.get(i), "datagram " + i + " to the server");
            assertArrayEquals(down.get(i), atClient.get(i), "datagram " + i + " to the client");
        }
    }

    @Test
    void lostDatagramsAreNotSentAgainAndTheConnectionCarriesOn() throws Exception {
        ConnectionPair pair = established(42, DATAGRAMS, DATAGRAMS,
                LinkConfig.perfect().withDelay(10 * MS, 0).withLoss(0.3));
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        SplittableRandom random = new SplittableRandom(42);
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            byte[] d = datagram(random, 500);
            d[0] = (byte) i;
            assertTrue(client.sendDatagram(ByteBuffer.wrap(d)));
            sent.add(d);
        }
        List<byte[]> got = new ArrayList<>();
        pair.network.runFor(5 * SECOND, 200_000);
        got.addAll(drain(server));
        assertTrue(got.size() < sent.size() && got.size() > sent.size() / 3,
                "about 70% of 200 arrive once, none twice: " + got.size());
        // Each one that arrived is one that was sent, whole, and none came twice.
        int next = 0;
        for (byte[] d : got) {
            while (next < sent.size() && !java.util.Arrays.equals(sent.get(next), d)) {
                next++;
            }
            assertTrue(next < sent.size(), "an arrival matches a datagram sent after the one before it");
            next++;
        }
        assertEquals(ConnectionState.CONFIRMED, client.state());
        assertEquals(ConnectionState.CONFIRMED, server.state());
    }

    @Test
    void aPeerWithoutDatagramsRefusesThemAndSoDoesTheSizeLimit() throws Exception {
        ConnectionPair pair = established(43, DATAGRAMS, ConnectionConfig.defaults(),
                LinkConfig.perfect().withDelay(10 * MS, 0));
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        assertEquals(0, client.maxDatagramPayload(), "the server advertised no max_datagram_frame_size");
        assertThrows(IllegalStateException.class, () -> client.sendDatagram(ByteBuffer.allocate(10)));
        int max = server.maxDatagramPayload();
        assertThrows(IllegalArgumentException.class, () -> server.sendDatagram(ByteBuffer.allocate(max + 1)),
                "larger than the client's max_datagram_frame_size allows");
        ByteBuffer exact = ByteBuffer.allocate(max);
        assertTrue(server.sendDatagram(exact));
        assertFalse(exact.hasRemaining(), "the datagram was taken whole");
        List<byte[]> got = new ArrayList<>();
        pair.runUntil(() -> got.addAll(drain(client)) && !got.isEmpty(), 5 * SECOND, 10_000);
        assertEquals(max, got.get(0).length);
    }

    @Test
    void theReceiveQueueIsBoundedAndDropsWhatArrivesWhenFull() throws Exception {
        ConnectionPair pair = established(44, DATAGRAMS, DATAGRAMS, LinkConfig.perfect().withDelay(1 * MS, 0));
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        int sent = 0;
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 200; i++) {
                assertTrue(client.sendDatagram(ByteBuffer.wrap(new byte[] {(byte) i})));
                sent++;
            }
            pair.network.runFor(200 * MS, 100_000);
        }
        List<byte[]> got = drain(server);
        assertTrue(got.size() < sent, "the server, never reading, kept " + got.size() + " of " + sent);
        assertEquals(sent, got.size() + server.datagramsDroppedOnArrival(), "every datagram kept or counted");
        // A full send queue refuses instead of growing.
        int accepted = 0;
        while (client.sendDatagram(ByteBuffer.wrap(new byte[] {1})) && accepted < 10_000) {
            accepted++;
        }
        assertTrue(accepted < 10_000, "the send queue is bounded: " + accepted);
    }
}
