package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.core.error.ConnectionError;
import qsock.core.sim.LinkStats;
import qsock.core.sim.quic.ConnectionPair;

/** The connection's timers (RFC 9000 §10, RFC 9002 §6.2) on the fixed-secret pair, in virtual time. */
class ConnectionTimersTest {

    /** The peer's max_ack_delay in these pairs: the default 25 ms. */
    private static final long PEER_MAX_ACK_DELAY = 25 * MS;

    @Test
    void anIdleConnectionClosesSilentlyWhenItsTimeoutEnds() throws Exception {
        ConnectionConfig idle = ConnectionConfig.builder().maxIdleTimeoutMillis(2_000).build();
        ConnectionPair pair = ConnectionPair.builder(1).config(idle).established();
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        // Let the last ACKs go; from then on nobody has anything to say.
        pair.runFor(200 * MS);
        LinkStats up = pair.network.stats(pair.client, pair.server);
        LinkStats down = pair.network.stats(pair.server, pair.client);
        long sentUp = up.datagramsSent();
        long sentDown = down.datagramsSent();
        long quietSince = pair.network.now();
        pair.runUntil(() -> client.state() == ConnectionState.CLOSED && server.state() == ConnectionState.CLOSED,
                10 * SECOND, 10_000);
        long closedAfter = pair.network.now() - quietSince;
        assertTrue(closedAfter <= 2 * SECOND && closedAfter > SECOND, "closed " + closedAfter / MS + " ms later");
        assertEquals(sentUp, up.datagramsSent(), "the client sent nothing: no CONNECTION_CLOSE on idle timeout");
        assertEquals(sentDown, down.datagramsSent(), "nor did the server");
        assertEquals(ConnectionError.Kind.IDLE_TIMEOUT, client.closeError().kind());
        assertEquals(ConnectionError.Kind.IDLE_TIMEOUT, server.closeError().kind());
    }

    /**
     * With every datagram of the server lost, the client's unacknowledged stream data is probed for when its PTO
     * fires, and again after twice as long each time (RFC 9002 §6.2.1: the PTO backs off exponentially).
     */
    @Test
    void aPtoFiresProbesAndBacksOff() throws Exception {
        ConnectionPair pair = ConnectionPair.established(2);
        QuicConnection client = pair.clientConnection();
        pair.runFor(200 * MS);
        pair.network.filter(pair.server, pair.client, (index, datagram, now) -> true);
        List<Long> sent = new ArrayList<>();
        pair.network.filter(pair.client, pair.server, (index, datagram, now) -> {
            sent.add(now);
            return false;
        });
        long pto = client.rtt().pto(PEER_MAX_ACK_DELAY, true);
        long id = client.streams().openStream(true);
        client.streams().write(id, ByteBuffer.wrap(new byte[500]), true);
        pair.runFor(pto * 20);
        assertTrue(sent.size() >= 4, "the data and at least three probes: " + sent.size());
        long first = sent.get(1) - sent.get(0);
        assertTrue(first >= pto && first < pto + 5 * MS, "the first probe after one PTO (" + pto / 1000 + " us): "
                + first / 1000 + " us");
        // Probes may leave two at a time (RFC 9002 §6.2.4); the gaps between rounds double.
        List<Long> rounds = new ArrayList<>();
        for (int i = 1; i < sent.size(); i++) {
            if (sent.get(i) > sent.get(i - 1)) {
                rounds.add(sent.get(i));
            }
        }
        long previousGap = rounds.get(0) - sent.get(0);
        for (int i = 1; i < Math.min(rounds.size(), 4); i++) {
            long gap = rounds.get(i) - rounds.get(i - 1);
            assertTrue(gap >= 2 * previousGap - MS && gap <= 2 * previousGap + MS,
                    "round " + i + " after " + gap / 1000 + " us, the previous after " + previousGap / 1000 + " us");
            previousGap = gap;
        }
    }

    @Test
    void theClosingPeriodLastsThreePtos() throws Exception {
        ConnectionPair pair = ConnectionPair.established(3);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        pair.runFor(200 * MS);
        long now = pair.network.now();
        long pto = client.rtt().pto(PEER_MAX_ACK_DELAY, true);
        client.close(1, "enough", now);
        assertEquals(ConnectionState.CLOSING, client.state());
        assertEquals(now + 3 * pto, client.nextDeadline(), "three PTOs from the close");
        // The peer drains for three of its own PTOs from when the close arrived (RFC 9000 §10.2.2).
        pair.runUntil(() -> server.state() == ConnectionState.DRAINING, 5 * SECOND, 10_000);
        long drainingFrom = pair.network.now();
        long drainingEnd = server.nextDeadline();
        assertEquals(drainingFrom + 3 * server.rtt().pto(PEER_MAX_ACK_DELAY, true), drainingEnd);
        long[] closedAt = {-1, -1};
        pair.runUntil(() -> {
            if (closedAt[0] < 0 && client.state() == ConnectionState.CLOSED) {
                closedAt[0] = pair.network.now();
            }
            if (closedAt[1] < 0 && server.state() == ConnectionState.CLOSED) {
                closedAt[1] = pair.network.now();
            }
            return closedAt[0] >= 0 && closedAt[1] >= 0;
        }, 5 * SECOND, 10_000);
        assertEquals(now + 3 * pto, closedAt[0], "the client is CLOSED when its period ends, not before or after");
        assertEquals(drainingEnd, closedAt[1], "and the server when its own ends");
    }

    @Test
    void keepAliveSendsAPingEachIntervalWhileIdleAndNothingWithoutIt() throws Exception {
        ConnectionConfig keepAlive = ConnectionConfig.builder().keepAliveMillis(500).build();
        ConnectionPair pair = ConnectionPair.builder(4).clientConfig(keepAlive).established();
        pair.runFor(200 * MS);
        LinkStats up = pair.network.stats(pair.client, pair.server);
        LinkStats down = pair.network.stats(pair.server, pair.client);
        long before = up.datagramsSent();
        long downBefore = down.datagramsSent();
        pair.runFor(5 * SECOND);
        long pings = up.datagramsSent() - before;
        assertTrue(pings >= 9 && pings <= 11, pings + " datagrams from the client in 5 s");
        assertTrue(down.datagramsSent() - downBefore >= pings / 2, "the server acknowledged them");
        assertEquals(ConnectionState.CONFIRMED, pair.clientConnection().state());
        // Without keep-alive, an idle pair says nothing for as long.
        ConnectionPair quiet = ConnectionPair.established(4);
        quiet.runFor(200 * MS);
        LinkStats quietUp = quiet.network.stats(quiet.client, quiet.server);
        long quietBefore = quietUp.datagramsSent();
        quiet.runFor(5 * SECOND);
        assertEquals(quietBefore, quietUp.datagramsSent());
    }
}
