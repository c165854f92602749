package qsock.core.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.core.packet.Ecn;

/** The ECN field on the simulated network: carried unchanged by default, changed by a link's {@link EcnLink}. */
class SimNetworkEcnTest {

    private static final long MS = 1_000_000L;

    private static ToyHost[] pair(SimNetwork net, LinkConfig link) {
        ToyHost a = new ToyHost("10.0.0.1", 1000);
        ToyHost b = new ToyHost("10.0.0.2", 2000);
        net.add(a);
        net.add(b);
        net.link(a, b, link);
        return new ToyHost[] {a, b};
    }

    @Test
    void theCodepointArrivesAsSentAndNotEctByDefault() {
        SimNetwork net = new SimNetwork(1);
        ToyHost[] h = pair(net, LinkConfig.delayed(MS));
        h[0].sendNumbered(h[1].address(), 3, 100);
        net.runUntilIdle(SimNetwork.EPOCH_NANOS, 100);
        h[0].sendEcn(Ecn.ECT_0);
        h[0].sendNumbered(h[1].address(), 2, 100);
        net.runUntilIdle(SimNetwork.EPOCH_NANOS, 100);
        assertEquals(List.of(Ecn.NOT_ECT, Ecn.NOT_ECT, Ecn.NOT_ECT, Ecn.ECT_0, Ecn.ECT_0), h[1].receivedEcn());
        assertEquals(2, net.stats(h[0], h[1]).ecnCapableSent());
        assertEquals(0, net.stats(h[0], h[1]).ecnChanged());
    }

    @Test
    void bleachingRemarkingAndDroppingLinks() {
        for (EcnLink link : List.of(EcnLink.bleach(), EcnLink.remark(Ecn.ECT_0, Ecn.ECT_1), EcnLink.ceOnAll(),
                EcnLink.dropEcnCapable())) {
            SimNetwork net = new SimNetwork(2);
            ToyHost[] h = pair(net, LinkConfig.delayed(MS));
            net.ecn(h[0], h[1], link);
            h[0].sendEcn(Ecn.ECT_0);
            h[0].sendNumbered(h[1].address(), 4, 100);
            net.runUntilIdle(SimNetwork.EPOCH_NANOS, 100);
            Ecn expected = link.apply(Ecn.ECT_0, 0);
            assertEquals(expected == null ? List.of() : Collections.nCopies(4, expected), h[1].receivedEcn());
        }
    }

    @Test
    void aCeMarkingQueueMarksOnlyWhatWaitsBehindTheThreshold() {
        SimNetwork net = new SimNetwork(3);
        // 8 Mbit/s: a 1000-byte datagram takes 1 ms to serialize; ten sent at once queue behind one another.
        ToyHost[] h = pair(net, LinkConfig.delayed(MS).withBandwidth(8_000_000, 100_000));
        net.ecn(h[0], h[1], EcnLink.markCeAbove(3_000));
        h[0].sendEcn(Ecn.ECT_0);
        h[0].sendNumbered(h[1].address(), 10, 1000);
        net.runUntilIdle(SimNetwork.EPOCH_NANOS, 100);
        List<Ecn> got = h[1].receivedEcn();
        assertEquals(10, got.size());
        assertEquals(Collections.nCopies(4, Ecn.ECT_0), got.subList(0, 4), "up to 3000 bytes ahead: not marked");
        assertEquals(Collections.nCopies(6, Ecn.CE), got.subList(4, 10));
        assertEquals(0, net.stats(h[0], h[1]).droppedQueue());
        assertTrue(net.stats(h[0], h[1]).ecnChanged() == 6);
    }
}
