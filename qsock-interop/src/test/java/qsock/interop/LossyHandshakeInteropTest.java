package qsock.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import qsock.tls.jca.NamedGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import qsock.interop.peer.InteropClient;
import qsock.interop.peer.InteropServer;
import qsock.interop.peer.Peer;
import qsock.interop.peer.QsockClient;
import qsock.interop.peer.QsockServer;
import qsock.interop.support.Evidence;
import qsock.interop.support.HqInterop;
import qsock.interop.support.Impairment;
import qsock.interop.support.Received;
import qsock.interop.support.UdpRelay;

/**
 * The QUIC interop runner's handshakeloss and handshakecorruption cases, against quiche and Kwik in both directions:
 * 50 connections (25 against quiche, see {@link #connections(Peer)}) one after another through a relay that drops (or corrupts) 30% of the datagrams each way, never more
 * than four in a row, with 15 ms of delay each way (quic-network-simulator's drop-rate and corrupt-rate), each
 * connection fetching one 1 KB file. Every handshake must complete and every file arrive whole. The relay's generators
 * are seeded ({@code -Dqsock.seed=N} picks other seeds; the default seeds are fixed), and a failure keeps the packet log
 * with each datagram's fate. The eight cases run side by side: they spend their time waiting out timers.
 */
@org.junit.jupiter.api.parallel.Execution(org.junit.jupiter.api.parallel.ExecutionMode.CONCURRENT)
class LossyHandshakeInteropTest {
    /**
     * Against quiche, half as many by default. quiche (0.29.3 in Netty 4.2.18) doubles its probe timeout without a
     * cap, so a retransmission of its own that the relay drops four or five times in a row waits out the two-minute
     * budget (its PTOs 11, 23, 46 s apart): on 2026-12-05 that ended 2 of 11 CI runs, once with quiche's server
     * (seed 9001: its answer lost five times, qsock's client having sent its request, had it acknowledged, and probed
     * both levels as RFC 9002 §6.2.4 says) and once with quiche's client (seed 9002: its Finished lost until 22 s in,
     * qsock's server answering each packet that arrived within 15 ms). Fewer connections keep the case (every one
     * must still complete) while making such a tail, whose cause is the peer's timer, rarer.
     */
    private static int connections(Peer peer) {
        return Integer.getInteger("qsock.lossy.connections", peer == Peer.QUICHE ? 25 : 50);
    }
    /**
     * Per connection. The runner gives 300 s to all 50 and none to one alone; a connection whose every probe in one
     * direction is lost a few times in a row waits out the peer's PTO backoff (quiche's client reached 16 s), so one
     * connection may take tens of seconds.
     */
    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(120);
    private static final String FILE = "/file-1k.bin";

    @TempDir
    Path root;

    enum Network {
        LOSS(Impairment::loss), CORRUPTION(Impairment::corruption);

        final LongFunction<Impairment> impairment;

        Network(LongFunction<Impairment> impairment) {
            this.impairment = impairment;
        }
    }

    static Stream<Arguments> cases() {
        // -Dqsock.lossy.only=LOSS-QUICHE runs one case, to study it.
        String only = System.getProperty("qsock.lossy.only", "");
        List<Arguments> all = new ArrayList<>();
        for (Network n : Network.values()) {
            for (Peer p : Peer.values()) {
                if (only.isEmpty() || only.equals(n + "-" + p)) {
                    all.add(Arguments.of(n, p));
                }
            }
        }
        return all.stream();
    }

    private static long seed(Network network, Peer peer, boolean qsockClient) {
        long base = Long.getLong("qsock.seed", 9);
        return base * 1000 + network.ordinal() * 100 + peer.ordinal() * 10 + (qsockClient ? 1 : 2);
    }

