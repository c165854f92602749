package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.QuicVersion;
import qsock.api.Role;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.ConnectionCloseFrame;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Wire;
import qsock.core.wire.ConnectionId;

/**
 * Initial packets that open with the right keys but that a connection must still discard: a server Initial carrying a
 * token (RFC 9000 §17.2.2) and an Initial naming another Source Connection ID than the peer's first (RFC 9000 §7.2).
 * Each forged packet carries a CONNECTION_CLOSE: processed, it would end the connection; discarded, the handshake
 * completes.
 */
class DiscardedInitialsTest {

    private static final LinkConfig LINK = LinkConfig.perfect().withDelay(10 * MS, 0);


    private static java.util.function.Consumer<ByteBuffer> close() {
        return Wire.frames(new ConnectionCloseFrame(TransportErrorCode.PROTOCOL_VIOLATION, 0, ByteBuffer.allocate(0)));
    }

    @Test
    void aServerInitialCarryingATokenIsDiscardedByTheClient() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(41).links(LINK).build().connect();
        QuicConnection client = pair.clientConnection();
        long droppedBefore = client.packetsDropped();
        // Before the real server's Initial arrives: the client has not learned the server's connection ID yet.
        ByteBuffer forged = Wire.initial(Role.SERVER, QuicVersion.V1, client.originalDestinationId(),
                client.localId(), ConnectionId.random(new SplittableRandom(41), 8), new byte[] {1, 2, 3}, 0, close());
        pair.client.receive(pair.server.address, forged, pair.network.now());
        assertEquals(droppedBefore + 1, client.packetsDropped(), "the tokened server Initial was discarded");
        pair.confirm();
        assertTrue(pair.bothConfirmed(), pair.describe());
        assertNull(client.closeError());
    }

    @Test
    void aClientInitialWithAnotherSourceConnectionIdIsDiscardedByTheServer() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(42).links(LINK).build().connect();
        QuicConnection client = pair.clientConnection();
        pair.runUntil(() -> !pair.server.sessions.isEmpty(), SECOND, 10_000);
        QuicConnection server = pair.serverConnection();
        long droppedBefore = server.packetsDropped();
        // The server still holds Initial keys (no client Handshake packet yet); the forger knows the client's
        // original Destination Connection ID, but names another source.
        ByteBuffer forged = Wire.initial(Role.CLIENT, QuicVersion.V1, client.originalDestinationId(),
                server.localId(), ConnectionId.random(new SplittableRandom(42), 8), null, 7, close());
        pair.server.receive(pair.client.address, forged, pair.network.now());
        assertEquals(droppedBefore + 1, server.packetsDropped(), "the Initial naming another source was discarded");
        pair.confirm();
        assertTrue(pair.bothConfirmed(), pair.describe());
        assertNull(server.closeError());
    }

    @Test
    void aServerPacketWithAnotherSourceConnectionIdIsDiscardedByTheClient() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(43).links(LINK).build().connect();
        QuicConnection client = pair.clientConnection();
        pair.runUntil(() -> client.peerId() != null && !client.peerId().equals(client.originalDestinationId()),
                SECOND, 10_000);
        // The client has the server's connection ID from its first Initial and still holds Initial keys.
        long droppedBefore = client.packetsDropped();
        ByteBuffer forged = Wire.initial(Role.SERVER, QuicVersion.V1, client.originalDestinationId(),
                client.localId(), ConnectionId.random(new SplittableRandom(43), 8), null, 9, close());
        pair.client.receive(pair.server.address, forged, pair.network.now());
        assertEquals(droppedBefore + 1, client.packetsDropped(), "the server Initial naming another source");
        pair.confirm();
        assertTrue(pair.bothConfirmed(), pair.describe());
        assertNull(client.closeError());
    }
}
