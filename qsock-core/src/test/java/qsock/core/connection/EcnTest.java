package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.core.frame.AckFrame;
import qsock.core.frame.FrameDecoder;
import qsock.core.packet.Ecn;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.packet.PacketType;
import qsock.core.recovery.AckTracker;
import qsock.core.sim.EcnLink;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.LinkStats;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.LocalAddressHost;

/**
 * ECN (RFC 9000 §13.4, RFC 9002 §7.1) in the deterministic simulation: received codepoints counted per packet and
 * reported in ACK frames of type 0x03; ECT(0) marking validated against the peer's counts, and turned off on a path
 * that bleaches or remarks the field, the transfer completing; an increase of CE a congestion event, so that a
 * CE-marking bottleneck slows the sender without loss; validation again on a new path.
 */
class EcnTest {

    private static final LinkConfig LINK = LinkConfig.perfect().withDelay(10 * MS, 0).withBandwidth(20_000_000, 200_000);
    private static final InetSocketAddress NEW_LOCAL = new InetSocketAddress("10.0.0.9", 40_000);

    private record Transfer(ConnectionPair pair, BulkSender sender, BulkReceiver receiver) {
        QuicConnection server() {
            return pair.serverConnection();
        }

        QuicConnection client() {
            return pair.clientConnection();
        }

        void complete() {
            pair.runUntil(receiver::finished, 120 * SECOND, 3_000_000);
            assertEquals(sender.sha256(), receiver.sha256(), pair.describe());
        }
    }

