package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.ConnectionConfig;
import qsock.core.connection.QuicConnection;
import qsock.core.sim.Fate;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.SimHost;
import qsock.core.sim.SimNetwork;
import qsock.core.sim.SimTrace;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.QuicSimHost;

/**
 * A bulk transfer, verified by SHA-256, while the client's NAT rebinds every two (virtual) seconds: alternately a new
 * port on the same public address and a new public address (RFC 9000 §9.3), each mapping a path of its own with
 * jitter, reordering and loss, so that datagrams sent before a rebinding still arrive after it. The server follows
 * each move (§9.3), challenges the new address and stays within three times what arrived from it until it answers
 * (§8.2, §9.3.1), sends the old address nothing but the one PATH_CHALLENGE of §9.3.3, and resets congestion control
 * and the RTT estimate for a new address but not for a new port (§9.4).
 *
 * <p>Each run prints a line of the simulation matrix (see TransferSimulationTest): virtual and wall time, the
 * rebindings, and what the ledger counted.
 */
class NatRebindingSimulationTest {

    private static final long MB = 1_000_000;
    /** How often the NAT rebinds, in virtual time. */
    private static final long REBIND_INTERVAL = 2 * SECOND;
    /** The length of the previous-path PATH_CHALLENGE of RFC 9000 §9.3.3 (expanded to 1200 bytes, §8.2.1). */
    private static final int CHALLENGE_DATAGRAM = 1200;

    @ParameterizedTest(name = "upload {0}")
    @ValueSource(booleans = {true, false})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void fiftyMegabytesArriveWholeWhileTheNatRebindsEveryTwoSeconds(boolean upload) throws Exception {
        // A bandwidth-delay product of queue (40 ms RTT), some loss, some reordering besides what each rebinding
        // reorders (Mapping).
        LinkConfig path = LinkConfig.perfect().withDelay(20 * MS, MS / 4).withBandwidth(20_000_000, 100_000)
                .withLoss(0.002).withReordering(0.005, 10 * MS).withMtu(LinkConfig.ETHERNET_UDP_PAYLOAD);
        transfer(50 * MB, upload, upload ? 133 : 134, path);
    }

