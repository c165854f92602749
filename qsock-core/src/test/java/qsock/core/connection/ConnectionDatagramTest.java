package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.api.Role;
import qsock.core.frame.DatagramFrame;
import qsock.core.frame.Frame;
import qsock.core.handshake.CipherSuite;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Wire;

/** The datagram queues of RFC 9221 through the connection: bounds, drops counted, sizes refused. */
class ConnectionDatagramTest {

    private static final ConnectionConfig DATAGRAMS = ConnectionConfig.builder().maxDatagramFrameSize(1200).build();

    private static ByteBuffer numbered(int i, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        b.putInt(0, i);
        return b;
    }

    @Test
    void theSendQueueTakesMaxQueuedAndARefusalConsumesNothing() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(1).config(DATAGRAMS).established();
        QuicConnection client = pair.clientConnection();
        // Queued without a turn in between: nothing leaves, so the queue's own bound is what refuses.
        for (int i = 0; i < Datagrams.MAX_QUEUED; i++) {
            assertTrue(client.sendDatagram(numbered(i, 8)), "datagram " + i);
        }
        ByteBuffer refused = numbered(-1, 8);
        assertFalse(client.sendDatagram(refused));
        assertEquals(8, refused.remaining(), "a refused datagram is not consumed");
        // Once the queue drains onto the wire, it takes datagrams again, and all that were queued arrive in order.
        QuicConnection server = pair.serverConnection();
        ByteBuffer dst = ByteBuffer.allocate(64);
        int[] next = {0};
        pair.runUntil(() -> {
            for (int n = server.receiveDatagram(dst.clear()); n >= 0; n = server.receiveDatagram(dst.clear())) {
                assertEquals(next[0]++, dst.getInt(0));
            }
            return next[0] == Datagrams.MAX_QUEUED;
        }, 5 * SECOND, 10_000);
        assertTrue(client.sendDatagram(refused));
    }

    @Test
    void aDatagramAtMaxDatagramPayloadArrivesWholeAndOneByteMoreIsRefused() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(2).config(DATAGRAMS).established();
        QuicConnection client = pair.clientConnection();
        int max = client.maxDatagramPayload();
        assertTrue(max > 1000 && max < 1200, "max " + max);
        ByteBuffer tooLarge = ByteBuffer.allocate(max + 1);
        assertThrows(IllegalArgumentException.class, () -> client.sendDatagram(tooLarge));
        assertEquals(max + 1, tooLarge.remaining(), "nothing consumed");
        ByteBuffer atMax = numbered(77, max);
        assertTrue(client.sendDatagram(atMax));
        QuicConnection server = pair.serverConnection();
        pair.runUntil(server::hasDatagram, 5 * SECOND, 10_000);
        ByteBuffer small = ByteBuffer.allocate(max - 1);
        assertThrows(IllegalArgumentException.class, () -> server.receiveDatagram(small));
        assertTrue(server.hasDatagram(), "a datagram that does not fit stays queued");
        ByteBuffer dst = ByteBuffer.allocate(max);
        assertEquals(max, server.receiveDatagram(dst));
        assertEquals(77, dst.getInt(0));
        assertEquals(0, client.datagramsDiscardedUnsent());
    }

    /**
     * The receive queue holds at most MAX_QUEUED: what arrives beyond is dropped (RFC 9221 §5 allows it) and
     * counted, and the datagrams kept are the first that arrived, in order.
     */
    @Test
    void theReceiveQueueKeepsTheFirstMaxQueuedAndCountsTheRestAsDropped() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(3).config(DATAGRAMS).established();
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        int total = Datagrams.MAX_QUEUED + 44;
        long pn = client.packetsSent() + 1000;
        for (int i = 0; i < total; i += 10) {
            Frame[] frames = new Frame[Math.min(10, total - i)];
            for (int j = 0; j < frames.length; j++) {
                frames[j] = new DatagramFrame(numbered(i + j, 16));
            }
            ByteBuffer datagram = Wire.oneRtt(Role.CLIENT, CipherSuite.TLS_AES_128_GCM_SHA256, client.version(), 0,
                    client.peerId(), pn++, Wire.frames(frames));
            pair.server.receive(pair.client.address, datagram, pair.network.now());
        }
        assertEquals(44, server.datagramsDroppedOnArrival());
        ByteBuffer dst = ByteBuffer.allocate(16);
        for (int i = 0; i < Datagrams.MAX_QUEUED; i++) {
            assertEquals(16, server.receiveDatagram(dst.clear()), "datagram " + i);
            assertEquals(i, dst.getInt(0));
        }
        assertEquals(-1, server.receiveDatagram(dst.clear()));
        assertEquals(ConnectionState.CONFIRMED, server.state());
    }
}
