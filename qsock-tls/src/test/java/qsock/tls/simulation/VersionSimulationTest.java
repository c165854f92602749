package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.QuicVersion;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;

/**
 * QUIC version 2 (RFC 9369) and version negotiation (RFC 9368) with the real TLS engine: the handshake starts over
 * with a new ClientHello after Version Negotiation, and a server preferring version 2 moves a version 1 client there.
 */
class VersionSimulationTest {

    private static ConnectionConfig versions(QuicVersion start, QuicVersion... versions) {
        return ConnectionConfig.builder().version(start).versions(versions).build();
    }

    private static ConnectionPair run(ConnectionPair.Builder b) throws Exception {
        ConnectionPair pair = b.build().connect();
        pair.runUntil(pair::bothConfirmed, 30 * SECOND, 100_000);
        assertTrue(pair.bothConfirmed(), pair.describe());
        assertNull(pair.clientConnection().closeError());
        assertEquals("echo", pair.clientConnection().applicationProtocol());
        return pair;
    }

    @Test
    void version2OnBothSidesCarriesATransfer() throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(300_000, 1);
        ConnectionPair pair = run(TlsHandshakes.pair(1).config(versions(QuicVersion.V2, QuicVersion.V2))
                .clientApplication(() -> receiver).serverApplication(() -> sender));
        pair.runUntil(receiver::finished, 30 * SECOND, 100_000);
        assertTrue(receiver.finished(), pair.describe());
        assertEquals(QuicVersion.V2, pair.clientConnection().version());
        assertEquals(QuicVersion.V2, pair.serverConnection().version());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {2, 3, 4})
    void aServerPreferringVersion2UpgradesAVersion1ClientPreferringVersion2EvenUnderLoss(long seed) throws Exception {
        ConnectionPair pair = run(TlsHandshakes.pair(seed)
                .links(LinkConfig.perfect().withDelay(10 * MS, 3 * MS).withLoss(seed == 2 ? 0 : 0.2))
                .clientConfig(versions(QuicVersion.V1, QuicVersion.V2, QuicVersion.V1))
                .serverConfig(versions(QuicVersion.V2, QuicVersion.V2, QuicVersion.V1)));
        assertEquals(QuicVersion.V2, pair.clientConnection().version());
        assertEquals(QuicVersion.V2, pair.serverConnection().version());
        assertEquals(0, pair.server.endpoint.versionNegotiationsSent());
    }

    @Test
    void aClientStartsOverWithANewClientHelloAfterVersionNegotiation() throws Exception {
        ConnectionPair pair = run(TlsHandshakes.pair(5)
                .clientConfig(versions(QuicVersion.V1, QuicVersion.V1, QuicVersion.V2))
                .serverConfig(versions(QuicVersion.V2, QuicVersion.V2)));
        // The ClientHello (with a hybrid key share) fills two Initials, each answered; the second answer is ignored.
        assertTrue(pair.server.endpoint.versionNegotiationsSent() >= 1);
        assertEquals(1, pair.clientConnection().handshakeAttempt());
        assertEquals(QuicVersion.V2, pair.serverConnection().version());
    }
}
