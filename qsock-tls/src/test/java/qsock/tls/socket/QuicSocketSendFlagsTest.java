package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicMessage;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamLimitException;

/**
 * The send flags beyond opening and ending streams: MORE (the cork), SNDBLOCK (STREAMS_BLOCKED on a refused open),
 * DATAGRAM (a datagram through send). A datagram sent after stream data tells the receiver that whatever the sender
 * flushed before it has arrived: packets are read in order, and the datagram leaves after the stream data would have.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QuicSocketSendFlagsTest {

    private static final ConnectionConfig DATAGRAMS = ConnectionConfig.builder().maxDatagramFrameSize(1500).build();

    /** Sends a datagram and waits for it at the peer: what left before it has arrived too. */
    private static void marker(QuicSocket from, QuicSocket to) throws Exception {
        from.sendDatagram(ByteBuffer.wrap(new byte[] {42}), 0);
        ByteBuffer got = ByteBuffer.allocate(10);
        assertEquals(1, to.receiveDatagram(got));
    }

    @Test
    void moreHoldsSmallSendsBackUntilASendWithoutIt() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1", DATAGRAMS, 4);
             Loopback.Connection c = loopback.connect(DATAGRAMS)) {
            QuicSocket client = c.client();
            QuicSocket server = c.server();
            long id = client.openStream(-1, 0);
            assertEquals(10, client.send(ByteBuffer.wrap(new byte[10]), id, StreamFlags.MORE));
            assertEquals(10, client.send(ByteBuffer.wrap(new byte[10]), id, StreamFlags.MORE));
            marker(client, server);
            assertNull(server.receive(ByteBuffer.allocate(100), StreamFlags.DONTWAIT), "corked: nothing left yet");
            // A send without MORE uncorks: all 30 bytes leave, together.
            assertEquals(10, client.send(ByteBuffer.wrap(new byte[10]), id, StreamFlags.FIN));
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(100);
            for (int i = 0; i < 10; i++) {
                buf.clear();
                QuicMessage m = server.receive(buf, 0);
                read.write(buf.array(), 0, m.length());
                if (m.fin()) {
                    break;
                }
            }
            assertEquals(30, read.size());
        }
    }

    @Test
    void corkedDataLeavesInFullPackets() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1", DATAGRAMS, 4);
             Loopback.Connection c = loopback.connect(DATAGRAMS)) {
            QuicSocket client = c.client();
            QuicSocket server = c.server();
            long id = client.openStream(-1, 0);
            byte[] data = new byte[5000];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 7);
            }
            // 50 sends of 100 bytes, corked: only full packets may leave; the last send uncorks the rest.
            for (int i = 0; i < 49; i++) {
                client.send(ByteBuffer.wrap(data, i * 100, 100), id, StreamFlags.MORE);
            }
            marker(client, server);
            int packet = client.statistics().maxDatagramSize() - 64;
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            for (QuicMessage m = server.receive(buf, StreamFlags.DONTWAIT); m != null;
                 m = server.receive(buf, StreamFlags.DONTWAIT)) {
                read.write(buf.array(), 0, m.length());
                buf.clear();
            }
            int early = read.size();
            assertTrue(early >= packet && early <= 4900, "full packets left while corked: " + early);
            assertTrue(4900 - early < packet, "less than a packet's worth held back: " + (4900 - early));
            client.send(ByteBuffer.wrap(data, 4900, 100), id, StreamFlags.FIN);
            for (int i = 0; i < 100; i++) {
                buf.clear();
                QuicMessage m = server.receive(buf, 0);
                read.write(buf.array(), 0, m.length());
                if (m.fin()) {
                    break;
                }
            }
            assertArrayEquals(data, read.toByteArray());
        }
    }

    @Test
    void aRefusedOpenSendsStreamsBlockedOnlyWithSndblock() throws Exception {
        ConnectionConfig oneStream = DATAGRAMS.toBuilder().maxStreamsBidi(1).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", oneStream, 4);
             Loopback.Connection c = loopback.connect(DATAGRAMS)) {
            QuicSocket client = c.client();
            QuicSocket server = c.server();
            assertEquals(0, client.openStream(-1, 0));
            assertThrows(StreamLimitException.class, () -> client.openStream(4, StreamFlags.DONTWAIT));
            assertThrows(StreamLimitException.class,
                    () -> client.send(ByteBuffer.allocate(1), 4, StreamFlags.NEW | StreamFlags.DONTWAIT));
            marker(client, server);
            assertEquals(0, server.statistics().streamsBlockedReceived(), "no STREAMS_BLOCKED without SNDBLOCK");
            assertThrows(StreamLimitException.class,
                    () -> client.openStream(4, StreamFlags.DONTWAIT | StreamFlags.SNDBLOCK));
            marker(client, server);
            assertEquals(1, server.statistics().streamsBlockedReceived(), "STREAMS_BLOCKED with SNDBLOCK");
        }
    }

    @Test
    void sendWithDatagramSendsOneDatagram() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1", DATAGRAMS, 4);
             Loopback.Connection c = loopback.connect(DATAGRAMS)) {
            assertEquals(3, c.client().send(ByteBuffer.wrap(new byte[] {1, 2, 3}), -1, StreamFlags.DATAGRAM));
            ByteBuffer got = ByteBuffer.allocate(10);
            QuicMessage m = c.server().receive(got, 0);
            assertTrue(m.isDatagram() && m.endOfRecord());
            assertEquals(3, m.length());
            assertThrows(IllegalArgumentException.class, () -> c.client().send(ByteBuffer.allocate(1), -1,
                    StreamFlags.DATAGRAM | StreamFlags.FIN), "a datagram is no stream");
        }
    }
}
