package qsock.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.interop.peer.InteropServer;
import qsock.interop.peer.KwikServer;
import qsock.interop.peer.Peer;
import qsock.interop.peer.QsockClient;
import qsock.interop.peer.QuicheServer;
import qsock.interop.support.Evidence;
import qsock.interop.support.HqInterop;
import qsock.interop.support.Impairment;
import qsock.interop.support.PacketLog.Direction;
import qsock.interop.support.UdpRelay;
import qsock.socket.PeerTransportParameters;
import qsock.socket.QuicSocketOptions;
import qsock.tls.ClientTickets;
import qsock.tls.ticket.ClientTicket;
import qsock.tls.ticket.InMemoryTicketStore;

/**
 * A session exported as bytes (the socket draft's SESSION_TICKET, {@link ClientTicket#encode()}) from a qsock client
 * of quiche's and Kwik's servers, and loaded into a fresh store, as a later process would: the peers' real tickets
 * fit the 4096-byte bound, carry the transport parameters remembered for 0-RTT, and the second connection resumes
 * and sends its request as 0-RTT, accepted. The first connection also reads the server's transport parameters
 * ({@link QuicSocketOptions#REMOTE_TRANSPORT_PARAMETERS}, the draft's TRANSPORT_PARAM with {@code remote}).
 */
class SessionExportInteropTest {

    /** A 40 ms round trip, as in {@link ResumptionInteropTest}: the early request leaves before the server answers. */
    private static final Impairment ROUND_TRIP = new Impairment(0, 0, 0, 1, 20);
    private static final Duration TICKET_WAIT = Duration.ofSeconds(10);

    @TempDir
    Path root;

    private static InteropServer earlyDataServer(Peer peer, Path root) throws Exception {
        return switch (peer) {
            case QUICHE -> QuicheServer.startWithEarlyData(root);
            case KWIK -> KwikServer.start(root);
        };
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anExportedSessionResumesWithZeroRttInAFreshStore(Peer peer) throws Exception {
        byte[] request = new byte[1000];
        new Random(3).nextBytes(request);
        InMemoryTicketStore firstStore = new InMemoryTicketStore();
        List<byte[]> saved = new ArrayList<>();
        try (InteropServer server = earlyDataServer(peer, root);
             UdpRelay relay = UdpRelay.start(server.address(), ROUND_TRIP)) {
            List<Path> logs = new ArrayList<>();
            logs.add(Peer.logOf(server)); // null for a peer that keeps no log of its own
            Evidence.keep("qsock client vs " + peer + " server: exported session", relay, logs, () -> {
                try (QsockClient first = QsockClient.connectSendingEarly(relay.address(), HqInterop.ECHO_ALPN,
                        Scenarios.TIMEOUT, ClientTickets.defaults().withStore(firstStore).withEarlyData(true),
                        request)) {
                    Scenarios.echo(first);
                    PeerTransportParameters remote = first.socket().getOption(
                            QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS);
                    assertTrue(remote != null && remote.maxData() > 0, "the " + peer + " server's parameters");
                    long deadline = System.nanoTime() + TICKET_WAIT.toNanos();
                    while (firstStore.size("localhost") == 0 && System.nanoTime() - deadline < 0) {
                        Thread.sleep(10);
                    }
                }
                for (ClientTicket t : firstStore.takeAll("localhost", System.currentTimeMillis())) {
                    assertTrue(t.isEncodable(), peer + "'s ticket fits the bound: " + t);
                    saved.add(t.encode());
                }
                assertFalse(saved.isEmpty(), "a ticket from the " + peer + " server");
                InMemoryTicketStore fresh = new InMemoryTicketStore();
                for (byte[] form : saved) {
                    fresh.store("localhost", ClientTicket.decode(form, System.currentTimeMillis()));
                }
                relay.log().note("second connection, from the exported session, 0-RTT");
                try (QsockClient second = QsockClient.connectSendingEarly(relay.address(), HqInterop.ECHO_ALPN,
                        Scenarios.TIMEOUT, ClientTickets.defaults().withStore(fresh).withEarlyData(true), request)) {
                    assertTrue(second.sentEarly(), "the loaded ticket allows early data");
                    assertTrue(second.resumed(), "the " + peer + " server resumed the loaded session");
                    assertEquals(Boolean.TRUE, second.socket().earlyDataAccepted(), "the " + peer + " server took 0-RTT");
                    assertArrayEquals(request, second.earlyAnswer(), "the early request, echoed");
                }
                assertTrue(relay.log().zeroRttDatagrams(Direction.TO_SERVER) > 0, "0-RTT packets on the wire");
            });
        }
    }
}