    @ParameterizedTest(name = "{0}, qsock client vs {1} server")
    @MethodSource("cases")
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void handshakesOfQsockClient(Network network, Peer peer) throws Exception {
        byte[] content = writeFile();
        Impairment impairment = network.impairment.apply(seed(network, peer, true));
        try (InteropServer server = peer.server(root); UdpRelay relay = UdpRelay.start(server.address(), impairment)) {
            List<Path> logs = new ArrayList<>();
            logs.add(Peer.logOf(server));
            Evidence.keep("qsock client vs " + peer + " server, " + impairment, relay, logs,
                    () -> connections(relay, content, connections(peer),
                            peer == Peer.KWIK ? KNOWN_KWIK_SERVER_BUG : CORRUPTED_VERSION,
                            a -> peer == Peer.KWIK
                                    // Kwik 0.10.8's server is slow to take a ClientHello split over two Initials
                                    // (the default one, with its X25519MLKEM768 share) whose first half is lost: it
                                    // ignores the next intact pair and answers after about 3 s; under 30% corruption
                                    // (seed 9111) it once ignored the client for good. With the classical groups the
                                    // ClientHello is one Initial, as in every other Kwik client; the split one is
                                    // tried under loss against quiche here and in qsock-tls's simulation.
                                    ? QsockClient.connectWithGroups(a, HqInterop.ALPN, CONNECTION_TIMEOUT,
                                            NamedGroup.X25519, NamedGroup.SECP256R1)
                                    : QsockClient.connect(a, HqInterop.ALPN, CONNECTION_TIMEOUT)));
        }
    }

    @ParameterizedTest(name = "{0}, {1} client vs qsock server")
    @MethodSource("cases")
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void handshakesOfPeerClient(Network network, Peer peer) throws Exception {
        byte[] content = writeFile();
        Impairment impairment = network.impairment.apply(seed(network, peer, false));
        try (QsockServer server = QsockServer.start(root);
             UdpRelay relay = UdpRelay.start(server.address(), impairment)) {
            List<Path> logs = new ArrayList<>();
            Evidence.keep(peer + " client vs qsock server, " + impairment, relay, logs, server::failures, () -> {
                List<String> excused = connections(relay, content, connections(peer),
                        peer == Peer.KWIK ? KNOWN_KWIK_CLIENT_BUG : CORRUPTED_VERSION, a -> {
                            InteropClient c = peer.client(a, HqInterop.ALPN, CONNECTION_TIMEOUT);
                            logs.add(Peer.logOf(c));
                            return c;
                        });
                // What the server saw go wrong on a connection tried again for a known peer bug is that bug's effect.
                assertEquals(List.of(), server.failures().stream()
                        .filter(f -> excused.stream().noneMatch(f::contains)).toList(),
                        "what the qsock server saw go wrong");
            });
        }
    }

    /**
     * A client's first Initial corrupted in its Source Connection ID (issue 9, finding 7): qsock's server and quiche's
     * take nothing from an Initial that does not decrypt, so the client's next, intact Initial gets in. Kwik 0.10.8's
     * server believes that field before decrypting and then ignores the client: the reason the runs above try such a
     * connection again against Kwik. When Kwik fixes it, this test says so.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"qsock", "quiche", "kwik"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFirstInitialCorruptedInItsSourceIdStopsOnlyKwik(String server) throws Exception {
        byte[] content = writeFile();
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        qsock.interop.support.DropRule corruptFirst = (direction, datagram) -> {
            if (direction == qsock.interop.support.PacketLog.Direction.TO_SERVER && sent.getAndIncrement() == 0) {
                int at = datagram.position() + 6 + (datagram.get(datagram.position() + 5) & 0xff) + 1;
                datagram.put(at, (byte) (datagram.get(at) ^ 0x55)); // the first byte of the SCID
            }
            return false;
        };
        try (InteropServer s = switch (server) {
                case "qsock" -> QsockServer.start(root);
                case "quiche" -> Peer.QUICHE.server(root);
                default -> Peer.KWIK.server(root);
             };
             UdpRelay relay = UdpRelay.start(s.address(), corruptFirst)) {
            Duration timeout = Duration.ofSeconds(8);
            if (server.equals("kwik")) {
                Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                        () -> QsockClient.connect(relay.address(), HqInterop.ALPN, timeout).close(),
                        "Kwik answered a client whose first Initial had its SCID corrupted: Kwik fixed it, and "
                                + "connections() need not try such connections again");
                relay.log().note("as known, Kwik ignored the client: " + e);
            } else {
                try (InteropClient client = QsockClient.connect(relay.address(), HqInterop.ALPN, timeout)) {
                    assertEquals(Received.of(content), client.get(FILE));
                }
            }
        }
    }

    /** Whether a failed connection is explained by a documented bug of the peer's. */
    @FunctionalInterface
    private interface KnownPeerBug {
        boolean explains(UdpRelay relay, Throwable failure);
    }

