package qsock.core.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.core.connection.QuicConnection;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.FixedSecretHandshake;

/**
 * Amplification with a spoofed source (RFC 9000 §8.1, §21.3; RFC 9002 §6.2.2.1): the attacker sends one 1200-byte
 * Initial with the victim's address; the victim never answers. Before the address is validated the server sends at
 * most three times what it received, counted after every datagram it sends, through all its PTO probes, until the
 * connection gives up and leaves no state. Within one second with a client that falls deaf is
 * ConnectionPacketsTest#aServerNeverSendsMoreThanThreeTimesWhatItReceivedBeforeValidation; this runs the whole life
 * of the half-open connection.
 */
class AmplificationTest {

    @Test
    void aSpoofedInitialEarnsTheVictimAtMostThreeTimesItsBytesOverTheWholeHalfOpenLife() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(3101)
                .handshakes(FixedSecretHandshake.Settings.defaults().withCertificateBytes(10_000).factory()).build();
        // The victim: whatever reaches it, it sends nothing after the attacker's Initial.
        pair.network.filter(pair.client, pair.server, (index, datagram, now) -> index > 0);
        List<long[]> sentAfterReceived = new ArrayList<>();
        pair.network.filter(pair.server, pair.client, (index, datagram, now) -> {
            QuicConnection s = pair.serverConnection();
            sentAfterReceived.add(new long[] {datagram.remaining(), s.bytesReceived()});
            return false;
        });
        pair.connect();
        pair.runFor(SECOND);
        QuicConnection server = pair.serverConnection();
        pair.runUntil(() -> server.state().isClosingOrClosed(), 120 * SECOND, 100_000);
        pair.runFor(10 * SECOND);
        assertFalse(server.isAddressValidated());
        long total = 0;
        for (long[] d : sentAfterReceived) {
            total += d[0];
            assertTrue(total <= 3 * d[1], total + " bytes sent for " + d[1] + " received");
        }
        assertTrue(sentAfterReceived.size() >= 2, "the server did answer, and probed");
        assertEquals(total, server.bytesSent(), "every byte it sent was counted");
        assertEquals(0, pair.server.endpoint.connectionCount(), "the half-open connection left no state");
    }
}
