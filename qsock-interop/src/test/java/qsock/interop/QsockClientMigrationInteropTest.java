package qsock.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.api.ConnectionState;
import qsock.interop.peer.Peer;
import qsock.interop.peer.QsockClient;
import qsock.interop.support.HqInterop;
import qsock.interop.support.UdpRelay;
import qsock.socket.PeerTransportParameters;
import qsock.socket.QuicEvent;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;

/**
 * qsock's client moving its connection to a new local address of its own accord (RFC 9000 §9.2: active migration,
 * asked for with the socket's CONNECTION_MIGRATION option) in the middle of a download from a peer's server, through
 * the packet-logging relay, which gives each client address a mapping of its own: the server sees the client arrive
 * from a new address with a new connection ID (§9.5). Everything is judged from qsock's side: the move's event, the
 * local address in use, the connection ID on each path as the relay saw it, the body's SHA-256.
 *
 * <p>quiche's server (through Netty 4.2.18, which leaves quiche's default: migration allowed) validates the new path
 * and follows the client: the download completes, and after the old UDP socket is closed a further request is
 * answered at the new address. The probes carry a connection ID quiche issued and the client never used, and the new
 * path carries no other (§9.5: an ID is not used from two local addresses). quiche answers the client's probe with
 * one packet holding its PATH_RESPONSE and then its own PATH_CHALLENGE of the client's new address: qsock's client
 * must answer that challenge on the new path (§8.2.2), which it does only with a fix in qsock-core (see
 * {@link #quichesServerFollowsQsocksClient}); without it quiche never validates the client's new address and stays
 * under its anti-amplification limit there (141-byte datagrams against the client's 47-byte ACKs, the download
 * stalls), or closes the connection with PROTOCOL_VIOLATION.
 *
 * <p>Kwik 0.10.8's server does not support migration: {@code ServerConnectionImpl} sets disable_active_migration in
 * its transport parameters unconditionally, and its {@code ClientAddressFilter} drops every datagram from an address
 * other than the client's first ("Dropping packet with unmatched source address"). qsock's client reads the parameter
 * and refuses the move with that reason (§9: "the endpoint MUST NOT ... send non-probing packets ... from a different
 * local address"), binds nothing for it, and the download completes on the first path; every 1-RTT packet the relay
 * saw came from the client's first address.
 *
 * <p>Neither peer's server offers a preferred address (§9.6): Netty's {@code QuicCodecBuilder} has no setting for
 * one, and Kwik's {@code ServerConnectionImpl} never sets one (it only checks that a client sent none). qsock's client
 * follows a preferred address by default; against both it stays at the address it connected to.
 */
class QsockClientMigrationInteropTest {

    private static final long SIZE = 5_000_000;
    private static final long MOVE_AFTER = 1_000_000;
    /** A request after the move, once the old UDP socket is closed: its answer can only come to the new address. */
    private static final long AFTER_MOVE = 200_000;

    @TempDir
    Path root;

    /** Where the client's new UDP socket is bound: the same loopback address (a new port), or another one. */
    enum Move {
        PORT("127.0.0.1"), ADDRESS("127.0.0.2");

        final String address;

        Move(String address) {
            this.address = address;
        }
    }