    /**
     * Not a bug: the network corrupted the version field of a client's Initial, the server answered with Version
     * Negotiation (RFC 9000 §6.1), and that packet, which nothing authenticates, was corrupted too so that it no longer
     * lists the client's version: the client then abandons the attempt, as RFC 9000 §6.2 says it must.
     */
    private static final KnownPeerBug CORRUPTED_VERSION = (relay, failure) -> relay.newestClientsLongHeaderCorrupted()
            && String.valueOf(failure).contains("VERSION_NEGOTIATION");

    /** Kwik's server acts on unprotected long-header fields: see {@link #connections}. */
    private static final KnownPeerBug KNOWN_KWIK_SERVER_BUG =
            (relay, failure) -> relay.newestClientsLongHeaderCorrupted();

    /**
     * Kwik's client acts on unprotected long-header fields too (a corrupted Length closes it with FRAME_ENCODING_ERROR,
     * which its log says), and sometimes never installs its Handshake keys
     * ({@link qsock.interop.peer.KwikClient.HandshakeKeysNeverInstalled}).
     */
    private static final KnownPeerBug KNOWN_KWIK_CLIENT_BUG = (relay, failure) -> {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof qsock.interop.peer.KwikClient.HandshakeKeysNeverInstalled) {
                return true;
            }
            // The relay corrupted a long header of this client's, and Kwik's own log says it closed for it.
            java.util.regex.Matcher log = java.util.regex.Pattern.compile("Kwik log (\\S+)\\)")
                    .matcher(String.valueOf(t.getMessage()));
            if (relay.newestClientsLongHeaderCorrupted() && log.find()
                    && closedForFrameEncoding(Path.of(log.group(1)))) {
                return true;
            }
        }
        return false;
    };

    private static boolean closedForFrameEncoding(Path kwikLog) {
        try {
            return Files.readString(kwikLog).contains("with error Transport error: FRAME_ENCODING_ERROR");
        } catch (IOException e) {
            return false;
        }
    }

    @FunctionalInterface
    private interface Connector {
        InteropClient connect(InetSocketAddress server) throws Exception;
    }

    private byte[] writeFile() throws IOException {
        byte[] content = HqInterop.generated(1024);
        Files.write(root.resolve(FILE.substring(1)), content);
        return content;
    }

    /**
     * Runs the connections one after another. One that fails by a documented bug of the peer's ({@code knownBug}), and
     * only such a one, is tried again once, which standard output and the packet log say. The bugs: Kwik 0.10.8's
     * server acts on the unprotected fields of a long header before the packet decrypts (a client's first Initial
     * corrupted in its Source Connection ID makes it ignore that client's intact Initials for good, see
     * {@link #aFirstInitialCorruptedInItsSourceIdStopsOnlyKwik}; a corrupted Length field makes it close the connection
     * with FRAME_ENCODING_ERROR, its client likewise); Kwik's client sometimes never installs its Handshake keys. And
     * against any server, a corrupted version field can end an attempt by Version Negotiation
     * ({@link #CORRUPTED_VERSION}).
     */
    private static List<String> connections(UdpRelay relay, byte[] content, int count, KnownPeerBug knownBug,
            Connector connector) throws Exception {
        List<String> excused = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            boolean again = false;
            while (true) {
                relay.log().note("connection " + (i + 1) + " of " + count + (again ? ", again" : ""));
                long start = System.nanoTime();
                try (InteropClient client = connector.connect(relay.address())) {
                    assertEquals(Received.of(content), client.get(FILE), "connection " + (i + 1) + ": GET " + FILE);
                } catch (Exception | AssertionError e) {
                    relay.finishNewestClient();
                    if (!again && knownBug.explains(relay, e)) {
                        String note = "connection " + (i + 1) + " failed by a known peer bug, tried again once: " + e;
                        relay.log().note(note);
                        System.out.println("LossyHandshakeInteropTest: " + note);
                        excused.add(String.valueOf(relay.newestClientsRelayAddress()));
                        again = true;
                        continue;
                    }
                    throw new AssertionError("connection " + (i + 1) + " of " + count + " failed after "
                            + (System.nanoTime() - start) / 1_000_000 + " ms: " + e, e);
                }
                relay.log().note("connection " + (i + 1) + " done in " + (System.nanoTime() - start) / 1_000_000
                        + " ms");
                // The connection is over for the test: whatever its client still sends is counted, not relayed, so
                // that a peer spinning on a finished connection cannot starve the next one (UdpRelay, QuicheClient).
                relay.finishNewestClient();
                break;
            }
        }
        return excused;
    }
}
