package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.error.ConnectionError;
import qsock.socket.ClosedConnectionException;
import qsock.socket.ConnectionCloseInfo;
import qsock.socket.QuicEvent;
import qsock.socket.QuicMessage;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.ShutdownHow;
import qsock.socket.StreamFlags;

/**
 * The kernel module's functional test of closing (tests/func_test.c, do_client_close_test and the "client close"
 * case of do_server_test; line 22 of the list in KERNEL-BEHAVIOURS.md) on real sockets on loopback: the
 * CONNECTION_CLOSE option read and set, and the peer's close information arriving with its close event.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KernelFunctionalCloseTest {

    private static final String PHRASE = "this is app err";

    /**
     * Line 22: reading close information that was never set; setting and reading it; the close event; the peer's
     * close information arrives with its close event.
     *
     * <p>Both ends set error code 10, frame type 1 and the kernel test's phrase; read back, the frame type is 0, as
     * in the kernel: an application's CONNECTION_CLOSE carries no frame type (RFC 9000 §19.19). The server sets its
     * information, echoes the client's "client close" message and then closes with shutdown for writing, as the
     * kernel's server does; the client reads the echo, then the close event, laid out as the kernel's {@code struct
     * quic_connection_close} after the type's code, then reads the peer's information from the option.
     */
    @Test
    void closeInformationIsReadUnsetSetAndReadAndThePeersArrivesWithItsCloseEvent() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            QuicSocket server = c.server();
            assertEquals(ConnectionCloseInfo.NONE, client.getOption(QuicSocketOptions.CONNECTION_CLOSE),
                    "never set: no code, no frame, no phrase");

            client.setOption(QuicSocketOptions.CONNECTION_CLOSE, new ConnectionCloseInfo(10, 1, PHRASE));
            assertEquals(new ConnectionCloseInfo(10, 0, PHRASE), client.getOption(QuicSocketOptions.CONNECTION_CLOSE));

            // The client's own information from now on, which the peer's, read below, must not be taken for.
            client.setOption(QuicSocketOptions.CONNECTION_CLOSE, ConnectionCloseInfo.of(0, "client's own"));

            client.setOption(QuicSocketOptions.EVENT, EnumSet.of(QuicEvent.Type.CONNECTION_CLOSE));
            assertEquals(Set.of(QuicEvent.Type.CONNECTION_CLOSE), client.getOption(QuicSocketOptions.EVENT));
            client.send(ByteBuffer.wrap("client close".getBytes(StandardCharsets.US_ASCII)), 64,
                    StreamFlags.NEW | StreamFlags.FIN);
            long[] id = {-1};
            byte[] request = EchoServer.receiveStream(server, id);
            assertEquals(64, id[0]);
            server.setOption(QuicSocketOptions.CONNECTION_CLOSE, new ConnectionCloseInfo(10, 1, PHRASE));
            server.send(ByteBuffer.wrap(request), 64, StreamFlags.FIN);

            ByteBuffer buf = ByteBuffer.allocate(256);
            QuicMessage echoed = client.receive(buf, 0);
            assertTrue(echoed.isStreamData() && echoed.fin(), echoed.toString());
            assertEquals(64, echoed.streamId());
            assertEquals("client close", new String(buf.array(), 0, echoed.length(), StandardCharsets.US_ASCII));

            server.shutdown(ShutdownHow.WRITE);
            buf.clear();
            QuicMessage m = client.receive(buf, 0);
            assertTrue(m.isEvent() && m.endOfRecord(), m.toString());
            ConnectionError error = ((QuicEvent.ConnectionClose) m.event()).error();
            assertEquals(ConnectionError.Kind.APPLICATION, error.kind());
            assertEquals(10, error.code());
            assertEquals(0, error.frameType());
            assertEquals(PHRASE, error.reason());
            assertTrue(error.byPeer());
            // The kernel's layout: the type's code, errcode (u32), frame (u8), three reserved bytes, the phrase.
            buf.flip().order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(1 + 8 + PHRASE.length(), m.length());
            assertEquals(QuicEvent.Type.CONNECTION_CLOSE.code(), buf.get(0));
            assertEquals(10, buf.getInt(1));
            assertEquals(0, buf.get(5), "frame");
            assertEquals(PHRASE, new String(buf.array(), 9, PHRASE.length(), StandardCharsets.UTF_8));

            assertEquals(new ConnectionCloseInfo(10, 0, PHRASE), client.getOption(QuicSocketOptions.CONNECTION_CLOSE),
                    "the peer's information");
            assertThrows(ClosedConnectionException.class, () -> client.receive(ByteBuffer.allocate(16), 0),
                    "nothing follows the close");
        }
    }
}
