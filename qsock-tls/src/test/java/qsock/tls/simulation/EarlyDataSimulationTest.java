package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.ConnectionConfig;
import qsock.api.QuicVersion;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.crypto.PacketProtection;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.AckFrame;
import qsock.core.frame.CryptoFrame;
import qsock.core.frame.Frame;
import qsock.core.frame.FrameEncoder;
import qsock.core.frame.HandshakeDoneFrame;
import qsock.core.frame.NewTokenFrame;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.packet.PacketType;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.Application;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Session;
import qsock.core.sim.quic.Wire;
import qsock.core.stream.StreamRead;
import qsock.tls.ClientTickets;
import qsock.tls.Credential;
import qsock.tls.HandshakeDriver;
import qsock.tls.ServerTickets;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.ticket.EarlyDataAntiReplay;
import qsock.tls.ticket.InMemoryTicketStore;
import qsock.tls.ticket.TicketSealer;

/**
 * 0-RTT on the wire (RFC 9001 §4.6, RFC 9000 §7.4.1, §17.2.3): a first connection leaves a ticket that allows early
 * data; on the second the client writes a request right after its ClientHello, before the handshake completes. The
 * request leaves in 0-RTT packets; a server that accepts reads it before the client's handshake is complete, one
 * that rejects reads it all the same once the client sent it again in 1-RTT, nothing lost and nothing twice. A
 * replayed 0-RTT flight is not processed again; remembered limits hold; forbidden frames in 0-RTT are a
 * PROTOCOL_VIOLATION.
 */
class EarlyDataSimulationTest {

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

    private TlsServerConfig serverTls(ServerTickets t) {
        return TlsServerConfig.builder(new Credential(TestPki.chain(PKI), TestPki.leafKey(PKI)))
                .applicationProtocols("echo", "hq-interop").tickets(t).build();
    }

    /** Reads client stream 0 to its end, once the server's connection is established. */
    private static final class Reader implements Application {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        boolean finished;

        @Override
        public void onTurn(QuicConnection connection, long now) throws Exception {
            ByteBuffer buf = ByteBuffer.allocate(4096);
            for (int i = 0; i < 64 && !finished && connection.streams().connectionDataReceived() > 0; i++) {
                buf.clear();
                long r = connection.streams().recv(0, buf);
                received.write(buf.array(), 0, StreamRead.length(r));
                finished = StreamRead.fin(r);
                if (StreamRead.length(r) == 0) {
                    return;
                }
            }
        }
    }

    private record Run(ConnectionPair pair, TlsHandshakes client, TlsHandshakes server, List<Reader> readers,
                       List<ByteBuffer> clientDatagrams) {
        HandshakeDriver clientDriver() {
            return client.started.get(0);
        }

        HandshakeDriver serverDriver() {
            return server.started.get(0);
        }
    }

    private Run start(long seed, LinkConfig link, ServerTickets t, ConnectionConfig serverConfig) throws Exception {
        return start(seed, link, t, serverConfig, false);
    }

    /** Starts a pair whose server, if {@code retry}, validates every client with a Retry first (RFC 9000 §8.1.2). */
    private Run start(long seed, LinkConfig link, ServerTickets t, ConnectionConfig serverConfig, boolean retry)
            throws Exception {
        TlsHandshakes client = new TlsHandshakes(clientTls, null, TestPki.seeded(seed * 31 + 1));
        TlsHandshakes server = new TlsHandshakes(null, serverTls(t), TestPki.seeded(seed * 31 + 2));
        List<Reader> readers = new ArrayList<>();
        Supplier<Application> app = () -> {
            Reader r = new Reader();
            readers.add(r);
            return r;
        };
        ConnectionPair pair = ConnectionPair.builder(seed).handshakes(client, server).links(link)
                .serverConfig(serverConfig).serverApplication(app).build();
        List<ByteBuffer> captured = new ArrayList<>();
        pair.client.outgoingHook = (datagram, now) -> {
            ByteBuffer copy = ByteBuffer.allocate(datagram.remaining());
            copy.put(datagram.duplicate()).flip();
            captured.add(copy);
        };
        if (retry) {
            pair.server.endpoint.setAddressValidation(
                    qsock.core.endpoint.AddressValidation.defaults().withAlwaysRetry(true));
        }
        pair.connect();
        return new Run(pair, client, server, readers, captured);
    }

