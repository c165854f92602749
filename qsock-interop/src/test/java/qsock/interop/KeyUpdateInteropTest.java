package qsock.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.interop.peer.InteropClient;
import qsock.interop.peer.KwikClient;
import qsock.interop.peer.Peer;
import qsock.interop.peer.QsockServer;
import qsock.interop.support.HqInterop;
import qsock.socket.QuicStatistics;

/**
 * Key updates (RFC 9001 §6) with qsock as the server; qsock's client starting them against quiche's and Kwik's
 * servers is QsockClientInteropTest.keyUpdatesQsockStartsAreFollowedByThePeer. Which peers can start one: Kwik's
 * client (QuicClientConnectionImpl.updateKeys, on its implementation class); not Kwik's server (0.10.8 has no such
 * method on ServerConnectionImpl or QuicConnectionImpl), not quiche through Netty 4.2.18 (no API starts one).
 */
class KeyUpdateInteropTest {
    private static final int UPDATES = 3;

    @TempDir
    Path root;

    private static QuicStatistics serverSide(QsockServer server) {
        List<QsockServer.Handshake> handshakes = server.handshakes();
        assertEquals(1, handshakes.size(), "connections: " + handshakes + ", failures " + server.failures());
        return handshakes.get(0).socket().statistics();
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void keyUpdatesQsocksServerStartsAreFollowedByThePeersClient(Peer peer) throws Exception {
        // Against Kwik's client this stalled once in five fresh-clone CI runs (2026-12-05): after two updates the
        // qsock server started, Kwik logged "Keys out of sync; updating keys for peer" and sent nothing more for 20 s.
        // The cause found is Kwik's (0.10.8): two races between its receiver and sender threads (issue 12 notes).
        // 1. KeyUpdateSupport.checkPeerKeys, on the receiver thread, installs the new write keys while the sender
        //    thread is inside ShortHeaderPacket.generatePacketBytes, which reads the Key Phase bit (getKeyPhase) and
        //    the keys (getIv, aeadEncrypt) apart: the packet carries one phase's bit and the other's keys, and qsock
        //    rejects it, as RFC 9001 §6.3/§6.4 mean (ConnectionKeyPhaseTest.packetsWhoseKeyPhaseBitDisagrees...).
        //    qsock rejected 8 such packets in 160 lossless stress connections, each while its own update awaited
        //    Kwik's answer (its write keys one generation ahead of its read keys).
        // 2. RecoveryManager.setLossDetectionTimer runs unsynchronised on both threads: the receiver, finding nothing
        //    in flight after an ACK, logs "cancelling loss detection timer" and calls unschedule(), which cancels
        //    whatever future is current, outside scheduleLock, also one the sender thread scheduled a moment before
        //    for a packet it just sent. Kwik then has packets in flight and no PTO timer; if they are never
        //    acknowledged (the rejected packet of race 1, a lost datagram or a lost ACK) Kwik waits forever. Through
        //    a relay losing 3-5% of datagrams, 3 of 576 stress connections stalled so, one of them after a key update
        //    (its log ends in "cancelling ..." then "reschedule loss detection timer for PTO", and no timeout ran in
        //    20 s) and one before any update (its loss-detection thread was parked with an empty queue).
        // The first packet of qsock's new phase often carries the ACK that empties Kwik's flight, so the two races
        // meet at that moment. qsock cannot repair a peer that lost its loss timer, and opening packets whose bit
        // belies their keys (trial decryption) would go against RFC 9001 §6.4. Hence this case runs only on request:
        // -Dqsock.interop.kwikServerKeyUpdate=true (with -Dqsock.interop.kwikPackets=true for Kwik's packet log;
        // on a timeout the Kwik log also gets Kwik's thread stacks).
        org.junit.jupiter.api.Assumptions.assumeTrue(peer != Peer.KWIK
                || Boolean.getBoolean("qsock.interop.kwikServerKeyUpdate"),
                "Kwik's client under server-started key updates: run with -Dqsock.interop.kwikServerKeyUpdate=true");
        try (QsockServer server = QsockServer.startUpdatingKeysEvery(root, 40);
             InteropClient client = peer.client(server.address(), HqInterop.ECHO_ALPN, Scenarios.TIMEOUT)) {
            try {
                Scenarios.echo(client);
                // Each update waits for an acknowledgement in the current phase and three PTOs after the peer
                // answered in the new one (RFC 9001 §6.1, §6.5): echoes go on, bounded, until three happened.
                long deadline = System.nanoTime() + Scenarios.TIMEOUT.toNanos();
                while (serverSide(server).keyUpdatesInitiated() < UPDATES && System.nanoTime() - deadline < 0) {
                    Scenarios.echo(client);
                }
                long started = serverSide(server).keyUpdatesInitiated();
                assertTrue(started >= UPDATES, "key updates the qsock server started: " + started);
                // The peer followed each: data still goes both ways in the newest phase.
                Scenarios.echo(client);
            } catch (Exception | AssertionError failure) {
                // What the server counted (updates started, packets it could not open) tells whose side stalled.
                throw new AssertionError("with the qsock server's statistics "
                        + (server.handshakes().isEmpty() ? "(no handshake)" : serverSide(server)), failure);
            }
            assertEquals(List.of(), server.failures(), "what the qsock server saw go wrong");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void keyUpdatesKwiksClientStartsAreFollowedByQsocksServer() throws Exception {
        try (QsockServer server = QsockServer.start(root);
             KwikClient client = KwikClient.connect(server.address(), HqInterop.ECHO_ALPN, Scenarios.TIMEOUT)) {
            Scenarios.echo(client);
            for (int i = 1; i <= UPDATES; i++) {
                // RFC 9001 §6.1: an endpoint starts the next update only after a packet of the current phase was
                // acknowledged; the echo between updates is that round trip.
                client.updateKeys();
                Scenarios.echo(client);
                assertEquals(i, serverSide(server).keyUpdates(), "key updates Kwik started that qsock followed");
            }
            assertEquals(0, serverSide(server).keyUpdatesInitiated(), "qsock started none of its own");
            assertEquals(List.of(), server.failures(), "what the qsock server saw go wrong");
        }
    }
}
