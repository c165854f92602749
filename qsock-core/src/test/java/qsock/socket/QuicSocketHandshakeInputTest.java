package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.error.ConnectionError;
import qsock.api.ConnectionState;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketParser;
import qsock.core.packet.ParseStatus;
import qsock.core.packet.VersionNegotiationPacket;

/** How a handshake driver waits for input through the socket: it never sleeps through a close. */
class QuicSocketHandshakeInputTest {

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aConnectionClosedByVersionNegotiationBeforeTheWaitEndsTheWaitAtOnce() throws Exception {
        try (DatagramChannel server = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             QuicSocket client = QuicSocket.open()) {
            client.connect(server.getLocalAddress());
            client.handshakeChannel().writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ByteBuffer handshake = ByteBuffer.allocate(64);
            assertNull(client.handshakeChannel().readHandshake(handshake), "nothing from the server yet; the Initial leaves");

            // The server knows no version of the client's: Version Negotiation listing another one.
            ByteBuffer initial = ByteBuffer.allocate(65_535);
            InetSocketAddress from = (InetSocketAddress) server.receive(initial);
            initial.flip();
            PacketHeaderView view = new PacketHeaderView();
            assertEquals(ParseStatus.OK, PacketParser.parse(initial, 0, 8, false, view));
            ByteBuffer vn = ByteBuffer.allocate(100);
            VersionNegotiationPacket.writeResponse(vn, initial, view, new int[] {0x1a2a3a4a}, 0);
            server.send(vn.flip(), from);
            // A blocking receive ends when the connection does: by then the close happened.
            assertThrows(ClosedConnectionException.class, () -> client.receive(ByteBuffer.allocate(64)));
            assertEquals(ConnectionState.CLOSED, client.state());
            assertEquals(ConnectionError.Kind.VERSION_NEGOTIATION, client.closeError().kind());

            // The driver read once more, then waits: the close before the wait must end it at once, not after
            // the driver's timeout (longer than this test's).
            assertNull(client.handshakeChannel().readHandshake(handshake));
            assertTrue(client.awaitHandshakeInput(TimeUnit.SECONDS.toNanos(60)));
        }
    }
}
