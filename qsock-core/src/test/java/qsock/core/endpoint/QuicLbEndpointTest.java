package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.core.cid.ConnectionIdOwner;
import qsock.core.cid.lb.QuicLbConfig;
import qsock.core.cid.lb.QuicLbDecoder;
import qsock.core.cid.lb.QuicLbEncoder;
import qsock.core.connection.QuicConnection;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.wire.ConnectionId;

/**
 * A server endpoint given a QUIC-LB configuration (draft-ietf-quic-load-balancers) issues only IDs a load balancer
 * with that configuration routes to it: the Initial's Source Connection ID, the preferred address's and every
 * NEW_CONNECTION_ID one.
 */
class QuicLbEndpointTest {

    private static final byte[] KEY = HexFormat.of().parseHex("8f95f09245765f80256934e50c66207f");
    private static final byte[] SERVER_ID = {0x31, 0x44, 0x1a};
    // 1 + 3 + 4 = 8 octets: the endpoint's default connection ID length; four-pass (7 octets, odd).
    private static final QuicLbConfig CONFIG = new QuicLbConfig(2, 3, 4, KEY, true);

    @Test
    void everyConnectionIdTheServerIssuesDecodesToItsServerId() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(31).build();
        pair.server.endpoint.setQuicLbEncoder(new QuicLbEncoder(CONFIG, SERVER_ID, new SplittableRandom(4)));
        pair.server.endpoint.setPreferredAddress(
                new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 7, 7, 7}), 4433), null);
        pair.connect().confirm();
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        QuicLbDecoder loadBalancer = new QuicLbDecoder(CONFIG);

        Set<ConnectionId> issued = new LinkedHashSet<>();
        issued.add(server.localId());
        assertNotNull(client.peerTransportParameters().preferredAddress(), "the server offered a preferred address");
        issued.add(client.peerTransportParameters().preferredAddress().connectionId());
        // Walk through the IDs the server sends in NEW_CONNECTION_ID frames: each switch retires one, and the
        // server replaces it with a fresh one.
        for (int i = 0; i < 20; i++) {
            pair.runFor(50 * MS);
            issued.add(client.peerId());
            try {
                client.switchPeerConnectionId();
            } catch (IllegalStateException noSpare) {
                // none issued yet, or retirements not yet acknowledged: run on
            }
        }
        assertTrue(issued.size() >= 10, "the server issued IDs beyond the first two: " + issued.size());
        for (ConnectionId cid : issued) {
            assertEquals(CONFIG.connectionIdLength(), cid.length());
            assertArrayEquals(SERVER_ID, loadBalancer.serverId(cid).orElseThrow(), cid.toString());
        }
        QuicLbDecoder otherRotation = new QuicLbDecoder(new QuicLbConfig(3, 3, 4, KEY, true));
        assertTrue(otherRotation.serverId(server.localId()).isEmpty());
    }

    @Test
    void theRetrySourceConnectionIdRoutesTheClientsNextInitialToo() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(32).build();
        pair.server.endpoint.setQuicLbEncoder(new QuicLbEncoder(CONFIG, SERVER_ID, new SplittableRandom(4)));
        pair.server.endpoint.setAddressValidation(AddressValidation.defaults().withAlwaysRetry(true));
        pair.connect().confirm();
        assertEquals(1, pair.server.endpoint.retriesSent());
        ConnectionId retrySource = pair.clientConnection().peerTransportParameters().retrySourceConnectionId();
        assertNotNull(retrySource);
        QuicLbDecoder loadBalancer = new QuicLbDecoder(CONFIG);
        assertArrayEquals(SERVER_ID, loadBalancer.serverId(retrySource).orElseThrow());
        assertArrayEquals(SERVER_ID, loadBalancer.serverId(pair.serverConnection().localId()).orElseThrow());
    }

    @Test
    void withSeveralIoThreadsTheIdsNameTheThreadAndStillDecode() throws Exception {
        QuicLbConfig randomBits = new QuicLbConfig(2, 3, 4, KEY, false);
        ConnectionPair pair = ConnectionPair.builder(33).build();
        pair.server.endpoint.setConnectionIdOwner(new ConnectionIdOwner(2, 4));
        pair.server.endpoint.setQuicLbEncoder(new QuicLbEncoder(randomBits, SERVER_ID, new SplittableRandom(4)));
        pair.connect().confirm();
        ConnectionId id = pair.serverConnection().localId();
        assertEquals(2, ConnectionIdOwner.ownerOf(id.byteAt(0), 4));
        assertEquals(2, QuicLbDecoder.configRotationOf(id));
        assertArrayEquals(SERVER_ID, new QuicLbDecoder(randomBits).serverId(id).orElseThrow());
    }

    @Test
    void aConfigurationOfAnotherLengthIsRefused() {
        QuicEndpoint endpoint = new QuicEndpoint(new EndpointConfig(ConnectionConfig.defaults(), new byte[32]),
                new SplittableRandom(1));
        QuicLbEncoder nineOctets = new QuicLbEncoder(new QuicLbConfig(0, 4, 4, KEY, true), new byte[4],
                new SplittableRandom(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> endpoint.setQuicLbEncoder(nineOctets));
        assertTrue(e.getMessage().contains("9 bytes"), e.getMessage());
    }

    @Test
    void selfEncodedLengthAndSeveralIoThreadsAreRefusedTogether() {
        QuicEndpoint endpoint = new QuicEndpoint(new EndpointConfig(ConnectionConfig.defaults(), new byte[32]),
                new SplittableRandom(1));
        endpoint.setConnectionIdOwner(new ConnectionIdOwner(1, 4));
        QuicLbEncoder encoder = new QuicLbEncoder(CONFIG, SERVER_ID, new SplittableRandom(1));
        assertThrows(IllegalArgumentException.class, () -> endpoint.setQuicLbEncoder(encoder));
        // With random low bits the thread index fits there.
        endpoint.setQuicLbEncoder(new QuicLbEncoder(new QuicLbConfig(2, 3, 4, KEY, false), SERVER_ID,
                new SplittableRandom(1)));
    }
}