    /**
     * quiche answers the client's probe with its PATH_RESPONSE followed, in the same packet, by a PATH_CHALLENGE of
     * its own: the client moves on the echo and answers the challenge on the new path (RFC 9000 §8.2.2).
     */
    @ParameterizedTest(name = "qsock client moves to a new {0} mid-download from quiche''s server")
    @EnumSource(Move.class)
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void quichesServerFollowsQsocksClient(Move move) throws Exception {
        InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(move.address), 0);
        Assumptions.assumeTrue(bindable(to), move.address + " is not usable on this machine");
        Scenarios.qsockClient(Peer.QUICHE, root, "moving to a new " + move, HqInterop.ALPN, Scenarios.TIMEOUT,
                (client, relay) -> {
                    QsockClient c = (QsockClient) client;
                    QuicSocket s = c.socket();
                    s.setOption(QuicSocketOptions.EVENT, java.util.EnumSet.allOf(QuicEvent.Type.class));
                    Scenarios.handshake(c, HqInterop.ALPN);
                    awaitConfirmed(s);
                    assertFalse(s.getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS).disableActiveMigration(),
                            "quiche allows active migration");
                    events(s);
                    byte[] oldDcid = s.peerConnectionId();
                    relay.countShortHeaderDcids(oldDcid.length);
                    InetSocketAddress before = (InetSocketAddress) s.localAddress();

                    List<RuntimeException> refusals = new ArrayList<>();
                    assertEquals(HqInterop.expected(SIZE), c.getMovingAfter("/" + SIZE, MOVE_AFTER, to, e -> {
                        if (e != null) {
                            refusals.add(e);
                        }
                    }), "GET /" + SIZE + ": length and SHA-256");
                    assertEquals(List.of(), refusals, "the move was not refused");
                    List<QuicEvent> events = awaitEvent(s, e -> e instanceof QuicEvent.ConnectionMigration
                            || e instanceof QuicEvent.ConnectionMigrationFailed);
                    assertTrue(events.contains(new QuicEvent.ConnectionMigration(true)),
                            "quiche answered the PATH_CHALLENGE on the new path: " + events);

                    InetSocketAddress after = (InetSocketAddress) s.localAddress();
                    assertNotEquals(before, after, "a new local address");
                    assertEquals(to.getAddress(), after.getAddress());
                    byte[] newDcid = s.peerConnectionId();
                    assertFalse(Arrays.equals(oldDcid, newDcid), "a new connection ID of quiche's (RFC 9000 §9.5)");
                    Map<SocketAddress, Map<String, Long>> dcids = relay.shortHeaderDcids();
                    Map<String, Long> newPath = dcids.getOrDefault(after, Map.of());
                    assertTrue(newPath.getOrDefault(hex(newDcid), 0L) > 0, "the new ID on the new path: " + dcids);
                    assertEquals(Set.of(hex(newDcid)), newPath.keySet(), "only the new ID on the new path: " + dcids);
                    assertTrue(dcids.getOrDefault(before, Map.of()).getOrDefault(hex(oldDcid), 0L) > 0,
                            "the old ID on the old path: " + dcids);

                    // The old UDP socket closes a few PTOs after the move; then only the new address can be answered.
                    awaitBindable(before);
                    assertEquals(HqInterop.expected(AFTER_MOVE), c.get("/" + AFTER_MOVE),
                            "a request after the move, answered at the new address");
                    assertEquals(after, s.localAddress());
                    assertEquals(relay.address(), s.remoteAddress(), "no preferred address: the server stayed");
                });
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void kwiksServerDisablesActiveMigrationSoQsocksClientStays() throws Exception {
        long size = Peer.KWIK.largestBody();
        Scenarios.qsockClient(Peer.KWIK, root, "asked to move, refused by disable_active_migration", HqInterop.ALPN,
                Scenarios.TIMEOUT, (client, relay) -> {
                    QsockClient c = (QsockClient) client;
                    QuicSocket s = c.socket();
                    s.setOption(QuicSocketOptions.EVENT, java.util.EnumSet.allOf(QuicEvent.Type.class));
                    Scenarios.handshake(c, HqInterop.ALPN);
                    awaitConfirmed(s);
                    PeerTransportParameters kwik = s.getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS);
                    assertTrue(kwik.disableActiveMigration(), "Kwik 0.10.8's server sends disable_active_migration");
                    events(s);
                    relay.countShortHeaderDcids(s.peerConnectionId().length);
                    InetSocketAddress before = (InetSocketAddress) s.localAddress();
                    InetSocketAddress to = freePort();

                    List<RuntimeException> refusals = new ArrayList<>();
                    assertEquals(HqInterop.expected(size), c.getMovingAfter("/" + size, size / 4, to, e -> {
                        if (e != null) {
                            refusals.add(e);
                        }
                    }), "GET /" + size + ": length and SHA-256");
                    assertEquals(1, refusals.size(), "the move was refused");
                    assertTrue(refusals.get(0).getMessage().contains("disable_active_migration"),
                            refusals.get(0).getMessage());
                    assertTrue(bindable(to), "nothing was bound for the refused move");
                    assertEquals(before, s.localAddress(), "the connection stayed");
                    List<QuicEvent> events = events(s);
                    assertTrue(events.stream().noneMatch(e -> e instanceof QuicEvent.ConnectionMigration
                            || e instanceof QuicEvent.ConnectionMigrationFailed), events.toString());
                    assertEquals(Set.of(before), relay.shortHeaderDcids().keySet(),
                            "every 1-RTT packet came from the client's first address");
                    assertEquals(HqInterop.expected(AFTER_MOVE), c.get("/" + AFTER_MOVE), "the connection goes on");
                    assertEquals(relay.address(), s.remoteAddress(), "no preferred address: the server stayed");
                });
    }

    private static void awaitConfirmed(QuicSocket s) throws InterruptedException {
        long deadline = System.nanoTime() + Scenarios.TIMEOUT.toNanos();
        while (s.state() != ConnectionState.CONFIRMED) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the handshake was not confirmed within " + Scenarios.TIMEOUT + ": "
                        + s.state());
            }
            Thread.sleep(5);
        }
    }

    /** {@return the events polled until one matches {@code wanted}, failing at the deadline} */
    private static List<QuicEvent> awaitEvent(QuicSocket s, Predicate<QuicEvent> wanted) throws InterruptedException {
        List<QuicEvent> seen = new ArrayList<>();
        long deadline = System.nanoTime() + Scenarios.TIMEOUT.toNanos();
        while (seen.stream().noneMatch(wanted)) {
            seen.addAll(events(s));
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no such event within " + Scenarios.TIMEOUT + ": " + seen);
            }
            Thread.sleep(5);
        }
        return seen;
    }

    private static List<QuicEvent> events(QuicSocket s) {
        List<QuicEvent> events = new ArrayList<>();
        for (QuicEvent e = s.pollEvent(); e != null; e = s.pollEvent()) {
            events.add(e);
        }
        return events;
    }

    private static void awaitBindable(InetSocketAddress address) throws InterruptedException {
        long deadline = System.nanoTime() + Scenarios.TIMEOUT.toNanos();
        while (!bindable(address)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the old UDP socket at " + address + " was not closed within "
                        + Scenarios.TIMEOUT);
            }
            Thread.sleep(10);
        }
    }

    private static boolean bindable(InetSocketAddress address) {
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(address);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@return a loopback address whose port was free a moment ago} */
    private static InetSocketAddress freePort() throws IOException {
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return (InetSocketAddress) ch.getLocalAddress();
        }
    }

    private static String hex(byte[] id) {
        return HexFormat.of().formatHex(id);
    }
}
