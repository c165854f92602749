package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.ToyHost;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;

/**
 * An attacker that re-sends a client's packet from its own address (RFC 9000 §9.3.3) cannot redirect the
 * connection: the server follows the apparently moved client only within the amplification limit (§9.3.1), the
 * validation of the attacker's address fails (§8.2.4), the server goes back to the client's last validated address
 * (§9.3.2) and the transfer completes there.
 */
class PeerAddressSpoofingTest {

    @Test
    void aPacketReplayedFromAThirdAddressCannotRedirectTheConnection() throws Exception {
        long seed = 61;
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(1_000_000, seed);
        ConnectionPair pair = ConnectionPair.builder(seed)
                .links(LinkConfig.perfect().withDelay(10 * MS, 0).withBandwidth(10_000_000, 100_000))
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
        ToyHost attacker = new ToyHost(new InetSocketAddress("10.0.0.66", 4444));
        pair.network.add(attacker);
        pair.network.link(attacker, pair.server, LinkConfig.perfect().withDelay(MS, 0));
        pair.connect();
        pair.runUntil(() -> receiver.received() > 200_000, 30 * SECOND, 200_000);
        QuicConnection server = pair.serverConnection();
        assertEquals(0, server.peerAddressChanges());

        // The attacker takes the client's next short-header datagram off the wire and sends it from its own address
        // first; then the client is not heard for 5 s (longer than the validation may take).
        boolean[] armed = {true};
        long[] silentUntil = {Long.MIN_VALUE};
        pair.network.filter(pair.client, pair.server, (index, datagram, now) -> {
            if (armed[0] && (datagram.get(datagram.position()) & 0x80) == 0) {
                armed[0] = false;
                byte[] copy = new byte[datagram.remaining()];
                datagram.get(datagram.position(), copy);
                attacker.send(pair.server.address(), copy);
                attacker.wakeAt(now);
                silentUntil[0] = now + 5 * SECOND;
                return true;
            }
            return !armed[0] && now - silentUntil[0] < 0;
        });
        long toClientBeforeMove = pair.network.stats(pair.server, pair.client).bytesSent();
        pair.runUntil(() -> server.peerAddressChanges() == 1, 10 * SECOND, 100_000);
        long movedAt = pair.network.now();

        // Until the validation fails, what the server sends to the attacker stays within 3 x what came from there.
        pair.runUntil(() -> server.pathValidationFailures() == 1, 10 * SECOND, 100_000);
        long failedAt = pair.network.now();
        long toAttacker = pair.network.stats(pair.server, attacker).bytesSent();
        long fromAttacker = pair.network.stats(attacker, pair.server).bytesSent();
        assertTrue(toAttacker <= 3 * fromAttacker, toAttacker + " bytes to the attacker for " + fromAttacker);
        assertTrue(failedAt - movedAt >= 3 * 999 * MS, "the validation fails after 3 x the initial PTO");
        assertTrue(failedAt - silentUntil[0] < 0, "while the client is still silent");
        // §9.3.3: the client's old address was challenged after the apparent migration.
        assertTrue(pair.network.stats(pair.server, pair.client).bytesSent() - toClientBeforeMove >= 1200,
                "a full-size PATH_CHALLENGE went to the client's previous address");

        // Back on the client's validated address: the server's probes reach the client even before it talks again.
        long toClientAtFailure = pair.network.stats(pair.server, pair.client).bytesSent();
        pair.runUntil(() -> pair.network.stats(pair.server, pair.client).bytesSent() > toClientAtFailure,
                SECOND * 5, 100_000);
        assertTrue(pair.network.now() - silentUntil[0] < 0, "the server came back before the client spoke");

        pair.runUntil(receiver::finished, 60 * SECOND, 1_000_000);
        assertTrue(receiver.finished(), "the transfer completes");
        assertEquals(sender.sha256(), receiver.sha256());
        assertEquals(toAttacker, pair.network.stats(pair.server, attacker).bytesSent(),
                "nothing more went to the attacker");
        assertEquals(1, server.pathValidationFailures());
    }
}