    /** A first connection, for its ticket. */
    private void firstConnection(long seed, LinkConfig link, ServerTickets t) throws Exception {
        Run first = start(seed, link, t, ConnectionConfig.defaults());
        first.pair().runUntil(() -> first.pair().bothEstablished() && store.size() > 0, 120 * SECOND, 200_000);
        assertEquals(1, store.size("localhost"), first.pair()::describe);
        assertFalse(first.pair().clientConnection().earlyDataAttempted(), "no ticket, no early data");
        assertEquals(0, first.pair().clientConnection().zeroRttPacketsSent());
    }

    private static byte[] request(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** The client opens stream 0 and writes all of {@code request} with FIN, before its handshake completes. */
    private static void writeEarly(QuicConnection client, byte[] request) throws Exception {
        assertTrue(client.canSendEarlyData(), "0-RTT keys right after the ClientHello");
        assertEquals(ConnectionState.HANDSHAKING, client.state());
        long id = client.streams().openStream(true);
        assertEquals(0, id);
        ByteBuffer src = ByteBuffer.wrap(request);
        client.streams().write(id, src, true);
        assertFalse(src.hasRemaining());
    }

    private static boolean hasZeroRtt(List<ByteBuffer> datagrams, QuicConnection client) {
        for (ByteBuffer d : datagrams) {
            if (Wire.types(d.duplicate(), client.peerId().length()).contains(PacketType.ZERO_RTT)) {
                return true;
            }
        }
        return false;
    }

    private static void runUntilRead(Run run, byte[] request) {
        run.pair().runUntil(() -> !run.readers().isEmpty() && run.readers().getFirst().finished, 120 * SECOND,
                300_000);
        assertArrayEquals(request, run.readers().getFirst().received.toByteArray(), run.pair()::describe);
        assertEquals(request.length, run.pair().serverConnection().streams().connectionDataReceived(),
                run.pair()::describe);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {301, 302})
    void acceptedEarlyDataArrivesBeforeTheClientsHandshakeCompletes(long seed) throws Exception {
        firstConnection(seed, LINK, accepting);
        byte[] request = request(2500, seed);
        Run run = start(seed + 1000, LINK, accepting, ConnectionConfig.defaults());
        QuicConnection client = run.pair().clientConnection();
        writeEarly(client, request);
        // The whole request reaches the server while the client still waits for the server's first flight.
        run.pair().runUntil(() -> run.pair().bothStarted()
                && run.pair().serverConnection().streams().connectionDataReceived() == request.length, 10 * SECOND,
                10_000);
        assertEquals(ConnectionState.HANDSHAKING, client.state(), run.pair()::describe);
        assertTrue(hasZeroRtt(run.clientDatagrams(), client), "0-RTT packets on the wire");
        assertTrue(client.zeroRttPacketsSent() >= 2, () -> "2500 bytes take two 0-RTT packets: "
                + client.zeroRttPacketsSent());
        assertEquals(client.zeroRttPacketsSent(), run.pair().serverConnection().zeroRttPacketsReceived());
        runUntilRead(run, request);
        assertEquals(Boolean.TRUE, client.earlyDataAccepted());
        assertEquals(Boolean.TRUE, run.pair().serverConnection().earlyDataAccepted());
        assertFalse(client.canSendEarlyData(), "0-RTT keys are gone once 1-RTT keys are there");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {311, 312})
    void rejectedEarlyDataIsSentAgainInOneRttNothingLostNothingTwice(long seed) throws Exception {
        firstConnection(seed, LINK, accepting);
        byte[] request = request(2500, seed);
        Run run = start(seed + 1000, LINK, accepting.withEarlyData(true, (alpn, sni, params) -> false),
                ConnectionConfig.defaults());
        QuicConnection client = run.pair().clientConnection();
        writeEarly(client, request);
        runUntilRead(run, request);
        assertTrue(hasZeroRtt(run.clientDatagrams(), client), "0-RTT packets on the wire");
        assertTrue(client.zeroRttPacketsSent() > 0);
        assertEquals(Boolean.FALSE, client.earlyDataAccepted());
        assertEquals(Boolean.FALSE, run.serverDriver().earlyDataAccepted());
        assertEquals(0, run.pair().serverConnection().zeroRttPacketsReceived(), "a rejecting server opens none");
        assertTrue(client.packetsLost() == 0, "rejected 0-RTT packets leave flight without being declared lost");
    }

    /**
     * RFC 9000 §7.4.1: frames in 0-RTT packets use the remembered transport parameters only. From the moment the
     * server's parameters of this connection reach the client, it seals no more 0-RTT packets; what it still has to
     * send waits for 1-RTT, where the new values apply. The whole request still arrives.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {341, 342})
    void noZeroRttLeavesOnceTheServersParametersAreKnown(long seed) throws Exception {
        firstConnection(seed, LINK, accepting);
        byte[] request = request(20_000, seed);
        TlsHandshakes client = new TlsHandshakes(clientTls, null, TestPki.seeded(seed * 31 + 1));
        TlsHandshakes server = new TlsHandshakes(null, serverTls(accepting), TestPki.seeded(seed * 31 + 2));
        List<Boolean> canSendAfterParameters = new ArrayList<>();
        qsock.core.sim.quic.HandshakeFactory watching = (connection, channel) -> client.start(connection,
                new ZeroRttSimulationTest.Recording(channel) {
                    @Override
                    public void peerTransportParameters(byte[] encoded) {
                        super.peerTransportParameters(encoded);
                        canSendAfterParameters.add(connection.canSendEarlyData());
                    }
                });
        Reader reader = new Reader();
        ConnectionPair pair = ConnectionPair.builder(seed + 1000).handshakes(watching, server).links(LINK)
                .serverApplication(() -> reader).build();
        pair.connect();
        QuicConnection c = pair.clientConnection();
        writeEarly(c, request);
        pair.runUntil(() -> reader.finished, 120 * SECOND, 300_000);
        assertArrayEquals(request, reader.received.toByteArray(), pair::describe);
        assertEquals(Boolean.TRUE, c.earlyDataAccepted());
        assertTrue(c.zeroRttPacketsSent() > 0);
        assertEquals(List.of(false), canSendAfterParameters, "0-RTT still allowed with the server's parameters");
    }

    /**
     * RFC 9369 §4 (compatible negotiation, RFC 9368): a client that resumed a version 1 session and sends 0-RTT in
     * version 1 sends no 0-RTT packet in version 2 once the server moved it there; the rest of its request goes in
     * 1-RTT and arrives whole.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {351, 352})
    void noZeroRttIsSentInTheVersionTheServerMovedTheClientTo(long seed) throws Exception {
        ConnectionConfig v1Only = ConnectionConfig.builder().version(QuicVersion.V1).versions(QuicVersion.V1).build();
        ConnectionConfig preferV2 = ConnectionConfig.builder().version(QuicVersion.V2)
                .versions(QuicVersion.V2, QuicVersion.V1).build();
        // The first connection, version 1 only, leaves a version 1 ticket.
        ConnectionPair first = ConnectionPair.builder(seed)
                .handshakes(new TlsHandshakes(clientTls, null, TestPki.seeded(seed * 31 + 1)),
                        new TlsHandshakes(null, serverTls(accepting), TestPki.seeded(seed * 31 + 2)))
                .links(LINK).clientConfig(v1Only).serverConfig(preferV2).build().connect();
        first.runUntil(() -> first.bothEstablished() && store.size() > 0, 30 * SECOND, 100_000);
        assertEquals(QuicVersion.V1, first.clientConnection().version());
        // The second starts in version 1 with the ticket, preferring version 2; the server moves it there.
        byte[] request = request(60_000, seed);
        Reader reader = new Reader();
        ConnectionPair pair = ConnectionPair.builder(seed + 1000)
                .handshakes(new TlsHandshakes(clientTls, null, TestPki.seeded(seed * 31 + 3)),
                        new TlsHandshakes(null, serverTls(accepting), TestPki.seeded(seed * 31 + 4)))
                .links(LINK).clientConfig(ConnectionConfig.builder().version(QuicVersion.V1)
                        .versions(QuicVersion.V2, QuicVersion.V1).build())
                .serverConfig(preferV2).serverApplication(() -> reader).build();
        List<Integer> zeroRttVersions = new ArrayList<>();
        pair.client.outgoingHook = (datagram, now) -> {
            int offset = datagram.position();
            qsock.core.packet.PacketHeaderView view = new qsock.core.packet.PacketHeaderView();
            while (offset < datagram.limit() && qsock.core.packet.PacketParser.parse(datagram, offset, 8, true, view)
                    == qsock.core.packet.ParseStatus.OK) {
                if (view.type() == PacketType.ZERO_RTT) {
                    zeroRttVersions.add(view.quicVersion().wireValue());
                }
                offset = view.packetEnd();
            }
        };
        // The server's first Handshake packet (its parameters, behind the Initial that moves the client) is
        // corrupted once: the client is in version 2 without the server's parameters, and still has early data.
        boolean[] corrupted = {false};
        pair.server.outgoingHook = (datagram, now) -> {
            qsock.core.packet.PacketHeaderView view = new qsock.core.packet.PacketHeaderView();
            int offset = datagram.position();
            while (!corrupted[0] && offset < datagram.limit() && qsock.core.packet.PacketParser.parse(datagram,
                    offset, 8, true, view) == qsock.core.packet.ParseStatus.OK) {
                if (view.type() == PacketType.HANDSHAKE) {
                    corrupted[0] = true;
                    int last = view.packetEnd() - 1;
                    datagram.put(last, (byte) (datagram.get(last) ^ 1));
                }
                offset = view.packetEnd();
            }
        };
        pair.connect();
        QuicConnection c = pair.clientConnection();
        writeEarly(c, request);
        pair.runUntil(() -> reader.finished, 120 * SECOND, 300_000);
        assertTrue(corrupted[0]);
        assertArrayEquals(request, reader.received.toByteArray(), pair::describe);
        assertEquals(QuicVersion.V2, c.version(), "the server moved the client to version 2");
        assertTrue(c.zeroRttPacketsSent() > 0, "0-RTT went out before the move");
        assertFalse(zeroRttVersions.isEmpty());
        assertEquals(List.of(QuicVersion.V1.wireValue()), zeroRttVersions.stream().distinct().toList(),
                "versions of the client's 0-RTT packets");
    }

    /**
     * RFC 9000 §17.2.5.3: the server's Retry discards the client's first flight, 0-RTT packets included; the client
     * sends its early data again in new 0-RTT packets to the Retry's connection ID, with the token, and the server
     * accepts it. The request arrives whole and once.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {331, 332})
    void earlyDataSentBeforeARetryIsSentAgainAfterItAndAccepted(long seed) throws Exception {
        firstConnection(seed, LINK, accepting);
        byte[] request = request(2500, seed);
        Run run = start(seed + 1000, LINK, accepting, ConnectionConfig.defaults(), true);
        QuicConnection client = run.pair().clientConnection();
        writeEarly(client, request);
        runUntilRead(run, request);
        assertEquals(1, client.retries(), "the client followed one Retry");
        // The hybrid key share's ClientHello fills two Initials: the stateless server answers each with a Retry.
        assertTrue(run.pair().server.endpoint.retriesSent() >= 1);
        assertEquals(Boolean.TRUE, client.earlyDataAccepted(), run.pair()::describe);
        assertTrue(run.pair().serverConnection().zeroRttPacketsReceived() > 0, "0-RTT packets after the Retry");
        assertTrue(client.zeroRttPacketsSent() > run.pair().serverConnection().zeroRttPacketsReceived(),
                "the first 0-RTT packets went before the Retry and were sent again");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {321, 322, 323})
    void underThirtyPercentLoss(long seed) throws Exception {
        LinkConfig lossy = LinkConfig.perfect().withDelay(20 * MS, 5 * MS).withLoss(0.30);
        firstConnection(seed, lossy, accepting);
        byte[] request = request(6000, seed);
        Run run = start(seed + 1000, lossy, accepting, ConnectionConfig.defaults());
        QuicConnection client = run.pair().clientConnection();
        writeEarly(client, request);
        runUntilRead(run, request);
        assertTrue(client.zeroRttPacketsSent() > 0);
        assertTrue(hasZeroRtt(run.clientDatagrams(), client));
    }

    @Test
    void theClientKeepsWithinTheRememberedInitialMaxData() throws Exception {
        long seed = 331;
        // The first connection's server advertises initial_max_data 1000: what the ticket remembers.
        ConnectionConfig small = ConnectionConfig.builder().initialMaxData(1000).build();
        Run first = start(seed, LINK, accepting, small);
        first.pair().runUntil(() -> first.pair().bothEstablished() && store.size() > 0, 120 * SECOND, 200_000);
        byte[] request = request(3000, seed);
        // The second server would allow more; the client does not know before its parameters arrive.
        Run run = start(seed + 1000, LINK, accepting, ConnectionConfig.defaults());
        QuicConnection client = run.pair().clientConnection();
        long id = client.streams().openStream(true);
        ByteBuffer src = ByteBuffer.wrap(request);
        client.streams().write(id, src, true);
        run.pair().runUntil(() -> run.pair().bothStarted()
                && run.pair().serverConnection().streams().connectionDataReceived() > 0, 10 * SECOND, 10_000);
        run.pair().runFor(15 * MS);
        assertEquals(ConnectionState.HANDSHAKING, client.state(), run.pair()::describe);
        assertEquals(1000, client.streams().peerMaxData());
        assertEquals(1000, client.streams().connectionDataSent(), "0-RTT stops at the remembered initial_max_data");
        assertEquals(1000, run.pair().serverConnection().streams().connectionDataReceived());
        assertTrue(client.zeroRttPacketsSent() > 0);
        // The server's own parameters raise the limit: the rest follows in 1-RTT.
        runUntilRead(run, request);
    }

    /** The frames RFC 9000 §12.4 (Table 3) and §17.2.3 forbid in 0-RTT packets. */
    static List<Frame> forbiddenInZeroRtt() {
        return List.of(AckFrame.of(0, 0, 0), new CryptoFrame(0, ByteBuffer.wrap(new byte[8])),
                new HandshakeDoneFrame(), new NewTokenFrame(ByteBuffer.wrap(new byte[8])));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forbiddenInZeroRtt")
    void aForbiddenFrameInZeroRttIsAProtocolViolation(Frame frame) throws Exception {
        long seed = 341;
        firstConnection(seed, LINK, accepting);
        Run run = start(seed + 1000, LINK, accepting, ConnectionConfig.defaults());
        QuicConnection client = run.pair().clientConnection();
        Session clientSession = run.pair().clientSession;
        byte[] secret = clientSession.channel.writeSecrets.get(EncryptionLevel.EARLY_DATA);
        assertNotNull(secret, "the client has 0-RTT keys");
        run.pair().runUntil(() -> run.pair().bothStarted()
                && run.pair().serverSession().channel.readSecrets.containsKey(EncryptionLevel.EARLY_DATA),
                10 * SECOND, 10_000);
        // A 0-RTT packet as the client would seal it, carrying the forbidden frame.
        PacketProtection keys = PacketProtection.fromSecret(clientSession.channel.suite, client.version(), secret);
        ByteBuffer buf = ByteBuffer.allocate(1500);
        int pnOffset = PacketHeaderWriter.writeLongHeader(buf, client.version(), PacketType.ZERO_RTT,
                client.originalDestinationId(), client.localId(), null, 40, 2, 2, true);
        FrameEncoder.writePadding(buf, 24);
        FrameEncoder.encode(buf, frame);
        int payloadEnd = buf.position();
        PacketHeaderWriter.setLength(buf, pnOffset, 2, payloadEnd + 16);
        int length = keys.seal(buf, 0, pnOffset, 2, 40, payloadEnd);
        run.pair().server.receive(run.pair().client.address, buf.position(0).limit(length),
                run.pair().network.now());
        QuicConnection server = run.pair().serverConnection();
        assertTrue(server.state().isClosingOrClosed(), run.pair()::describe);
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION, server.closeError().transportCode(),
                () -> server.closeError().toString());
        assertEquals(frame.typeCode(), server.closeError().frameType());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {351, 352})
    void aReplayedZeroRttFlightIsNotProcessedTwice(long seed) throws Exception {
        firstConnection(seed, LINK, accepting);
        byte[] request = request(2500, seed);
        Run run = start(seed + 1000, LINK, accepting, ConnectionConfig.defaults());
        QuicConnection client = run.pair().clientConnection();
        writeEarly(client, request);
        runUntilRead(run, request);
        assertEquals(Boolean.TRUE, client.earlyDataAccepted());
        // The client's datagrams up to its last 0-RTT packet: the ClientHello and the early data.
        List<ByteBuffer> flight = new ArrayList<>();
        int last = -1;
        for (int i = 0; i < run.clientDatagrams().size(); i++) {
            if (Wire.types(run.clientDatagrams().get(i).duplicate(), client.peerId().length())
                    .contains(PacketType.ZERO_RTT)) {
                last = i;
            }
        }
        assertTrue(last >= 0);
        flight.addAll(run.clientDatagrams().subList(0, last + 1));
        QuicConnection server = run.pair().serverConnection();
        long zeroRtt = server.zeroRttPacketsReceived();
        // Replayed to the same server while the connection lives: its Initial and 0-RTT keys are gone.
        for (ByteBuffer d : flight) {
            run.pair().server.receive(run.pair().client.address, d.duplicate(), run.pair().network.now());
        }
        run.pair().runFor(200 * MS);
        assertEquals(1, run.pair().server.sessions.size());
        assertEquals(zeroRtt, server.zeroRttPacketsReceived());
        assertEquals(request.length, server.streams().connectionDataReceived());
        // Replayed to another server of the deployment (the same ticket keys and anti-replay store), as an attacker
        // would once the first connection is gone: a new connection, whose TLS refuses the early data (RFC 8446
        // §8), so that no 0-RTT packet of the flight is opened.
        Run other = start(seed + 2000, LINK, accepting, ConnectionConfig.defaults());
        for (ByteBuffer d : flight) {
            other.pair().server.receive(run.pair().client.address, d.duplicate(), other.pair().network.now());
        }
        other.pair().runFor(200 * MS);
        int replayedIndex = -1;
        for (int i = 0; i < other.pair().server.sessions.size(); i++) {
            if (other.pair().server.sessions.get(i).connection.originalDestinationId()
                    .equals(client.originalDestinationId())) {
                replayedIndex = i;
            }
        }
        assertTrue(replayedIndex >= 0, "the replayed Initial opened a connection");
        QuicConnection replayed = other.pair().server.sessions.get(replayedIndex).connection;
        HandshakeDriver replayedDriver = other.server().started.get(replayedIndex);
        assertEquals(Boolean.FALSE, replayedDriver.earlyDataAccepted(), "anti-replay refuses the ticket again");
        assertEquals(0, replayed.zeroRttPacketsReceived());
        assertEquals(0, replayed.streams().connectionDataReceived());
    }
}
