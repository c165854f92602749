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
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.api.Role;
import qsock.core.connection.ConnectionEvent;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketParser;
import qsock.core.packet.PacketType;
import qsock.core.packet.ParseStatus;
import qsock.core.frame.DatagramFrame;
import qsock.core.frame.StreamFrame;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.Application;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Session;
import qsock.core.sim.quic.Wire;
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
 * 0.5-RTT data (RFC 9001 §4.1.1, §5.7; RFC 9000 §7) with the real TLS engine, on a resumed connection whose client
 * sends its request as 0-RTT data: a server configured for it ({@link ConnectionConfig#halfRttData()}) reads the
 * request and answers in 1-RTT packets before the client's Finished arrived; one that is not (the default) sends no
 * stream data before its handshake completes. The anti-amplification limit holds for that data while the client's
 * address is unvalidated (RFC 9000 §8.1), and the server processes no 1-RTT packet of the client before its handshake
 * completes (RFC 9001 §5.7).
 */
class HalfRttSimulationTest {

    private static final String PKI = TlsHandshakes.DEFAULT_PKI;
    private static final long DELAY = 20 * MS;
    private static final LinkConfig LINK = LinkConfig.perfect().withDelay(DELAY, 0);
    private static final int REQUEST = 2500;
    private static final byte[] DATAGRAM = "half-rtt datagram".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final InMemoryTicketStore store = new InMemoryTicketStore();
    private final TlsClientConfig clientTls = TlsClientConfig.builder().serverName("localhost")
            .applicationProtocols("hq-interop", "echo")
            .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(PKI))))
            .tickets(ClientTickets.defaults().withStore(store).withEarlyData(true)).build();
    private final TlsServerConfig serverTls = TlsServerConfig.builder(
                    new Credential(TestPki.chain(PKI), TestPki.leafKey(PKI)))
            .applicationProtocols("echo", "hq-interop")
            .tickets(ServerTickets.defaults().withSealer(TicketSealer.withRandomKey(TestPki.seeded(4)))
                    .withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT)).build();

    /** The server's application: reads the request on stream 0 to its end, then writes the answer there, with FIN. */
    private static final class Answerer implements Application {
        final ByteArrayOutputStream request = new ByteArrayOutputStream();
        final List<ConnectionEvent> events = new ArrayList<>();
        final ByteBuffer answer;
        boolean requestRead;
        /** The connection's state when the answer's first bytes were written, or null before. */
        ConnectionState answeredIn;

        Answerer(byte[] answer) {
            this.answer = ByteBuffer.wrap(answer);
        }

        @Override
        public void onTurn(QuicConnection c, long now) throws Exception {
            for (ConnectionEvent e = c.pollEvent(); e != null; e = c.pollEvent()) {
                events.add(e);
            }
            ByteBuffer buf = ByteBuffer.allocate(4096);
            for (int i = 0; i < 64 && !requestRead && c.streams().connectionDataReceived() > 0; i++) {
                buf.clear();
                long r = c.streams().recv(0, buf);
                request.write(buf.array(), 0, StreamRead.length(r));
                requestRead = StreamRead.fin(r);
                if (StreamRead.length(r) == 0) {
                    break;
                }
            }
            if (requestRead && answer.hasRemaining()) {
                if (answeredIn == null) {
                    answeredIn = c.state();
                    if (c.maxDatagramPayload() > 0) {
                        // RFC 9221: a datagram goes with the answer when the client accepts them.
                        c.sendDatagram(ByteBuffer.wrap(DATAGRAM));
                    }
                }
                c.streams().write(0, answer, true);
            }
        }
    }

    /** The client's application: reads the answer on stream 0 to its end, and the datagrams that come. */
    private static final class AnswerReader implements Application {
        final ByteArrayOutputStream answer = new ByteArrayOutputStream();
        final List<byte[]> datagrams = new ArrayList<>();
        boolean finished;

        @Override
        public void onTurn(QuicConnection c, long now) throws Exception {
            ByteBuffer d = ByteBuffer.allocate(65_536);
            for (int i = 0; i < 64 && c.receiveDatagram(d.clear()) >= 0; i++) {
                datagrams.add(Arrays.copyOf(d.array(), d.flip().remaining()));
            }
            ByteBuffer buf = ByteBuffer.allocate(16384);
            for (int i = 0; i < 64 && !finished; i++) {
                buf.clear();
                long r = c.streams().recv(0, buf);
                answer.write(buf.array(), 0, StreamRead.length(r));
                finished = StreamRead.fin(r);
                if (StreamRead.length(r) == 0) {
                    return;
                }
            }
        }
    }

    /**
     * One datagram a host sent, with what its sender's connection had then.
     *
     * @param bytesSent the server's UDP payload bytes sent, this datagram included
     * @param bytesReceived the server's UDP payload bytes received
     */
    private record Sent(ByteBuffer datagram, long time, ConnectionState state, boolean addressValidated,
                        long bytesSent, long bytesReceived) {}

    private record Run(ConnectionPair pair, Answerer server, AnswerReader client, List<Sent> serverSent,
                       List<Sent> clientSent) {}

    private static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static ByteBuffer copy(ByteBuffer datagram) {
        return ByteBuffer.allocate(datagram.remaining()).put(datagram.duplicate()).flip();
    }

    /** A first connection, for the ticket that allows early data. */
    private void firstConnection(long seed, ConnectionConfig clientConfig) throws Exception {
        ConnectionPair first = ConnectionPair.builder(seed).clientConfig(clientConfig)
                .handshakes(new TlsHandshakes(clientTls, null, TestPki.seeded(seed * 31 + 1)),
                        new TlsHandshakes(null, serverTls, TestPki.seeded(seed * 31 + 2)))
                .links(LINK).build().connect();
        first.runUntil(() -> first.bothEstablished() && store.size() > 0, 120 * SECOND, 200_000);
        assertEquals(1, store.size("localhost"), first::describe);
    }

    /**
     * A resumed connection whose client writes {@code request} on stream 0, with FIN, as 0-RTT data right after its
     * ClientHello; the server answers with {@code answer}.
     */
    private Run resumed(long seed, ConnectionConfig serverConfig, byte[] request, byte[] answer) throws Exception {
        return resumed(seed, serverConfig, request, answer, ConnectionConfig.defaults());
    }

    /** As {@link #resumed(long, ConnectionConfig, byte[], byte[])}, both connections of the client with {@code clientConfig}. */
    private Run resumed(long seed, ConnectionConfig serverConfig, byte[] request, byte[] answer,
                        ConnectionConfig clientConfig) throws Exception {
        firstConnection(seed, clientConfig);
        Answerer answerer = new Answerer(answer);
        AnswerReader reader = new AnswerReader();
        ConnectionPair pair = ConnectionPair.builder(seed + 1000)
                .handshakes(new TlsHandshakes(clientTls, null, TestPki.seeded(seed * 31 + 3)),
                        new TlsHandshakes(null, serverTls, TestPki.seeded(seed * 31 + 4)))
                .links(LINK).clientConfig(clientConfig).serverConfig(serverConfig).serverApplication(() -> answerer)
                .clientApplication(() -> reader).build();
        List<Sent> serverSent = new ArrayList<>();
        List<Sent> clientSent = new ArrayList<>();
        pair.server.outgoingHook = (datagram, now) -> {
            QuicConnection s = pair.serverConnection();
            serverSent.add(new Sent(copy(datagram), now, s.state(), s.isAddressValidated(), s.bytesSent(),
                    s.bytesReceived()));
        };
        pair.client.outgoingHook = (datagram, now) -> {
            QuicConnection c = pair.clientConnection();
            clientSent.add(new Sent(copy(datagram), now, c.state(), true, c.bytesSent(), c.bytesReceived()));
        };
        pair.connect();
        QuicConnection client = pair.clientConnection();
        assertTrue(client.canSendEarlyData(), "0-RTT keys right after the ClientHello");
        long id = client.streams().openStream(true);
        assertEquals(0, id);
        ByteBuffer src = ByteBuffer.wrap(request);
        client.streams().write(id, src, true);
        assertFalse(src.hasRemaining());
        return new Run(pair, answerer, reader, serverSent, clientSent);
    }

    private static void runUntilAnswered(Run run, byte[] request, byte[] answer) {
        run.pair().runUntil(() -> run.client().finished, 120 * SECOND, 300_000);
        // The client's Finished leaves after the turn in which it may have read the whole answer already.
        run.pair().runFor(100 * MS);
        assertArrayEquals(request, run.server().request.toByteArray(), run.pair()::describe);
        assertArrayEquals(answer, run.client().answer.toByteArray(), run.pair()::describe);
        assertEquals(Boolean.TRUE, run.pair().serverConnection().earlyDataAccepted());
        assertTrue(run.pair().serverConnection().zeroRttPacketsReceived() > 0);
    }

    /** {@return the server's STREAM frames in each datagram it sent, read with its recorded secrets} */
    private static List<List<StreamFrame>> serverStreamFrames(Run run) {
        return serverFrames(run, StreamFrame.class);
    }

    /** {@return the server's frames of {@code type} in each datagram it sent, read with its recorded secrets} */
    private static <T extends qsock.core.frame.Frame> List<List<T>> serverFrames(Run run, Class<T> type) {
        Session server = run.pair().serverSession();
        QuicConnection s = server.connection;
        byte[] handshake = server.channel.writeSecrets.get(EncryptionLevel.HANDSHAKE);
        byte[] oneRtt = server.channel.writeSecrets.get(EncryptionLevel.APPLICATION);
        assertNotNull(oneRtt, "the server's 1-RTT write secret");
        Wire wire = new Wire(Role.SERVER, server.channel.suite, s.version(), s.originalDestinationId(),
                run.pair().clientConnection().localId().length(), handshake, oneRtt);
        List<List<T>> out = new ArrayList<>();
        for (Sent d : run.serverSent()) {
            List<T> frames = new ArrayList<>();
            for (Wire.Packet p : wire.read(d.datagram().duplicate())) {
                if (p.type() == PacketType.ONE_RTT) {
                    frames.addAll(p.frames(type));
                } else {
                    assertTrue(p.frames(type).isEmpty(), type.getSimpleName() + " only in 1-RTT packets");
                }
            }
            out.add(frames);
        }
        return out;
    }

    /** {@return when the client sent its first Handshake packet: no Finished of it can leave earlier} */
    private static long firstClientHandshakePacket(Run run) {
        int dcid = run.pair().clientConnection().peerId().length();
        for (Sent d : run.clientSent()) {
            if (Wire.types(d.datagram().duplicate(), dcid).contains(PacketType.HANDSHAKE)) {
                return d.time();
            }
        }
        throw new AssertionError("the client sent no Handshake packet");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1301, 1302})
    void aZeroRttRequestIsAnsweredBeforeTheClientsFinishedArrives(long seed) throws Exception {
        byte[] request = bytes(REQUEST, seed);
        byte[] answer = bytes(4000, seed + 1);
        Run run = resumed(seed, ConnectionConfig.builder().halfRttData(true).build(), request, answer);
        runUntilAnswered(run, request, answer);
        assertEquals(ConnectionState.HANDSHAKING, run.server().answeredIn, "the application answered before completion");
        List<Class<?>> events = run.server().events.stream().<Class<?>>map(Object::getClass).toList();
        assertTrue(events.indexOf(ConnectionEvent.HalfRttReady.class) >= 0, events::toString);
        List<List<StreamFrame>> frames = serverStreamFrames(run);
        int first = -1;
        long answered = 0;
        long answeredEarly = 0;
        for (int i = 0; i < frames.size(); i++) {
            for (StreamFrame f : frames.get(i)) {
                answered += f.data().remaining();
                if (run.serverSent().get(i).state() == ConnectionState.HANDSHAKING) {
                    answeredEarly += f.data().remaining();
                    first = first < 0 ? i : first;
                }
            }
        }
        assertTrue(first >= 0, "a STREAM frame left before the server's handshake completed");
        long sentAt = run.serverSent().get(first).time();
        long finishedArrival = firstClientHandshakePacket(run) + DELAY;
        assertTrue(sentAt < finishedArrival, () -> "0.5-RTT data at " + sentAt / MS + " ms, the client's Finished "
                + "arrives at " + finishedArrival / MS + " ms at the earliest");
        // The whole answer went before the client's Finished: it fits in the anti-amplification budget.
        assertEquals(answer.length, answeredEarly, run.pair()::describe);
        assertTrue(answered >= answer.length);
        // RFC 9001 §5.7: the answer left 1 RTT sooner, yet the server completes only with the client's Finished.
        assertTrue(run.pair().serverConnection().state().isEstablished());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1311, 1312})
    void offByDefaultNoStreamFrameLeavesBeforeTheHandshakeCompletes(long seed) throws Exception {
        byte[] request = bytes(REQUEST, seed);
        byte[] answer = bytes(4000, seed + 1);
        Run run = resumed(seed, ConnectionConfig.defaults(), request, answer);
        // The application writes its answer before the handshake completes, as soon as the 0-RTT request is there.
        run.pair().runUntil(() -> run.pair().bothStarted()
                && run.pair().serverSession().channel.writeSecrets.containsKey(EncryptionLevel.APPLICATION)
                && run.pair().serverConnection().streams().connectionDataReceived() == request.length,
                10 * SECOND, 10_000);
        QuicConnection server = run.pair().serverConnection();
        assertEquals(ConnectionState.HANDSHAKING, server.state());
        assertFalse(server.canSendHalfRtt());
        run.server().onTurn(server, run.pair().network.now());
        assertEquals(ConnectionState.HANDSHAKING, run.server().answeredIn);
        runUntilAnswered(run, request, answer);
        List<List<StreamFrame>> frames = serverStreamFrames(run);
        for (int i = 0; i < frames.size(); i++) {
            if (!frames.get(i).isEmpty()) {
                assertTrue(run.serverSent().get(i).state().isEstablished(), "STREAM before the handshake completed");
            }
        }
        assertFalse(run.server().events.stream().anyMatch(e -> e instanceof ConnectionEvent.HalfRttReady));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1341, 1342})
    void aDatagramLeavesBeforeTheClientsFinishedWhenTheClientAcceptsThem(long seed) throws Exception {
        byte[] request = bytes(REQUEST, seed);
        byte[] answer = bytes(1000, seed + 1);
        ConnectionConfig datagrams = ConnectionConfig.builder().maxDatagramFrameSize(1500).build();
        Run run = resumed(seed, datagrams.toBuilder().halfRttData(true).build(), request, answer, datagrams);
        runUntilAnswered(run, request, answer);
        assertEquals(1, run.client().datagrams.size(), run.pair()::describe);
        assertArrayEquals(DATAGRAM, run.client().datagrams.getFirst());
        List<List<DatagramFrame>> frames = serverFrames(run, DatagramFrame.class);
        long finishedArrival = firstClientHandshakePacket(run) + DELAY;
        boolean early = false;
        for (int i = 0; i < frames.size(); i++) {
            if (!frames.get(i).isEmpty()) {
                Sent d = run.serverSent().get(i);
                early |= d.state() == ConnectionState.HANDSHAKING && d.time() < finishedArrival;
            }
        }
        assertTrue(early, "the DATAGRAM frame left before the client's Finished arrived");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1321, 1322})
    void aLargeAnswerIsHeldToThreeTimesWhatArrivedFromAnUnvalidatedAddress(long seed) throws Exception {
        // A small request, so that the limit (three times the client's first datagrams) binds before the
        // congestion window (ten datagrams) does.
        byte[] request = bytes(100, seed);
        byte[] answer = bytes(200_000, seed + 1);
        Run run = resumed(seed, ConnectionConfig.builder().halfRttData(true).build(), request, answer);
        runUntilAnswered(run, request, answer);
        List<List<StreamFrame>> frames = serverStreamFrames(run);
        long unvalidatedStream = 0;
        long mostSentUnvalidated = 0;
        long receivedThen = 0;
        for (int i = 0; i < frames.size(); i++) {
            Sent d = run.serverSent().get(i);
            if (d.addressValidated()) {
                continue;
            }
            // RFC 9000 §8.1: at most three times what arrived, this datagram counted.
            assertTrue(d.bytesSent() <= 3 * d.bytesReceived(), () -> d.bytesSent() + " bytes sent after "
                    + d.bytesReceived() + " received, from an unvalidated address");
            for (StreamFrame f : frames.get(i)) {
                unvalidatedStream += f.data().remaining();
            }
            mostSentUnvalidated = d.bytesSent();
            receivedThen = d.bytesReceived();
        }
        assertTrue(unvalidatedStream > 0, "0.5-RTT data left before the client's address was validated");
        assertTrue(unvalidatedStream < answer.length);
        // The limit, not a lack of data, stopped the server: it used the budget to within one datagram.
        assertTrue(mostSentUnvalidated > 3 * receivedThen - ConnectionConfig.MIN_DATAGRAM_SIZE,
                mostSentUnvalidated + " sent, " + receivedThen + " received");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1331, 1332})
    void theServerProcessesNoOneRttPacketOfTheClientBeforeItsHandshakeCompletes(long seed) throws Exception {
        byte[] request = bytes(REQUEST, seed);
        byte[] answer = bytes(4000, seed + 1);
        byte[] second = bytes(1000, seed + 2);
        Run run = resumed(seed, ConnectionConfig.builder().halfRttData(true).build(), request, answer);
        ConnectionPair pair = run.pair();
        QuicConnection client = pair.clientConnection();
        int dcid = client.peerId().length();
        long[] corruptedUntil = {Long.MAX_VALUE};
        int[] corrupted = {0};
        // The client's Handshake packets (its Finished) sent within 10 ms of its handshake completing fail
        // authentication at the server, the 1-RTT packets coalesced behind them do not: they reach the server
        // before the Finished does, which comes again with a PTO.
        long[] secondSentAt = {-1};
        pair.client.outgoingHook = (datagram, now) -> {
            if (secondSentAt[0] < 0 && client.streams().connectionDataSent() == request.length + second.length) {
                secondSentAt[0] = now;
            }
            if (client.state().isEstablished() && corruptedUntil[0] == Long.MAX_VALUE) {
                corruptedUntil[0] = now + 10 * MS;
            }
            if (now <= corruptedUntil[0] && client.state().isEstablished()) {
                corrupted[0] += corruptHandshakePackets(datagram, dcid);
            }
        };
        // Once its handshake is complete the client sends a second request on stream 4, in 1-RTT.
        pair.runUntil(() -> client.state().isEstablished(), 10 * SECOND, 10_000);
        long id = client.streams().openStream(true);
        assertEquals(4, id);
        client.streams().write(id, ByteBuffer.wrap(second), true);
        QuicConnection server = pair.serverConnection();
        long[] processedEarly = {0};
        long[] completedAt = {-1};
        pair.runUntil(() -> {
            if (server.state() == ConnectionState.HANDSHAKING) {
                processedEarly[0] = Math.max(processedEarly[0], server.streams().connectionDataReceived());
            } else if (completedAt[0] < 0) {
                completedAt[0] = pair.network.now();
            }
            return server.state().isEstablished() && server.streams().connectionDataReceived()
                    == request.length + second.length;
        }, 30 * SECOND, 100_000);
        assertTrue(corrupted[0] > 0, "a Finished was held back");
        assertTrue(secondSentAt[0] >= 0 && secondSentAt[0] + DELAY < completedAt[0], () -> "the second request left "
                + "at " + secondSentAt[0] / MS + " ms, the server completed at " + completedAt[0] / MS + " ms");
        // The second request's 1-RTT packets arrived first, and waited for the handshake to complete.
        assertEquals(request.length, processedEarly[0], pair::describe);
        assertEquals(request.length + second.length, server.streams().connectionDataReceived(), pair::describe);
        runUntilAnswered(run, request, answer);
    }

    /** Breaks the AEAD tag of every Handshake packet in {@code datagram}; {@return how many} */
    private static int corruptHandshakePackets(ByteBuffer datagram, int shortHeaderDcidLength) {
        PacketHeaderView view = new PacketHeaderView();
        int n = 0;
        int offset = datagram.position();
        while (offset < datagram.limit() && PacketParser.parse(datagram, offset, shortHeaderDcidLength, true, view)
                == ParseStatus.OK) {
            if (view.type() == PacketType.HANDSHAKE) {
                int last = view.packetEnd() - 1;
                datagram.put(last, (byte) (datagram.get(last) ^ 0x01));
                n++;
            }
            offset = view.packetEnd();
        }
        return n;
    }
}
