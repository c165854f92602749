package qsock.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.interop.peer.InteropClient;
import qsock.interop.peer.InteropServer;
import qsock.interop.peer.Peer;
import qsock.interop.peer.QsockClient;
import qsock.interop.peer.QsockServer;
import qsock.interop.support.Evidence;
import qsock.interop.support.FirstAcksLost;
import qsock.interop.support.HqInterop;
import qsock.interop.support.PacketLog.Direction;
import qsock.interop.support.Pki;
import qsock.interop.support.Received;
import qsock.interop.support.UdpRelay;
import qsock.tls.jca.NamedGroup;

/**
 * The QUIC interop runner's amplificationlimit case against quiche and Kwik, both ways (issue 9, finding 7): the
 * server presents a chain of nine certificates (about 5.5 kB, more than 3x the client's first datagram), and the
 * relay loses the client's acknowledgements of the server's first flight. The server has to stop at 3x what it
 * received (RFC 9000 §8.1) and wait; the client's anti-deadlock PTO (RFC 9002 §6.2.2.1) has to bring it the bytes
 * (or the Handshake packet) it needs to go on. A qsock client that took the server's Handshake packets as proof that
 * its address was validated never probed, and both sides waited until the handshake timed out.
 */
class AmplificationLimitInteropTest {
    /** The client datagrams lost at least after the server's first answer: a qsock client's ACKs of its flight. */
    private static final int LOST_AT_LEAST = 3;
    /** How long the server must have been silent before a client datagram goes through again. */
    private static final Duration QUIET = Duration.ofMillis(500);

    @TempDir
    Path root;

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aQsockClientWhoseFirstAcksAreLostStillCompletesANineCertificateHandshake(Peer peer) throws Exception {
        Pki pki = Pki.nineCertificates();
        Files.write(root.resolve(Scenarios.FILE.substring(1)), Scenarios.FILE_CONTENT);
        FirstAcksLost rule = new FirstAcksLost(LOST_AT_LEAST, QUIET);
        try (InteropServer server = peer.server(root, pki); UdpRelay relay = UdpRelay.start(server.address(), rule)) {
            List<Path> logs = new ArrayList<>();
            logs.add(Peer.logOf(server));
            Evidence.keep("qsock client vs " + peer + " server: " + pki + ", first ACKs lost", relay, logs,
                    () -> List.of(rule.summary()), () -> {
                        // The classical groups: a default ClientHello, with its X25519MLKEM768 share, takes two
                        // datagrams, and 3x two datagrams would let the whole chain through without a wait.
                        try (InteropClient client = QsockClient.connectTrustingWithGroups(pki, relay.address(),
                                HqInterop.ALPN, Scenarios.TIMEOUT, NamedGroup.X25519, NamedGroup.SECP256R1)) {
                            assertEquals(Received.of(Scenarios.FILE_CONTENT), client.get(Scenarios.FILE),
                                    "GET of a file");
                        }
                        serverWasHeldAtItsLimit(peer + " server", rule, relay, pki);
                    });
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theQsockServerStopsAtThreeTimesWhatItReceivedUntilAPeerClientWhoseFirstAcksAreLostProbes(Peer peer)
            throws Exception {
        Pki pki = Pki.nineCertificates();
        Files.write(root.resolve(Scenarios.FILE.substring(1)), Scenarios.FILE_CONTENT);
        FirstAcksLost rule = new FirstAcksLost(LOST_AT_LEAST, QUIET);
        try (QsockServer server = QsockServer.start(root, pki);
             UdpRelay relay = UdpRelay.start(server.address(), rule)) {
            List<Path> logs = new ArrayList<>();
            Evidence.keep(peer + " client vs qsock server: " + pki + ", first ACKs lost", relay, logs,
                    () -> withSummary(server.failures(), rule), () -> {
                        try (InteropClient client = peer.client(relay.address(), HqInterop.ALPN, Scenarios.TIMEOUT,
                                pki)) {
                            logs.add(Peer.logOf(client));
                            assertEquals(Received.of(Scenarios.FILE_CONTENT), client.get(Scenarios.FILE),
                                    "GET of a file");
                        }
                        serverWasHeldAtItsLimit("qsock server", rule, relay, pki);
                        assertEquals(List.of(), server.failures(), "what the qsock server saw go wrong");
                    });
        }
    }

    private static List<String> withSummary(List<String> notes, FirstAcksLost rule) {
        List<String> all = new ArrayList<>(notes);
        all.add(rule.summary());
        return all;
    }

    /**
     * The relay lost the client's first datagrams after the server's answer; until the client got through again the
     * server sent at most 3x what it had received (RFC 9000 §8.1), less than the chain alone, and stopped within one
     * of its datagrams of that limit: it was held there, and only the client's later datagram let it finish.
     */
    private static void serverWasHeldAtItsLimit(String server, FirstAcksLost rule, UdpRelay relay, Pki pki) {
        assertTrue(rule.lost() >= LOST_AT_LEAST, "the client's first datagrams after the " + server
                + "'s answer were lost: " + rule.summary());
        assertTrue(rule.relieved(), "a client datagram reached the " + server + " after the losses: "
                + rule.summary());
        assertTrue(rule.sentBeforeRelief() <= 3 * rule.received(), "RFC 9000 §8.1: the " + server
                + " sent at most 3x what it received before the client got through again: " + rule.summary());
        assertTrue(pki.chainBytes() > 3 * rule.received(), "the chain (" + pki.chainBytes()
                + " bytes) does not fit in 3x what the client sent first: " + rule.summary());
        int datagram = relay.log().largestPayload(Direction.TO_CLIENT);
        assertTrue(rule.sentBeforeRelief() > 3 * rule.received() - datagram, "the " + server + " stopped within one"
                + " datagram (" + datagram + " bytes) of its limit, not before: " + rule.summary());
    }
}
