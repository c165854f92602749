package qsock.core.attack;

import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;
import qsock.api.ConnectionConfig;
import qsock.api.Role;
import qsock.core.connection.QuicConnection;
import qsock.core.frame.AckFrame;
import qsock.core.frame.Frame;
import qsock.core.frame.PingFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.packet.PacketType;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Wire;
import qsock.core.wire.ConnectionId;

/**
 * A client that completed a real handshake with a qsock server in the simulation and then stops behaving: the test
 * plays it by hand, sealing whatever 1-RTT frames it likes with the client's keys (the fixed-secret handshake's keys
 * are known, {@link Wire}) and handing them to the server's connection, whose every datagram it reads back. The
 * server connection is the real one, driven sans I/O at a virtual clock the test moves.
 */
final class HostileClient {

    static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;

    final ConnectionPair pair;
    final QuicConnection server;
    final Wire serverWire;
    long now;
    private long nextPacketNumber = 1_000;
    /** Where the test's datagrams go: the server's first connection ID unless a test moves it. */
    ConnectionId destination;
    /** The 1-RTT packet numbers of the server's packets read so far. */
    final NavigableSet<Long> received = new TreeSet<>();
    /** Datagrams and bytes the server sent since the fixture was made. */
    long datagramsFromServer;
    long bytesFromServer;

    HostileClient(long seed) throws Exception {
        this(seed, ConnectionConfig.defaults());
    }

    HostileClient(long seed, ConnectionConfig serverConfig) throws Exception {
        pair = ConnectionPair.builder(seed).serverConfig(serverConfig).established();
        server = pair.serverConnection();
        QuicConnection client = pair.clientConnection();
        // The honest client falls silent here: what the server hears from now on is the test's.
        now = pair.network.now() + SECOND / 10;
        server.handleTimeout(now);
        serverSends();
        serverWire = new Wire(Role.SERVER, SUITE, client.version(), client.originalDestinationId(), 8);
        destination = server.localId();
    }

    /** {@return a 1-RTT datagram of the client holding {@code frames}, numbered above every earlier one} */
    ByteBuffer datagram(Frame... frames) {
        return Wire.oneRtt(Role.CLIENT, SUITE, server.version(), 0, destination, nextPacketNumber++,
                Wire.frames(frames));
    }

    /** Hands the server a 1-RTT datagram of {@code frames} at the current time. */
    void send(Frame... frames) {
        server.handleDatagram(datagram(frames), now);
    }

    /** Moves the clock by {@code nanos} and lets the server's timers fire. */
    void advance(long nanos) {
        now += nanos;
        server.handleTimeout(now);
    }

    /** {@return the packets the server sends now, read; at most 10,000 datagrams} */
    List<Wire.Packet> serverSends() {
        List<Wire.Packet> packets = new ArrayList<>();
        ByteBuffer out = ByteBuffer.allocate(65_536);
        for (int i = 0; i < 10_000; i++) {
            int n = server.pollDatagram(out.clear(), now);
            if (n <= 0) {
                break;
            }
            datagramsFromServer++;
            bytesFromServer += n;
            if (serverWire != null) {
                for (Wire.Packet p : serverWire.read(out.flip())) {
                    packets.add(p);
                    if (p.type() == PacketType.ONE_RTT) {
                        received.add(p.number());
                    }
                }
            }
        }
        return packets;
    }

    /**
     * {@return an ACK of the server's 1-RTT packets read so far, its newest 32 ranges, or a PING if none was read}
     * What an honest receiver would say.
     */
    Frame ack() {
        if (received.isEmpty()) {
            return new PingFrame();
        }
        List<Long> ranges = new ArrayList<>();
        long hi = -1;
        long lo = -1;
        for (long pn : received.descendingSet()) {
            if (hi < 0) {
                hi = pn;
                lo = pn;
            } else if (pn == lo - 1) {
                lo = pn;
            } else {
                ranges.add(hi);
                ranges.add(lo);
                if (ranges.size() == 64) {
                    break;
                }
                hi = pn;
                lo = pn;
            }
        }
        if (ranges.size() < 64) {
            ranges.add(hi);
            ranges.add(lo);
        }
        return AckFrame.of(0, ranges.stream().mapToLong(Long::longValue).toArray());
    }

    /** {@return the frames of {@code type} in {@code packets}} */
    static <T extends Frame> List<T> frames(List<Wire.Packet> packets, Class<T> type) {
        List<T> found = new ArrayList<>();
        for (Wire.Packet p : packets) {
            found.addAll(p.frames(type));
        }
        return found;
    }
}