    /** A transfer of {@code bytes} from the server to the client; ECN-capable runtimes on both sides if {@code ecn}. */
    private static Transfer transfer(long seed, long bytes, boolean ecn, LinkConfig link) throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(bytes, seed);
        ConnectionPair pair = ConnectionPair.builder(seed).links(link).ecn(ecn)
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
        return new Transfer(pair, sender, receiver);
    }

    @Test
    void receivedCodepointsAreCountedPerPacketAndReportedInAckEcnFrames() {
        AckTracker acks = new AckTracker(PacketNumberSpace.APPLICATION, 25 * MS);
        acks.onPacketReceived(0, true, 0);
        acks.countEcn(Ecn.ECT_0);
        acks.onPacketReceived(1, true, 0);
        acks.countEcn(Ecn.ECT_0);
        acks.onPacketReceived(2, true, true, 0);
        acks.countEcn(Ecn.CE);
        acks.onPacketReceived(3, true, 0);
        acks.countEcn(Ecn.ECT_1);
        acks.onPacketReceived(4, true, 0);
        acks.countEcn(Ecn.NOT_ECT);
        ByteBuffer buf = ByteBuffer.allocate(100);
        int length = acks.writeAck(buf, 0, 3);
        assertEquals(length, buf.position());
        assertEquals(length, acks.ackFrameLength(0, 3), "the length the packet builder reserves");
        buf.flip();
        AckFrame ack = (AckFrame) assertDoesNotThrow(() -> FrameDecoder.decode(buf, PacketType.ONE_RTT));
        assertEquals(0x03, ack.typeCode());
        assertEquals(new AckFrame.EcnCounts(2, 1, 1), ack.ecnCounts());
    }

    @Test
    void withoutCodepointsAckFramesStayType2() {
        AckTracker acks = new AckTracker(PacketNumberSpace.APPLICATION, 25 * MS);
        acks.onPacketReceived(0, true, 0);
        acks.countEcn(Ecn.NOT_ECT);
        ByteBuffer buf = ByteBuffer.allocate(100);
        acks.writeAck(buf, 0, 3);
        buf.flip();
        AckFrame ack = (AckFrame) assertDoesNotThrow(() -> FrameDecoder.decode(buf, PacketType.ONE_RTT));
        assertNull(ack.ecnCounts());
    }

    private static <T> T assertDoesNotThrow(java.util.concurrent.Callable<T> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anEcnCapablePathIsValidatedAndItsMarksCountedOnBothSides() throws Exception {
        Transfer t = transfer(301, 500_000, true, LINK);
        t.pair().connect();
        t.complete();
        QuicConnection server = t.server();
        QuicConnection client = t.client();
        assertTrue(server.ecnValidated(), "the client's ACK frames carried counts that covered the marked packets");
        assertTrue(client.ecnValidated());
        assertEquals(0, server.ecnValidationFailures());
        long[] counts = client.ecnCountsReceived(PacketNumberSpace.APPLICATION);
        assertTrue(counts[0] > 300, "every 1-RTT packet of a validated path arrives ECT(0): " + counts[0]);
        assertEquals(0, counts[1]);
        assertEquals(0, counts[2], "no router marked CE");
        assertTrue(client.ecnCountsReceived(PacketNumberSpace.INITIAL)[0] > 0, "counts are per space (§13.4.1)");
        assertEquals(0, server.ecnCongestionEvents());
    }

    @Test
    void aRuntimeWithoutEcnMarksNothingAndReportsNothing() throws Exception {
        Transfer t = transfer(302, 300_000, false, LINK.withBandwidth(0, 0));
        t.pair().connect();
        t.complete();
        assertFalse(t.server().ecnInUse());
        assertEquals(0, t.pair().network.stats(t.pair().server, t.pair().client).ecnCapableSent());
        assertEquals(0, t.pair().network.stats(t.pair().client, t.pair().server).ecnCapableSent());
        assertArrayEquals(new long[3], t.client().ecnCountsReceived(PacketNumberSpace.APPLICATION));
        assertArrayEquals(new long[3], t.server().ecnCountsReceived(PacketNumberSpace.APPLICATION));
    }

    @Test
    void ecnConfiguredOffMarksNothingButStillReportsWhatArrives() throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(300_000, 303);
        ConnectionPair pair = ConnectionPair.builder(303).links(LINK).ecn(true)
                .serverConfig(ConnectionConfig.builder().ecn(false).build())
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
        Transfer t = new Transfer(pair, sender, receiver);
        pair.connect();
        t.complete();
        assertFalse(t.server().ecnInUse());
        assertEquals(0, pair.network.stats(pair.server, pair.client).ecnCapableSent(), "the server marks nothing");
        assertTrue(t.client().ecnValidated(), "the client still uses ECN");
        assertTrue(t.server().ecnCountsReceived(PacketNumberSpace.APPLICATION)[0] > 0,
                "and the server reports the client's marks (RFC 9000 §13.4.1: even if it sets none itself)");
    }

    @Test
    void aCeMarkingBottleneckSlowsTheSenderWithoutLoss() throws Exception {
        // The bottleneck marks CE once 30 KB wait (about 1.5 bandwidth-delay products): an ECN sender backs off
        // there; a sender without ECN fills the 200 KB queue and loses packets to tail drop.
        Transfer ecn = transfer(304, 4_000_000, true, LINK);
        ecn.pair().network.ecn(ecn.pair().server, ecn.pair().client, EcnLink.markCeAbove(30_000));
        ecn.pair().connect();
        ecn.complete();
        LinkStats withEcn = ecn.pair().network.stats(ecn.pair().server, ecn.pair().client);

        Transfer plain = transfer(304, 4_000_000, false, LINK);
        plain.pair().network.ecn(plain.pair().server, plain.pair().client, EcnLink.markCeAbove(30_000));
        plain.pair().connect();
        plain.complete();
        LinkStats withoutEcn = plain.pair().network.stats(plain.pair().server, plain.pair().client);

        assertTrue(ecn.server().ecnValidated(), "CE marks on ECT(0) packets pass validation");
        assertTrue(ecn.server().ecnCongestionEvents() > 0, "an increase of CE is a congestion event (RFC 9002 §7.1)");
        assertTrue(ecn.client().ecnCountsReceived(PacketNumberSpace.APPLICATION)[2] > 0);
        assertTrue(withEcn.ecnChanged() > 0);
        assertEquals(0, withEcn.droppedQueue(), "the sender backed off before the queue overflowed: " + withEcn);
        assertEquals(0, ecn.server().packetsLost(), "no loss with ECN");
        assertTrue(withoutEcn.droppedQueue() > 0, "without ECN the queue overflows: " + withoutEcn);
        assertTrue(plain.server().packetsLost() > 0);
    }

    @Test
    void aPathThatBleachesEcnFailsValidationAndEcnTurnsOff() throws Exception {
        Transfer t = transfer(305, 1_000_000, true, LINK);
        t.pair().network.ecn(t.pair().server, t.pair().client, EcnLink.bleach());
        t.pair().network.ecn(t.pair().client, t.pair().server, EcnLink.bleach());
        t.pair().connect();
        t.complete();
        assertEquals(1, t.server().ecnValidationFailures(), "ACK frames without counts for marked packets (§13.4.2.1)");
        assertEquals(1, t.client().ecnValidationFailures());
        assertFalse(t.server().ecnInUse());
        assertFalse(t.client().ecnInUse());
        LinkStats s = t.pair().network.stats(t.pair().server, t.pair().client);
        assertTrue(s.ecnCapableSent() <= EcnValidation.TESTING_PACKETS,
                "only the packets of the test were marked: " + s.ecnCapableSent());
    }

    @Test
    void aPathThatRemarksEct0AsEct1FailsValidation() throws Exception {
        Transfer t = transfer(306, 1_000_000, true, LINK);
        t.pair().network.ecn(t.pair().server, t.pair().client, EcnLink.remark(Ecn.ECT_0, Ecn.ECT_1));
        t.pair().connect();
        t.complete();
        assertEquals(1, t.server().ecnValidationFailures(), "ECT(1) counted, never sent (§13.4.2.1)");
        assertFalse(t.server().ecnInUse());
        assertTrue(t.client().ecnValidated(), "the other direction is not remarked");
        assertTrue(t.client().ecnCountsReceived(PacketNumberSpace.APPLICATION)[1] > 0);
    }

    @Test
    void aPathThatDropsMarkedPacketsFailsValidationOnceAllOfThemAreLost() throws Exception {
        Transfer t = transfer(309, 500_000, true, LINK);
        t.pair().network.ecn(t.pair().server, t.pair().client, EcnLink.dropEcnCapable());
        t.pair().connect();
        t.complete();
        // Only the test's packets were marked (10, or 3 PTOs), all lost: ECN is off, the connection carried on.
        assertEquals(1, t.server().ecnValidationFailures(), "all packets sent with ECT lost (§13.4.2.1)");
        assertFalse(t.server().ecnInUse());
        LinkStats s = t.pair().network.stats(t.pair().server, t.pair().client);
        assertTrue(s.ecnCapableSent() <= EcnValidation.TESTING_PACKETS, s.toString());
    }

    @Test
    void aPathThatMarksEverythingCeIsCongestedNotBroken() throws Exception {
        Transfer t = transfer(307, 500_000, true, LINK);
        t.pair().network.ecn(t.pair().server, t.pair().client, EcnLink.ceOnAll());
        t.pair().connect();
        t.complete();
        // CE on every marked packet is consistent counting (§13.4.2.1 only checks ECT(0)+CE covers what was marked):
        // the path stays validated, and each round with new CE marks is a congestion event.
        assertEquals(0, t.server().ecnValidationFailures());
        assertTrue(t.server().ecnCongestionEvents() > 2);
        assertTrue(t.server().congestion().congestionWindow() < 4 * 1200 * 10, "the window stays small");
    }

    @Test
    void validationRunsAgainOnANewPath() throws Exception {
        Transfer t = transfer(308, 4_000_000, true, LINK);
        ConnectionPair pair = t.pair();
        pair.network.ecn(pair.server, pair.client, EcnLink.bleach());
        pair.network.ecn(pair.client, pair.server, EcnLink.bleach());
        LocalAddressHost newLocal = new LocalAddressHost(pair.client, NEW_LOCAL);
        pair.network.add(newLocal);
        pair.network.link(newLocal, pair.server, LINK);
        pair.connect();
        pair.runUntil(() -> t.receiver().received() > 1_000_000, 30 * SECOND, 500_000);
        QuicConnection client = t.client();
        QuicConnection server = t.server();
        assertEquals(1, server.ecnValidationFailures());
        assertFalse(server.ecnInUse());

        pair.client.endpoint.migrate(client, NEW_LOCAL, pair.network.now());
        pair.runUntil(() -> client.migrations() == 1, 5 * SECOND, 100_000);
        t.complete();
        assertEquals(1, server.peerAddressChanges());
        assertTrue(server.ecnValidated(), "the new path does not bleach: validated there (RFC 9000 §13.4.2)");
        assertTrue(client.ecnValidated());
        assertEquals(1, server.ecnValidationFailures());
        assertTrue(pair.network.stats(pair.server, newLocal).ecnCapableSent() > 100);
    }
}
