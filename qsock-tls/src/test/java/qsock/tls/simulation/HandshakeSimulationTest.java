package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.sim.Fate;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.ConnectionPair;

/** Handshakes between two qsock endpoints with the real TLS engine, over a simulated network. */
class HandshakeSimulationTest {

    @Test
    void handshakeCompletesAndIsConfirmedOnBothSides() throws Exception {
        ConnectionPair pair = TlsHandshakes.pair(1).build().connect();
        pair.runUntil(() -> pair.clientSession.connection.state() == ConnectionState.CONFIRMED
                && pair.serverSession().connection.state() == ConnectionState.CONFIRMED, 10 * SECOND, 10_000);
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        assertEquals("echo", client.applicationProtocol(), pair.describe());
        assertEquals("echo", server.applicationProtocol(), pair.describe());
        assertNull(client.closeError());
        assertEquals(server.localId(), client.peerId(), "the client addresses the server's chosen ID");
        assertEquals(client.localId(), server.peerId());
        assertTrue(server.isAddressValidated());
        // One round trip for the handshake, a second for HANDSHAKE_DONE: 20 ms each way.
        assertTrue(pair.network.now() - qsock.core.sim.SimNetwork.EPOCH_NANOS < 200 * MS, pair.describe());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14, 15, 16, 17, 18})
    void handshakeCompletesUnderThirtyPercentLossBothWays(long seed) throws Exception {
        ConnectionPair pair = TlsHandshakes.pair(seed)
                .links(LinkConfig.perfect().withDelay(20 * MS, 5 * MS).withLoss(0.30)).build().connect();
        pair.runUntil(pair::bothEstablished, 120 * SECOND, 200_000);
        assertTrue(pair.bothEstablished(), pair.describe());
    }

    @Test
    void theSameSeedReplaysTheSameRun() throws Exception {
        List<String> first = run(77);
        List<String> second = run(77);
        assertEquals(first, second);
        assertTrue(first.size() > 4, "the trace records the handshake's datagrams");
    }

    private static List<String> run(long seed) throws Exception {
        ConnectionPair pair = TlsHandshakes.pair(seed)
                .links(LinkConfig.perfect().withDelay(15 * MS, 10 * MS).withLoss(0.2)).build();
        List<String> trace = new ArrayList<>();
        pair.network.trace((time, id, from, to, length, fate) -> trace.add(time + " " + id + " " + from.getPort()
                + ">" + to.getPort() + " " + length + " " + fate));
        pair.connect();
        pair.runUntil(pair::bothEstablished, 60 * SECOND, 100_000);
        return trace;
    }

    @ParameterizedTest(name = "loss {0}")
    @ValueSource(doubles = {0.0, 0.3})
    void withAnEightKilobyteChainTheServerNeverSendsMoreThanThreeTimesWhatItReceivedBeforeValidation(double loss)
            throws Exception {
        ConnectionPair pair = TlsHandshakes.pair(5, "long")
                .links(LinkConfig.perfect().withDelay(20 * MS, 0).withLoss(loss)).build();
        long[] receivedByServer = {0};
        long[] sentByServer = {0};
        long[] worst = {0};
        pair.network.trace((time, id, from, to, length, fate) -> {
            boolean validated = !pair.server.sessions.isEmpty()
                    && pair.serverSession().connection.isAddressValidated();
            if (validated) {
                return;
            }
            if (to.equals(pair.server.address) && fate == Fate.DELIVERED) {
                receivedByServer[0] += length;
            }
            if (from.equals(pair.server.address) && fate != Fate.DELIVERED && fate != Fate.REORDERED
                    && fate != Fate.CORRUPTED && fate != Fate.DUPLICATED) {
                sentByServer[0] += length;
                worst[0] = Math.max(worst[0], sentByServer[0] - 3 * receivedByServer[0]);
            }
        });
        pair.connect();
        pair.runUntil(pair::bothEstablished, 120 * SECOND, 200_000);
        assertTrue(worst[0] <= 0, "the server sent " + worst[0] + " bytes beyond 3x what it received; "
                + pair.describe());
        assertTrue(sentByServer[0] > 0);
    }
}
