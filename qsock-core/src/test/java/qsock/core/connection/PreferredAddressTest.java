package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.Role;
import qsock.core.frame.Frame;
import qsock.core.frame.NewConnectionIdFrame;
import qsock.core.frame.PaddingFrame;
import qsock.core.frame.PathChallengeFrame;
import qsock.core.frame.PathResponseFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.params.PreferredAddress;
import qsock.core.params.TransportParameters;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.LocalAddressHost;
import qsock.core.sim.quic.Wire;

/**
 * A server's preferred address (RFC 9000 §9.6), in the deterministic simulation: the server advertises it with its
 * connection ID of sequence number 1; once the handshake is confirmed the client validates the path to it and moves
 * there, the old address serving until then; a client told not to move stays, and retires that ID.
 */
class PreferredAddressTest {

    private static final LinkConfig LINK = LinkConfig.perfect().withDelay(10 * MS, 0).withBandwidth(20_000_000, 200_000);
    private static final InetSocketAddress PREFERRED = new InetSocketAddress("10.0.0.3", 4433);

    private record Setup(ConnectionPair pair, LocalAddressHost preferred, BulkSender sender, BulkReceiver receiver) {}

    private static Setup setup(long seed, ConnectionConfig clientConfig) throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(2_000_000, seed);
        ConnectionPair pair = ConnectionPair.builder(seed).links(LINK).clientConfig(clientConfig)
                .serverConfig(ConnectionConfig.builder().preferredAddress(PREFERRED, null).build())
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
        LocalAddressHost preferred = new LocalAddressHost(pair.server, PREFERRED);
        pair.network.add(preferred);
        pair.network.link(pair.client, preferred, LINK);
        pair.connect();
        return new Setup(pair, preferred, sender, receiver);
    }

    @Test
    void theServerAdvertisesItsPreferredAddressWithConnectionIdOne() throws Exception {
        Setup s = setup(81, ConnectionConfig.builder().migrateToPreferredAddress(false).build());
        s.pair().runUntil(() -> s.pair().bothConfirmed(), 10 * SECOND, 100_000);
        QuicConnection server = s.pair().serverConnection();
        TransportParameters sent = TransportParameters.decode(java.nio.ByteBuffer.wrap(server.localTransportParameters()),
                qsock.api.Role.SERVER);
        PreferredAddress p = sent.preferredAddress();
        assertNotNull(p);
        assertEquals(PREFERRED, p.ipv4());
        assertNull(p.ipv6());
        assertEquals(1, server.preferredAddressId.sequenceNumber());
        assertEquals(server.preferredAddressId.connectionId(), p.connectionId());
    }

    @Test
    void theClientMovesToThePreferredAddressOnceConfirmed() throws Exception {
        Setup s = setup(82, ConnectionConfig.defaults());
        ConnectionPair pair = s.pair();
        pair.runUntil(() -> s.receiver().finished(), 60 * SECOND, 2_000_000);
        assertEquals(s.sender().sha256(), s.receiver().sha256());
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        assertEquals(1, client.migrations(), "the client moved to the preferred address");
        assertEquals(PREFERRED, pair.client.endpoint.peerAddress(client));
        assertEquals(1, client.peerConnectionIdSequenceNumber(), "with the preferred address's ID (§9.6.1)");
        assertTrue(s.preferred().received > 0);
        assertEquals(1, server.migrations(), "the server probed from its preferred address and moved there");
        assertEquals(0, server.peerAddressChanges(), "the client's own address did not change");
        long fromOldAddress = pair.network.stats(pair.server, pair.client).bytesSent();
        long fromPreferred = pair.network.stats(s.preferred(), pair.client).bytesSent();
        assertTrue(fromPreferred > fromOldAddress, fromPreferred + " bytes from the preferred address, "
                + fromOldAddress + " from the old one");
    }

    /**
     * RFC 9000 §9.6.2: the server MUST send non-probing packets from its original address until the client sent a
     * non-probing packet to the preferred one and the server validated the path, and MUST probe that path from its
     * preferred address. Every datagram leaving the preferred address before the server moved is read here.
     */
    @Test
    void theServerSendsOnlyProbesFromItsPreferredAddressUntilItValidatedThePath() throws Exception {
        Setup s = setup(84, ConnectionConfig.defaults());
        ConnectionPair pair = s.pair();
        List<String> early = new ArrayList<>();
        int[] probes = {0};
        pair.network.filter(s.preferred(), pair.client, (index, datagram, now) -> {
            QuicConnection server = pair.serverConnection();
            if (server.migrations() > 0) {
                return false;
            }
            Wire wire = new Wire(Role.SERVER, CipherSuite.TLS_AES_128_GCM_SHA256, server.version(),
                    server.originalDestinationId(), 8);
            for (Wire.Packet p : wire.read(datagram.duplicate())) {
                for (Frame f : p.frames()) {
                    if (f instanceof PathChallengeFrame) {
                        probes[0]++;
                    } else if (!(f instanceof PaddingFrame || f instanceof PathResponseFrame
                            || f instanceof NewConnectionIdFrame)) {
                        early.add(f.getClass().getSimpleName());
                    }
                }
            }
            return false;
        });
        pair.runUntil(() -> s.receiver().finished(), 60 * SECOND, 2_000_000);
        assertEquals(s.sender().sha256(), s.receiver().sha256());
        assertEquals(1, pair.serverConnection().migrations());
        assertTrue(probes[0] > 0, "the server probed from its preferred address");
        assertEquals(List.of(), early, "non-probing frames from the preferred address before the server moved");
    }

    /** RFC 9000 §9.6.1: if the preferred address does not answer, the client MUST keep to the original one. */
    @Test
    void aPreferredAddressThatDoesNotAnswerLeavesTheClientOnTheOriginal() throws Exception {
        Setup s = setup(85, ConnectionConfig.defaults());
        ConnectionPair pair = s.pair();
        pair.network.configure(pair.client, s.preferred(), LINK.withLoss(1.0));
        pair.runUntil(() -> s.receiver().finished() && pair.clientConnection().migrationsAbandoned() > 0,
                60 * SECOND, 2_000_000);
        assertEquals(s.sender().sha256(), s.receiver().sha256());
        QuicConnection client = pair.clientConnection();
        assertEquals(1, client.migrationsAbandoned());
        assertEquals(0, client.migrations());
        assertEquals(pair.server.address(), pair.client.endpoint.peerAddress(client));
        assertNull(client.peerIds.activeId(1), "the preferred address's ID is retired with the probe (§9.5)");
    }

    @Test
    void aClientToldNotToMoveStaysAndRetiresThePreferredAddressId() throws Exception {
        Setup s = setup(83, ConnectionConfig.builder().migrateToPreferredAddress(false).build());
        ConnectionPair pair = s.pair();
        pair.runUntil(() -> s.receiver().finished(), 60 * SECOND, 2_000_000);
        assertEquals(s.sender().sha256(), s.receiver().sha256());
        QuicConnection client = pair.clientConnection();
        assertEquals(0, client.migrations());
        assertFalse(client.isMigrating());
        assertEquals(0, s.preferred().received);
        assertEquals(pair.server.address(), pair.client.endpoint.peerAddress(client));
        assertNull(client.peerIds.activeId(1), "the preferred address's ID is retired (RFC 9000 §5.1.2)");
        assertEquals(0, client.peerConnectionIdSequenceNumber());
    }
}
