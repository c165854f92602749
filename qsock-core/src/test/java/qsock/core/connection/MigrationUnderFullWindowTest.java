package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.frame.Frame;
import qsock.core.frame.PathChallengeFrame;
import qsock.core.frame.PingFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Wire;

/**
 * A client that migrates while the server's congestion window is full of packets sent to its old address (a bulk
 * download whose old path went dark: the common case of a phone leaving Wi-Fi): the server must still challenge the
 * new address (RFC 9000 §8.2, §9.3). Packets sent on the old path must not hold back the new one (§9.4: "Packets sent
 * on the old path MUST NOT contribute to congestion control ... for the new path"), and a probe may be exempted
 * (§9.4: "A sender can make exceptions for probe packets"). Seen in ClientMigrationInteropTest (Kwik's client, 5 s
 * silent after its move): the challenge waited behind the window until the validation timed out, the server went
 * back to the dead old address and the download hung.
 */
class MigrationUnderFullWindowTest {

    private static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;

    @Test
    void aClientMovingWhileTheServersWindowIsFullIsChallengedAtOnce() throws Exception {
        ConnectionPair pair = ConnectionPair.established(71);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        long now = pair.network.now() + SECOND;
        client.handleTimeout(now);
        server.handleTimeout(now);
        Drain.all(client, now);
        Drain.all(server, now);
        Wire serverWire = new Wire(Role.SERVER, SUITE, client.version(), client.originalDestinationId(), 8);

        // A download the client no longer acknowledges: the server fills its window and stops.
        long id = server.streams().openStream(false);
        server.streams().write(id, ByteBuffer.wrap(new byte[1 << 20]), true);
        for (int i = 0; i < 1000 && server.congestion.canSend(server.maxDatagramSize); i++) {
            if (Drain.all(server, now).isEmpty()) {
                // Paced: on to the release time, which comes long before any PTO.
                now = server.nextDeadline();
                server.handleTimeout(now);
            }
        }
        assertFalse(server.congestion.canSend(server.maxDatagramSize), "the window is full");

        // The client moves: its first packet from the new address (a PING, non-probing) acknowledges nothing new.
        ByteBuffer moved = Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, server.localId(), 1_000,
                Wire.frames(new PingFrame()));
        assertTrue(server.handleDatagramFromNewAddress(moved, now), "the peer moved");
        List<Frame> frames = new ArrayList<>();
        ByteBuffer out = ByteBuffer.allocate(2048);
        for (int i = 0; i < 1000 && server.pollDatagram(out.clear(), now) > 0; i++) {
            if (!server.lastDatagramToPreviousPeer()) {
                for (Wire.Packet p : serverWire.read(out.flip())) {
                    frames.addAll(p.frames());
                }
            }
        }
        assertTrue(frames.stream().anyMatch(f -> f instanceof PathChallengeFrame),
                "a PATH_CHALLENGE to the new address, though the window is full: " + frames);
    }

}