    /**
     * The same over a slower path that loses 1% and reorders 2% by 15 ms: a PATH_RESPONSE is lost now and then, and
     * the window is often full when the client moves. The download with seed 201 fails unless the PATH_CHALLENGE
     * leaves with a full window, the upload with seed 210 unless a challenge acknowledged without its echo is sent
     * again (PathChallengeRepairTest): an address is never validated before the client moves on.
     */
    @ParameterizedTest(name = "upload {0}, seed {1}")
    @CsvSource({"false, 201", "false, 200", "true, 210"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void fiveMegabytesArriveWholeOverALossyPathWhileTheNatRebindsEveryTwoSeconds(boolean upload, long seed)
            throws Exception {
        LinkConfig path = LinkConfig.perfect().withDelay(20 * MS, 3 * MS).withBandwidth(2_000_000, 64 * 1024)
                .withLoss(0.01).withReordering(0.02, 15 * MS).withMtu(LinkConfig.ETHERNET_UDP_PAYLOAD);
        transfer(5 * MB, upload, seed, path);
    }

    private static void transfer(long size, boolean upload, long seed, LinkConfig path) throws Exception {
        BulkSender sender = new BulkSender(size, seed);
        BulkReceiver receiver = new BulkReceiver();
        // RFC 9000 §10.1.2: a client behind a NAT keeps it aware of the connection. Here it matters when a download's
        // only ACK from a new mapping is lost: the old mapping is gone, so nothing the server sends reaches the client,
        // and a client with nothing in flight is silent (no PTO) until its keep-alive PING moves the server.
        ConnectionConfig client = ConnectionConfig.builder().keepAliveMillis(1_000).build();
        ConnectionPair pair = TlsHandshakes.pair(seed).clientConfig(client).links(LinkConfig.perfect())
                .clientApplication(() -> upload ? sender : receiver)
                .serverApplication(() -> upload ? receiver : sender).build();
        Nat nat = new Nat(pair, path);
        Ledger ledger = new Ledger(pair, nat);
        pair.network.trace(ledger);

        long wallStart = System.nanoTime();
        pair.connect();
        pair.runUntil(pair::bothConfirmed, 10 * SECOND, 100_000);
        QuicConnection server = pair.serverConnection();
        // Rebinding stops once 90% arrived, so that the client still sends from the last mapping (data on an upload,
        // ACKs on a download) and the server sees every move.
        for (int i = 0; i < 1_000 && !receiver.finished(); i++) {
            pair.network.runFor(REBIND_INTERVAL, 5_000_000);
            assertTrue(!pair.clientConnection().state().isClosingOrClosed()
                    && !server.state().isClosingOrClosed(), "the connection ended: " + states(pair) + nat);
            if (receiver.received() < size * 9 / 10) {
                nat.rebind();
            }
        }
        pair.runUntil(receiver::finished, 600 * SECOND, 20_000_000);
        // The last move's validation completes.
        pair.runUntil(server::isPeerAddressValidated, 10 * SECOND, 1_000_000);
        long wall = System.nanoTime() - wallStart;

        String context = pair.describe() + ", " + ledger + ", " + states(pair);
        assertEquals(size, receiver.received(), context);
        assertEquals(sender.sha256(), receiver.sha256(), context);
        int portRebinds = nat.portRebinds;
        int addressRebinds = nat.addressRebinds;
        int rebinds = portRebinds + addressRebinds;
        assertTrue(portRebinds >= 5 && addressRebinds >= 5, "rebindings: " + portRebinds + " of the port, "
                + addressRebinds + " of the address; " + context);
        assertEquals(rebinds, server.peerAddressChanges(), "the server followed each rebinding once; " + context);
        assertEquals(nat.current().address, pair.server.endpoint.peerAddress(server), context);
        assertEquals(0, server.pathValidationFailures(), context);
        // RFC 9000 §9.4: congestion control and the RTT estimate start again for a new address only.
        assertEquals(addressRebinds, server.pathResets(), "path resets for " + addressRebinds
                + " new addresses and " + portRebinds + " new ports; " + context);
        ledger.check(context);
        // Each rebinding's parked datagram, unless the path lost it.
        assertTrue(ledger.lateFromOldMappings >= rebinds / 2, "datagrams sent before a rebinding arrived after it; "
                + context);
        assertEquals(0, pair.network.stats(pair.server, pair.client).datagramsSent(),
                "the server never saw the client's address behind the NAT; " + context);
        System.out.printf("simulation: %-16s %9d bytes %-8s virtual %8d ms, wall %6d ms, seed %d, %d port and %d"
                        + " address rebindings, %s%n", "NAT rebinding", size, upload ? "upload" : "download",
                (pair.network.now() - SimNetwork.EPOCH_NANOS) / MS, wall / 1_000_000, seed, portRebinds,
                addressRebinds, ledger);
    }

    private static String states(ConnectionPair pair) {
        QuicConnection c = pair.clientConnection();
        QuicConnection s = pair.serverConnection();
        return "client " + c.state() + " " + c.closeError() + " " + c.internalError() + ", server " + s.state() + " "
                + s.closeError() + " " + s.internalError();
    }

    /**
     * The client's NAT. Each mapping is a host of its own on the network, at the public address the server sees, with
     * its own path to the server; the client's datagrams (to the server, over the client's own link, which the NAT
     * takes them off) leave from the current mapping, and what reaches the current mapping goes to the client as from
     * the server. A rebinding takes effect with a datagram of the client, as a NAT makes a new mapping for outbound
     * traffic; from then on the old mapping drops what still arrives for it. The datagram before it stays in the old
     * mapping and leaves after it: at each rebinding, a datagram sent before it arrives after it.
     */
    private static final class Nat {
        private final ConnectionPair pair;
        private final LinkConfig path;
        private final List<Mapping> mappings = new ArrayList<>();
        private final Set<InetSocketAddress> addresses = new HashSet<>();
        private int current;
        /** A new mapping waits for the client's next datagram, which the old one parks... */
        private boolean armed;
        /** ...and takes effect with the one after it. */
        private boolean parked;
        int portRebinds;
        int addressRebinds;

        Nat(ConnectionPair pair, LinkConfig path) {
            this.pair = pair;
            this.path = path;
            add(publicAddress(1, 40_000));
            pair.network.filter(pair.client, pair.server, (index, datagram, now) -> {
                byte[] copy = new byte[datagram.remaining()];
                datagram.get(datagram.position(), copy);
                if (parked) {
                    // The rebinding: what the old mapping holds, the parked datagram among it, leaves after this one.
                    parked = false;
                    mappings.get(current).expire(now);
                    current++;
                    if (current % 2 == 1) {
                        portRebinds++;
                    } else {
                        addressRebinds++;
                    }
                } else if (armed) {
                    armed = false;
                    parked = true;
                    current().park(copy);
                    return true;
                }
                current().forward(copy, now);
                return true;
            });
        }

        Mapping current() {
            return mappings.get(current);
        }

        /**
         * Rebinds between the client's next two datagrams, alternately to a new port on the same address and to a new
         * address; nothing if a rebinding waits already. Called between runs of the network: a host cannot join while
         * the network polls its hosts.
         */
        void rebind() {
            if (armed || parked) {
                return;
            }
            InetSocketAddress last = mappings.getLast().address;
            boolean portOnly = mappings.size() % 2 == 1;
            byte[] ip = last.getAddress().getAddress();
            int host = ((ip[2] & 0xFF) << 8 | (ip[3] & 0xFF)) + (portOnly ? 0 : 1);
            add(publicAddress(host, last.getPort() + 1));
            armed = true;
        }

        private void add(InetSocketAddress address) {
            Mapping m = new Mapping(address, pair.client, pair.server.address);
            mappings.add(m);
            addresses.add(address);
            pair.network.add(m);
            pair.network.link(m, pair.server, path);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i <= current; i++) {
                Mapping m = mappings.get(i);
                sb.append("\n  ").append(m.address).append(": up ").append(pair.network.stats(m, pair.server))
                        .append("; down ").append(pair.network.stats(pair.server, m));
            }
            return sb.toString();
        }

        boolean isMapping(InetSocketAddress address) {
            return addresses.contains(address);
        }

        /** {@return the public address number {@code host} (from 1) with {@code port}, in 100.64.0.0/10 (RFC 6598)} */
        private static InetSocketAddress publicAddress(int host, int port) {
            try {
                return new InetSocketAddress(InetAddress.getByAddress(
                        new byte[] {100, 64, (byte) (host >>> 8), (byte) host}), port);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * One mapping of the client's NAT: a public address and port. It forwards the client's datagrams after
     * {@link #NAT_DELAY}; when the NAT rebinds, what the old mapping still holds leaves {@link #TEARDOWN_DELAY} after
     * the new mapping's first datagram.
     */
    private static final class Mapping implements SimHost {
        static final long NAT_DELAY = 10 * MS;
        static final long TEARDOWN_DELAY = 20 * MS;

        private record Held(long release, byte[] datagram) { }

        final InetSocketAddress address;
        private final QuicSimHost client;
        private final InetSocketAddress server;
        private final ArrayDeque<Held> held = new ArrayDeque<>();
        boolean expired;

        Mapping(InetSocketAddress address, QuicSimHost client, InetSocketAddress server) {
            this.address = address;
            this.client = client;
            this.server = server;
        }

        void forward(byte[] datagram, long now) {
            held.addLast(new Held(now + NAT_DELAY, datagram));
        }

        /** Holds {@code datagram} until the mapping expires. */
        void park(byte[] datagram) {
            held.addLast(new Held(Long.MAX_VALUE, datagram));
        }

        /**
         * The NAT gave this mapping up at {@code now}, for a datagram the new one forwards: nothing more reaches the
         * client through this one, and what it holds leaves after that datagram.
         */
        void expire(long now) {
            expired = true;
            int n = held.size();
            for (int i = 0; i < n; i++) {
                held.addLast(new Held(now + NAT_DELAY + TEARDOWN_DELAY, held.pollFirst().datagram()));
            }
        }

        @Override
        public InetSocketAddress address() {
            return address;
        }

        @Override
        public void receive(InetSocketAddress from, ByteBuffer datagram, long now) {
            if (!expired) {
                client.receive(from, datagram, now);
            }
        }

        @Override
        public InetSocketAddress poll(ByteBuffer out, long now) {
            Held h = held.peekFirst();
            if (h == null || h.release() - now > 0) {
                return null;
            }
            held.pollFirst();
            out.put(h.datagram());
            return server;
        }

        @Override
        public long nextDeadline() {
            Held h = held.peekFirst();
            return h == null ? Long.MAX_VALUE : h.release();
        }

        @Override
        public void onDeadline(long now) {
            // What is due leaves at the next poll.
        }
    }

    /** What one public address of the client sent the server, and what the server sent there. */
    private static final class Account {
        long received;
        /** Bytes sent there before the server counted it validated. */
        long sentUnvalidated;
        boolean validated;
        /** Datagrams and bytes sent there while the client was elsewhere for the server (after it moved away). */
        long datagramsAfterMove;
        long bytesAfterMove;
        /** The worst ratio seen, sent / received before validation, times 1000. */
        long worstMilliRatio;
        String breach;
    }

    /**
     * Counts bytes per public address of the client as the network sends and delivers them, and checks at each
     * datagram the server sends: to an address not validated yet, at most three times what arrived from it (RFC 9000
     * §8.1, §9.3.1); to an address the server moved away from, nothing but the one PATH_CHALLENGE of §9.3.3.
     */
    private static final class Ledger implements SimTrace {
        private final ConnectionPair pair;
        private final Nat nat;
        private final Map<InetSocketAddress, Account> accounts = new LinkedHashMap<>();
        long lateFromOldMappings;

        Ledger(ConnectionPair pair, Nat nat) {
            this.pair = pair;
            this.nat = nat;
        }

        @Override
        public void record(long time, long id, InetSocketAddress from, InetSocketAddress to, int length, Fate fate) {
            InetSocketAddress server = pair.server.address;
            if (fate == Fate.DELIVERED && to.equals(server) && nat.isMapping(from)) {
                account(from).received += length;
                QuicConnection c = serverConnection();
                if (c != null && !from.equals(pair.server.endpoint.peerAddress(c)) && account(from).validated) {
                    lateFromOldMappings++;
                }
                return;
            }
            boolean sent = fate == Fate.SENT || fate == Fate.DROPPED_LOSS || fate == Fate.DROPPED_QUEUE
                    || fate == Fate.DROPPED_MTU || fate == Fate.UNROUTABLE;
            if (!sent || !from.equals(server) || !nat.isMapping(to)) {
                return;
            }
            Account a = account(to);
            QuicConnection c = serverConnection();
            InetSocketAddress peer = c == null ? null : pair.server.endpoint.peerAddress(c);
            if (c != null && to.equals(peer) && c.isPeerAddressValidated()) {
                a.validated = true;
            }
            if (!to.equals(peer) && a.validated) {
                a.datagramsAfterMove++;
                a.bytesAfterMove += length;
            }
            // The first mapping is the one the handshake validated (RFC 9000 §8.1, other tests); the rest are moves.
            boolean first = to.equals(nat.mappings.getFirst().address);
            if (!a.validated && !first) {
                a.sentUnvalidated += length;
                if (a.received > 0) {
                    a.worstMilliRatio = Math.max(a.worstMilliRatio, a.sentUnvalidated * 1000 / a.received);
                }
                if (a.sentUnvalidated > 3 * a.received && a.breach == null) {
                    a.breach = a.sentUnvalidated + " bytes sent for " + a.received + " received at "
                            + (time - SimNetwork.EPOCH_NANOS) / MS + " ms";
                }
            }
        }

        private QuicConnection serverConnection() {
            return pair.server.sessions.isEmpty() ? null : pair.server.first().connection;
        }

        private Account account(InetSocketAddress address) {
            return accounts.computeIfAbsent(address, k -> new Account());
        }

        void check(String context) {
            assertEquals(nat.current + 1, accounts.size(), "every public address the client had talked to the server; "
                    + context);
            for (Map.Entry<InetSocketAddress, Account> e : accounts.entrySet()) {
                Account a = e.getValue();
                String where = e.getKey() + ": " + context;
                assertEquals(null, a.breach, "the anti-amplification limit to " + where);
                assertTrue(a.validated, "validated " + where);
                if (!e.getKey().equals(nat.current().address)) {
                    // RFC 9000 §9.3.3: the previously active path is challenged once after the move, and that is all.
                    assertEquals(1, a.datagramsAfterMove, "datagrams to the old address " + where);
                    assertTrue(a.bytesAfterMove <= CHALLENGE_DATAGRAM, "bytes to the old address " + where);
                } else {
                    assertEquals(0, a.datagramsAfterMove, where);
                }
            }
        }

        @Override
        public String toString() {
            long worst = 0;
            long afterMove = 0;
            for (Account a : accounts.values()) {
                worst = Math.max(worst, a.worstMilliRatio);
                afterMove += a.bytesAfterMove;
            }
            return accounts.size() + " client addresses, " + afterMove + " bytes to old ones after a move, "
                    + lateFromOldMappings + " late datagrams from old ones, unvalidated sent/received at most "
                    + worst / 1000.0;
        }
    }
}
