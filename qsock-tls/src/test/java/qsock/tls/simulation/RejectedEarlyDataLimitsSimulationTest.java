package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.ConnectionConfig;
import qsock.core.connection.QuicConnection;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.Application;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.stream.StreamRead;
import qsock.tls.ClientTickets;
import qsock.tls.Credential;
import qsock.tls.ServerTickets;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.ticket.InMemoryTicketStore;
import qsock.tls.ticket.TicketSealer;

/**
 * RFC 9000 §7.4.1, RFC 9001 §4.6.2: a server that rejects 0-RTT and now advertises lower limits than the ticket
 * remembers. The client used the remembered limits for its 0-RTT data; after the rejection it must use the server's
 * new limits as they are: no more stream data than the new initial_max_data before MAX_DATA, no stream beyond the new
 * stream limit before MAX_STREAMS. The server enforces both (FLOW_CONTROL_ERROR, STREAM_LIMIT_ERROR), so a client
 * that kept the remembered limits gets its connection closed; one that follows the rule delivers everything.
 */
class RejectedEarlyDataLimitsSimulationTest {

    private static final String PKI = TlsHandshakes.DEFAULT_PKI;
    private static final LinkConfig LINK = LinkConfig.perfect().withDelay(20 * MS, 0);

    private final InMemoryTicketStore store = new InMemoryTicketStore();
    private final TlsClientConfig clientTls = TlsClientConfig.builder().serverName("localhost")
            .applicationProtocols("hq-interop", "echo")
            .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(PKI))))
            .tickets(ClientTickets.defaults().withStore(store).withEarlyData(true)).build();
    private final ServerTickets accepting = ServerTickets.defaults()
            .withSealer(TicketSealer.withRandomKey(TestPki.seeded(4)))
            .withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT);

    /** Reads every client stream to its end, whatever order they come in. */
    private static final class Reader implements Application {
        final Map<Long, ByteArrayOutputStream> received = new HashMap<>();
        final Set<Long> finished = new HashSet<>();

        @Override
        public void onTurn(QuicConnection connection, long now) throws Exception {
            ByteBuffer buf = ByteBuffer.allocate(4096);
            for (int i = 0; i < 64; i++) {
                long id = connection.streams().readableNext();
                if (id < 0) {
                    return;
                }
                buf.clear();
                long r = connection.streams().recv(id, buf);
                received.computeIfAbsent(id, k -> new ByteArrayOutputStream()).write(buf.array(), 0,
                        StreamRead.length(r));
                if (StreamRead.fin(r)) {
                    finished.add(id);
                }
            }
        }
    }

    private ConnectionPair start(long seed, ServerTickets t, ConnectionConfig serverConfig, List<Reader> readers)
            throws Exception {
        TlsHandshakes client = new TlsHandshakes(clientTls, null, TestPki.seeded(seed * 31 + 1));
        TlsHandshakes server = new TlsHandshakes(null,
                TlsServerConfig.builder(new Credential(TestPki.chain(PKI), TestPki.leafKey(PKI)))
                        .applicationProtocols("echo", "hq-interop").tickets(t).build(),
                TestPki.seeded(seed * 31 + 2));
        ConnectionPair pair = ConnectionPair.builder(seed).handshakes(client, server).links(LINK)
                .serverConfig(serverConfig).serverApplication(() -> {
                    Reader r = new Reader();
                    readers.add(r);
                    return r;
                }).build();
        pair.connect();
        return pair;
    }

    private static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static void write(QuicConnection c, long id, byte[] data) throws Exception {
        ByteBuffer src = ByteBuffer.wrap(data);
        c.streams().write(id, src, true);
        assertTrue(!src.hasRemaining());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {341, 342})
    void afterRejectionTheServersLowerLimitsApplyAsTheyAre(long seed) throws Exception {
        // The ticket remembers the defaults: 2 MiB of connection credit, 100 streams each way.
        List<Reader> firstReaders = new java.util.ArrayList<>();
        ConnectionPair first = start(seed, accepting, ConnectionConfig.defaults(), firstReaders);
        first.runUntil(() -> first.bothEstablished() && store.size() > 0, 120 * SECOND, 200_000);
        assertEquals(1, store.size("localhost"), first::describe);

        // The second server allows 1000 bytes and one unidirectional stream, and rejects 0-RTT.
        ConnectionConfig lower = ConnectionConfig.builder().initialMaxData(1000).maxStreamsUni(1).build();
        List<Reader> readers = new java.util.ArrayList<>();
        ConnectionPair run = start(seed + 1000, accepting.withEarlyData(true, (alpn, sni, params) -> false), lower,
                readers);
        QuicConnection client = run.clientConnection();
        assertTrue(client.canSendEarlyData(), "0-RTT keys right after the ClientHello");
        Map<Long, byte[]> sent = new HashMap<>();
        long bidi = client.streams().openStream(true);
        long uni1 = client.streams().openStream(false);
        long uni2 = client.streams().openStream(false);
        assertTrue(bidi >= 0 && uni1 >= 0 && uni2 >= 0, "the remembered limits allow three streams");
        sent.put(bidi, bytes(2500, seed));
        sent.put(uni1, bytes(700, seed + 1));
        sent.put(uni2, bytes(600, seed + 2));
        for (Map.Entry<Long, byte[]> e : sent.entrySet()) {
            write(client, e.getKey(), e.getValue());
        }

        // The answer comes with the server's parameters (EncryptedExtensions); MAX_DATA and MAX_STREAMS come later,
        // in 1-RTT packets after the handshake.
        run.runUntil(() -> client.earlyDataAccepted() != null, 10 * SECOND, 10_000);
        assertEquals(Boolean.FALSE, client.earlyDataAccepted());
        assertTrue(client.zeroRttPacketsSent() > 0, "0-RTT packets went out under the remembered limits");
        assertEquals(1000, client.streams().peerMaxData(), "the server's initial_max_data, not the remembered one");
        assertEquals(1, client.streams().peerMaxStreams(false), "the server's initial_max_streams_uni");
        assertEquals(0, client.streams().connectionDataSent(), "what 0-RTT carried counts for nothing now");

        // The client never exceeds what the server grants, at every step until all has arrived.
        long[] worst = {0};
        run.runUntil(() -> {
            worst[0] = Math.max(worst[0], client.streams().connectionDataSent() - client.streams().peerMaxData());
            QuicConnection server = run.serverConnection();
            return server != null && server.closeError() != null
                    || !readers.isEmpty() && readers.getLast().finished.size() == sent.size();
        }, 120 * SECOND, 300_000);
        assertNull(run.serverConnection().closeError(), run::describe);
        assertNull(client.closeError(), run::describe);
        assertTrue(worst[0] <= 0, "sent past the peer's limit by " + worst[0]);
        Reader reader = readers.getLast();
        for (Map.Entry<Long, byte[]> e : sent.entrySet()) {
            assertArrayEquals(e.getValue(), reader.received.get(e.getKey()).toByteArray(),
                    "stream " + e.getKey());
        }
        assertEquals(2500 + 700 + 600, run.serverConnection().streams().connectionDataReceived());
    }
}
