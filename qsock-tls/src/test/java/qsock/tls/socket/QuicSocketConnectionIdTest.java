package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.NotYetConnectedException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.socket.ConnectionIdInfo;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;

/**
 * The socket draft's CONNECTION_ID option ({@code QUIC_SOCKOPT_CONNECTION_ID}) on real sockets: switching the
 * destination ID, retiring our own below a number, what each side reads, and the refusals (RFC 9000 §5.1.2).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QuicSocketConnectionIdTest {

    @Test
    void theClientSwitchesItsDestinationIdAndTheServerRetiresItsOwnAndDataStillFlows() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            QuicSocket server = c.server();
            assertEquals(new ConnectionIdInfo(true, 0, 0), client.getOption(QuicSocketOptions.CONNECTION_ID));
            byte[] before = client.peerConnectionId();
            // The server's NEW_CONNECTION_ID frames follow the handshake: sequence number 1 is unknown until they land.
            Waits.until("the client switched to the server's ID 1", () -> {
                try {
                    client.setOption(QuicSocketOptions.CONNECTION_ID, new ConnectionIdInfo(true, 1, 1));
                    return true;
                } catch (IllegalArgumentException notYet) {
                    return false;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertEquals(new ConnectionIdInfo(true, 1, 1), client.getOption(QuicSocketOptions.CONNECTION_ID));
            assertFalse(Arrays.equals(before, client.peerConnectionId()), "the client sends to another ID");
            // The server honours the RETIRE_CONNECTION_ID: ID 0 is gone, 1 is the lowest left.
            Waits.until("the server retired its ID 0", () -> server.connectionIds(false).active() == 1);
            // Again: nothing would change, refused (EINVAL).
            assertThrows(IllegalArgumentException.class,
                    () -> client.setOption(QuicSocketOptions.CONNECTION_ID, new ConnectionIdInfo(true, 1, 1)));

            // The server asks the client to retire its IDs below 3; the client moves to 3.
            server.setOption(QuicSocketOptions.CONNECTION_ID, new ConnectionIdInfo(false, 0, 3));
            Waits.until("the client left the server's IDs below 3", () -> client.connectionIds(true).priorTo() == 3
                    && server.connectionIds(false).priorTo() == 3);
            assertEquals(3, client.connectionIds(true).active());
            // Retiring what is retired, or everything issued, is refused (EINVAL).
            assertThrows(IllegalArgumentException.class,
                    () -> server.setOption(QuicSocketOptions.CONNECTION_ID, new ConnectionIdInfo(false, 0, 3)));
            assertThrows(IllegalArgumentException.class,
                    () -> server.setOption(QuicSocketOptions.CONNECTION_ID, new ConnectionIdInfo(false, 0, 1000)));

            byte[] data = new byte[200_000];
            new SplittableRandom(7).nextBytes(data);
            Future<?> sent = loopback.background(() -> server.send(ByteBuffer.wrap(data), -1,
                    StreamFlags.NEW | StreamFlags.FIN));
            assertArrayEquals(data, receiveAll(client));
            sent.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSocketThatIsNoConnectionReadsNullAndCannotSet() throws Exception {
        try (QuicSocket socket = QuicSocket.open(ConnectionConfig.defaults())) {
            assertNull(socket.getOption(QuicSocketOptions.CONNECTION_ID));
            assertThrows(NotYetConnectedException.class,
                    () -> socket.setOption(QuicSocketOptions.CONNECTION_ID, new ConnectionIdInfo(true, 1, 1)));
        }
    }

    private static byte[] receiveAll(QuicSocket socket) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        while (true) {
            buf.clear();
            StreamMessage m = socket.receive(buf);
            out.write(buf.array(), 0, buf.position());
            if (m.fin()) {
                return out.toByteArray();
            }
        }
    }
}
