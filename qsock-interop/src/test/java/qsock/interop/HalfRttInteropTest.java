package qsock.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.api.ConnectionState;
import qsock.interop.peer.Peer;
import qsock.interop.peer.QsockServer;
import qsock.interop.support.Evidence;
import qsock.interop.support.Impairment;
import qsock.interop.support.PacketLog.Direction;
import qsock.interop.support.UdpRelay;
import qsock.tls.ServerTickets;

/**
 * 0.5-RTT data (RFC 9001 §4.1.1, §5.7) from qsock's server to quiche's and Kwik's clients: the second connection's
 * early echo request is accepted, and qsock echoes it before its handshake completes, in 1-RTT packets the client
 * must take before (or with) the server's Finished. The client gets the whole echo.
 */
class HalfRttInteropTest {

    /** A 40 ms round trip, so that the early request leaves before the server's flight is back (as in 0-RTT use). */
    private static final Impairment ROUND_TRIP = new Impairment(0, 0, 0, 1, 20);
    private static final Duration TICKET_WAIT = Duration.ofSeconds(10);

    @TempDir
    Path root;

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void qsocksServerAnswersThePeersZeroRttRequestBeforeItsHandshakeCompletes(Peer peer) throws Exception {
        // One 0-RTT packet's worth for Kwik (see ResumptionInteropTest: a longer early request stalls Kwik 0.10.8).
        byte[] request = new byte[peer == Peer.KWIK ? 1000 : 3000];
        new Random(12).nextBytes(request);
        try (QsockServer server = QsockServer.startWithHalfRtt(root,
                ServerTickets.defaults().withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT));
             UdpRelay relay = UdpRelay.start(server.address(), ROUND_TRIP)) {
            List<Path> logs = new java.util.ArrayList<>();
            int[] connections = new int[1];
            Evidence.keep(peer + " client vs qsock server: 0.5-RTT", relay, logs, server::failures, () -> {
                connections[0] = Scenarios.zeroRttEcho(peer, relay, request, logs, TICKET_WAIT,
                        "second connection, 0-RTT and 0.5-RTT");
                assertTrue(relay.log().zeroRttDatagrams(Direction.TO_SERVER) > 0, "0-RTT packets on the wire");
            });
            // The server echoed before its handshake completed: the client may have its answer first.
            int n = connections[0];
            List<QsockServer.Handshake> handshakes = server.awaitHandshakes(n, Scenarios.TIMEOUT);
            assertEquals(n, handshakes.size(), "handshakes: " + handshakes + ", failures " + server.failures());
            assertEquals(Boolean.TRUE, handshakes.get(n - 1).earlyDataAccepted(), "qsock took the 0-RTT");
            // The server took the 0.5-RTT path: it could answer while its handshake was not complete, and echoed
            // before calling finish() (when the echo left on the wire is HalfRttSimulationTest's to show).
            List<ConnectionState> answers = server.halfRttAnswers();
            assertEquals(ConnectionState.HANDSHAKING, answers.get(answers.size() - 1), answers.toString());
            assertEquals(List.of(), server.failures(), "what the qsock server saw go wrong");
        }
    }
}
