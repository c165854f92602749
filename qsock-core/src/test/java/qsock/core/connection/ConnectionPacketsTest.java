package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.Role;
import qsock.core.frame.AckFrame;
import qsock.core.frame.CryptoFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.packet.PacketType;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.FixedSecretHandshake;
import qsock.core.sim.quic.HandshakeFactory;
import qsock.core.sim.quic.HandshakeStepper;
import qsock.core.sim.quic.Wire;

/** How the connection builds datagrams (RFC 9000 §12.2, §14.1, §8.1), read off the wire of the fixed-secret pair. */
class ConnectionPacketsTest {

    /** The packet types of each datagram one side sent, with the datagram's length. */
    private record Sent(List<PacketType> types, int length, long bytesReceivedBefore) {}

    private static List<Sent> watch(ConnectionPair pair, Role sender) {
        List<Sent> sent = new ArrayList<>();
        (sender == Role.CLIENT ? pair.client : pair.server).outgoingHook = (datagram, now) -> {
            long received = sender == Role.SERVER && !pair.server.sessions.isEmpty()
                    ? pair.serverConnection().bytesReceived() : 0;
            sent.add(new Sent(Wire.types(datagram, 8), datagram.remaining(), received));
        };
        return sent;
    }

    /** RFC 9000 §14.1: every datagram with a client Initial is at least 1200 bytes, probes and ACKs included. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void everyDatagramCarryingAClientInitialIsPaddedTo1200Bytes(long seed) throws Exception {
        ConnectionPair pair = ConnectionPair.builder(seed)
                .links(LinkConfig.perfect().withDelay(20 * MS, 0).withLoss(0.3)).build();
        List<Sent> sent = watch(pair, Role.CLIENT);
        pair.connect().runUntil(pair::bothConfirmed, 60 * SECOND, 100_000);
        long initials = 0;
        for (Sent s : sent) {
            if (s.types().contains(PacketType.INITIAL)) {
                initials++;
                assertTrue(s.length() >= 1200, "a datagram of " + s.length() + " bytes: " + s.types());
            }
        }
        assertTrue(initials >= 2, initials + " datagrams with an Initial");
    }

    /**
     * RFC 9000 §8.1: before the client's address is validated, the server sends at most three times what it
     * received. With a 10 KB certificate and the client's datagrams after its first lost for a second, the server
     * goes to that limit, waits there, and completes once the client is heard again.
     */
    @Test
    void aServerNeverSendsMoreThanThreeTimesWhatItReceivedBeforeValidation() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(4)
                .handshakes(FixedSecretHandshake.Settings.defaults().withCertificateBytes(10_000).factory()).build();
        List<Sent> sent = watch(pair, Role.SERVER);
        boolean[] deaf = {true};
        pair.network.filter(pair.client, pair.server, (index, datagram, now) -> index > 0 && deaf[0]);
        pair.connect();
        pair.runFor(SECOND);
        QuicConnection server = pair.serverConnection();
        assertFalse(server.isAddressValidated());
        long total = 0;
        for (Sent s : sent) {
            total += s.length();
            assertTrue(total <= 3 * s.bytesReceivedBefore(), total + " bytes sent for " + s.bytesReceivedBefore());
        }
        assertTrue(total > 2 * server.bytesReceived(), "the server used its allowance: " + total + " bytes for "
                + server.bytesReceived());
        assertEquals(total, server.bytesSent());
        deaf[0] = false;
        pair.runUntil(pair::bothConfirmed, 30 * SECOND, 100_000);
        assertTrue(server.isAddressValidated());
    }

    /** RFC 9000 §12.2: the server's first datagram coalesces its Initial (ServerHello) and Handshake packets. */
    @Test
    void theServersFirstFlightCoalescesInitialAndHandshakePackets() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(5).build();
        List<Sent> sent = watch(pair, Role.SERVER);
        pair.connect().confirm();
        Sent first = sent.getFirst();
        assertEquals(List.of(PacketType.INITIAL, PacketType.HANDSHAKE), first.types(), "the first datagram");
        assertTrue(first.length() >= 1200, "an ack-eliciting server Initial is padded: " + first.length());
    }
    /**
     * RFC 9000 §13.2.1: the server acknowledges the client's Initial at once, in a datagram of its own when its TLS
     * stack has not answered yet (qsock's runs on another thread); the ServerHello that follows carries the ACK again.
     * Otherwise, with that ACK-only datagram lost, the client's Initial stays unacknowledged and it has no RTT sample,
     * its probes backing off from the initial PTO: under 30% loss a quiche client once ran out its two minutes so.
     */
    @Test
    void theServerHelloRepeatsTheAckOfAnEarlierAckOnlyInitial() throws Exception {
        boolean[] answering = {false};
        HandshakeFactory lateServer = (connection, channel) -> {
            HandshakeStepper real = FixedSecretHandshake.factory().start(connection, channel);
            return () -> {
                if (answering[0]) {
                    real.step();
                }
            };
        };
        ConnectionPair pair = ConnectionPair.builder(6).handshakes(FixedSecretHandshake.factory(), lateServer).build();
        List<List<Wire.Packet>> initials = new ArrayList<>();
        Wire[] wire = {null};
        pair.server.outgoingHook = (datagram, now) -> {
            if (wire[0] == null) {
                QuicConnection client = pair.clientConnection();
                wire[0] = new Wire(Role.SERVER, CipherSuite.TLS_AES_128_GCM_SHA256, client.version(),
                        client.originalDestinationId(), 8);
            }
            initials.add(wire[0].read(datagram).stream().filter(p -> p.type() == PacketType.INITIAL).toList());
        };
        pair.connect();
        pair.runFor(50 * MS);
        assertEquals(1, initials.size(), "the server's datagrams before its TLS stack answers");
        Wire.Packet ackOnly = initials.getFirst().getFirst();
        assertEquals(1, ackOnly.frames(AckFrame.class).size(), "an ACK of the client's Initial: " + ackOnly);
        assertEquals(List.of(), ackOnly.frames(CryptoFrame.class));

        answering[0] = true;
        pair.serverSession().turn(pair.network.now());
        pair.runFor(MS);
        assertTrue(initials.size() >= 2, "the server answered");
        Wire.Packet serverHello = initials.get(1).getFirst();
        assertEquals(1, serverHello.frames(CryptoFrame.class).size(), "the ServerHello: " + serverHello);
        assertEquals(1, serverHello.frames(AckFrame.class).size(), "the ServerHello repeats the ACK: " + serverHello);
        pair.runUntil(pair::bothConfirmed, 10 * SECOND, 100_000);
        assertTrue(pair.bothConfirmed(), pair.describe());
    }
}
