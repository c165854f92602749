package qsock.core.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SimNetworkImpairmentTest {

    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000_000_000L;

    private final ToyHost a = new ToyHost("10.0.0.1", 4433);
    private final ToyHost b = new ToyHost("10.0.0.2", 4433);

    private SimNetwork network(long seed, LinkConfig aToB) {
        SimNetwork net = new SimNetwork(seed);
        net.add(a);
        net.add(b);
        net.link(a, b, aToB, LinkConfig.perfect());
        return net;
    }

    private static void drain(SimNetwork net) {
        net.runUntilIdle(60 * SECOND, 1_000_000);
    }

    @Test
    void lossRateIsNearTheConfiguredRateAndExactForTheSeed() {
        SimNetwork net = network(42, LinkConfig.lossy(0.1));
        a.sendNumbered(b.address(), 10_000, 100);
        drain(net);
        LinkStats s = net.stats(a, b);
        // Exact for seed 42: changing how fates are drawn changes this number, and that must be deliberate.
        assertEquals(1011, s.droppedLoss());
        // Binomial(10000, 0.1): sigma = 30, allow about four sigma.
        assertTrue(Math.abs(s.droppedLoss() - 1000) <= 120, s.toString());
        assertEquals(10_000 - s.droppedLoss(), b.received().size());
        assertEquals(b.received().size(), s.datagramsDelivered());
        assertEquals(10_000, s.datagramsSent());
        assertEquals(1_000_000, s.bytesSent());
        assertEquals(100 * s.datagramsDelivered(), s.bytesDelivered());
    }

    @Test
    void lossKeepsTheSurvivorsInOrderAndIntact() {
        SimNetwork net = network(7, LinkConfig.lossy(0.3));
        a.sendNumbered(b.address(), 500, 64);
        drain(net);
        long previous = -1;
        for (ToyHost.Received r : b.received()) {
            assertTrue(r.number() > previous);
            previous = r.number();
            assertArrayEquals(ToyHost.numbered(r.number(), 64), r.data());
            assertEquals(a.address(), r.from());
        }
    }

    @Test
    void whichDatagramsAreLostDoesNotDependOnTheOtherImpairments() {
        long[] plain = survivors(LinkConfig.lossy(0.2));
        long[] impaired = survivors(LinkConfig.lossy(0.2).withDelay(3 * MS, 2 * MS).withReordering(0.3, 5 * MS)
                .withDuplication(0.1).withBandwidth(100_000_000L, 0));
        assertArrayEquals(plain, impaired);
    }

    private static long[] survivors(LinkConfig config) {
        ToyHost from = new ToyHost("10.0.0.1", 1);
        ToyHost to = new ToyHost("10.0.0.2", 2);
        SimNetwork net = new SimNetwork(99);
        net.add(from);
        net.add(to);
        net.link(from, to, config, LinkConfig.perfect());
        from.sendNumbered(to.address(), 1000, 200);
        net.runUntilIdle(60 * SECOND, 1_000_000);
        return Arrays.stream(to.receivedNumbers()).distinct().sorted().toArray();
    }

    @Test
    void fixedDelayAndJitterBoundTheArrivalTime() {
        SimNetwork net = network(3, LinkConfig.delayed(10 * MS).withDelay(10 * MS, 4 * MS));
        long sent = net.now();
        a.sendNumbered(b.address(), 2000, 50);
        drain(net);
        TreeSet<Long> distinct = new TreeSet<>();
        for (ToyHost.Received r : b.received()) {
            long delay = r.time() - sent;
            assertTrue(delay >= 10 * MS && delay <= 14 * MS, "delay " + delay);
            distinct.add(delay);
        }
        // Jitter is spread over the range, not a constant.
        assertTrue(distinct.first() < 10 * MS + MS && distinct.last() > 13 * MS, distinct.first() + " " + distinct.last());
    }

    @Test
    void deliveryTimesFollowTheSerializationDelay() {
        // 8 Mbit/s is one byte a microsecond: a 1000-byte datagram takes 1 ms to serialize.
        SimNetwork net = network(1, LinkConfig.delayed(10 * MS).withBandwidth(8_000_000L, 0));
        long t0 = net.now();
        a.sendNumbered(b.address(), 3, 1000);
        drain(net);
        assertEquals(List.of(t0 + 11 * MS, t0 + 12 * MS, t0 + 13 * MS), times(b));
        // A datagram sent once the link is idle again starts serializing at once.
        a.sendNumbered(b.address(), 1, 500);
        long t1 = net.now();
        drain(net);
        assertEquals(t1 + 10 * MS + MS / 2, b.received().get(3).time());
        assertEquals(MS, LinkConfig.perfect().withBandwidth(8_000_000L, 0).serializationNanos(1000));
        assertEquals(0, LinkConfig.perfect().serializationNanos(1000));
        // Rounded up, never zero for a non-empty datagram.
        assertEquals(1, LinkConfig.perfect().withBandwidth(1_000_000_000_000L, 0).serializationNanos(1));
    }

    @Test
    void aFullQueueDropsTheTail() {
        // Room for two 1000-byte datagrams, counting the one being serialized.
        SimNetwork net = network(1, LinkConfig.perfect().withBandwidth(8_000_000L, 2500));
        long t0 = net.now();
        a.sendNumbered(b.address(), 5, 1000);
        drain(net);
        LinkStats s = net.stats(a, b);
        assertEquals(3, s.droppedQueue());
        assertArrayEquals(new long[] {0, 1}, b.receivedNumbers());
        assertEquals(List.of(t0 + MS, t0 + 2 * MS), times(b));
    }

    @Test
    void theQueueEmptiesAsDatagramsAreSerialized() {
        SimNetwork net = network(1, LinkConfig.perfect().withBandwidth(8_000_000L, 2500));
        a.sendNumbered(b.address(), 3, 1000);
        net.runFor(0, 10);
        assertEquals(1, net.stats(a, b).droppedQueue());
        // After 1 ms the first datagram is out, so one more fits and a second does not.
        net.runFor(MS, 10);
        a.sendNumbered(b.address(), 2, 1000);
        drain(net);
        assertEquals(2, net.stats(a, b).droppedQueue());
        assertArrayEquals(new long[] {0, 1, 3}, b.receivedNumbers());
    }

    @Test
    void aDatagramLostOnTheWireStillUsedItsSerializationTime() {
        SimNetwork net = network(1, LinkConfig.lossy(1.0).withBandwidth(8_000_000L, 0));
        long t0 = net.now();
        a.sendNumbered(b.address(), 1, 1000);
        net.runFor(0, 10);
        net.configure(a, b, LinkConfig.perfect().withBandwidth(8_000_000L, 0));
        a.sendNumbered(b.address(), 1, 1000);
        drain(net);
        assertArrayEquals(new long[] {1}, b.receivedNumbers());
        assertEquals(t0 + 2 * MS, b.received().get(0).time());
    }

    @Test
    void anEmptyDatagramIsDeliveredAndCannotBeCorrupted() {
        SimNetwork net = network(1, LinkConfig.perfect().withCorruption(1.0));
        a.send(b.address(), new byte[0]);
        drain(net);
        assertEquals(1, b.received().size());
        assertEquals(0, b.received().get(0).data().length);
        assertEquals(0, net.stats(a, b).corrupted());
    }

    @Test
    void datagramsLongerThanTheMtuAreDropped() {
        SimNetwork net = network(1, LinkConfig.perfect().withMtu(LinkConfig.ETHERNET_UDP_PAYLOAD));
        a.send(b.address(), ToyHost.numbered(0, 1472));
        a.send(b.address(), ToyHost.numbered(1, 1473));
        a.send(b.address(), ToyHost.numbered(2, 1200));
        drain(net);
        assertArrayEquals(new long[] {0, 2}, b.receivedNumbers());
        assertEquals(1, net.stats(a, b).droppedMtu());
        assertEquals(1, net.stats(a, b).dropped());
    }

    @Test
    void reorderingDelaysChosenDatagramsPastLaterOnes() {
        SimNetwork net = network(5, LinkConfig.delayed(MS).withReordering(0.25, 5 * MS));
        long t0 = net.now();
        a.sendNumbered(b.address(), 400, 100);
        drain(net);
        long[] order = b.receivedNumbers();
        assertEquals(400, order.length);
        assertArrayEquals(LongStream.range(0, 400).toArray(), Arrays.stream(order).sorted().toArray());
        long[] late = b.received().stream().filter(r -> r.time() == t0 + 6 * MS).mapToLong(ToyHost.Received::number)
                .toArray();
        long onTime = b.received().stream().filter(r -> r.time() == t0 + MS).count();
        assertEquals(net.stats(a, b).reordered(), late.length);
        assertEquals(400, late.length + onTime);
        assertTrue(late.length > 60 && late.length < 140, "reordered " + late.length);
        // Not in send order, and each group keeps its own order.
        assertNotEquals(Arrays.toString(LongStream.range(0, 400).toArray()), Arrays.toString(order));
        assertArrayEquals(Arrays.stream(late).sorted().toArray(), late);
    }

    @Test
    void duplicationDeliversAnIdenticalCopyAfterTheFirst() {
        SimNetwork net = network(11, LinkConfig.delayed(2 * MS).withDuplication(1.0));
        long t0 = net.now();
        a.sendNumbered(b.address(), 50, 300);
        drain(net);
        assertEquals(100, b.received().size());
        assertEquals(50, net.stats(a, b).duplicated());
        assertEquals(100, net.stats(a, b).datagramsDelivered());
        for (long n = 0; n < 50; n++) {
            long number = n;
            List<ToyHost.Received> copies = b.received().stream().filter(r -> r.number() == number).toList();
            assertEquals(2, copies.size());
            assertEquals(t0 + 2 * MS, copies.get(0).time());
            long gap = copies.get(1).time() - copies.get(0).time();
            assertTrue(gap >= 1 && gap <= 2 * MS + 1, "gap " + gap);
            assertArrayEquals(copies.get(0).data(), copies.get(1).data());
            assertArrayEquals(ToyHost.numbered(n, 300), copies.get(1).data());
        }
    }

    @Test
    void corruptionFlipsExactlyOneBit() {
        SimNetwork net = network(13, LinkConfig.perfect().withCorruption(1.0));
        a.sendNumbered(b.address(), 300, 40);
        drain(net);
        assertEquals(300, net.stats(a, b).corrupted());
        TreeSet<Integer> positions = new TreeSet<>();
        int index = 0;
        for (ToyHost.Received r : b.received()) {
            byte[] original = ToyHost.numbered(index++, 40);
            int flipped = 0;
            for (int i = 0; i < 40; i++) {
                int diff = (original[i] ^ r.data()[i]) & 0xFF;
                flipped += Integer.bitCount(diff);
                if (diff != 0) {
                    positions.add(i * 8 + Integer.numberOfTrailingZeros(diff));
                }
            }
            assertEquals(1, flipped);
        }
        // The flipped bit is spread over the whole datagram.
        assertTrue(positions.first() < 32 && positions.last() >= 320 - 32, positions.toString());
    }

    @Test
    void aCorruptedDatagramsDuplicateIsClean() {
        SimNetwork net = network(17, LinkConfig.delayed(MS).withCorruption(1.0).withDuplication(1.0));
        a.sendNumbered(b.address(), 1, 64);
        drain(net);
        assertEquals(2, b.received().size());
        assertNotEquals(Arrays.toString(ToyHost.numbered(0, 64)), Arrays.toString(b.received().get(0).data()));
        assertArrayEquals(ToyHost.numbered(0, 64), b.received().get(1).data());
    }

    @Test
    void countersBalanceUnderEveryImpairment() {
        SimNetwork net = network(23, LinkConfig.hostile());
        List<Integer> sizes = new ArrayList<>();
        // Bursts of 100 datagrams (about 75 KB) every 100 ms: the 64 KB queue overflows in each burst but
        // drains between them.
        long t0 = net.now();
        for (int burst = 0; burst < 20; burst++) {
            a.wakeAt(t0 + burst * 100 * MS);
        }
        a.onWake(now -> {
            for (int i = 0; i < 100; i++) {
                int size = 8 + (sizes.size() * 37) % 1500;
                sizes.add(size);
                a.sendNumbered(b.address(), 1, size);
            }
        });
        drain(net);
        LinkStats s = net.stats(a, b);
        assertEquals(2000, s.datagramsSent());
        assertEquals(sizes.stream().mapToLong(Integer::longValue).sum(), s.bytesSent());
        assertEquals(s.datagramsSent() - s.dropped() + s.duplicated(), s.datagramsDelivered());
        assertEquals(b.received().size(), s.datagramsDelivered());
        assertEquals(b.received().stream().mapToLong(r -> r.data().length).sum(), s.bytesDelivered());
        assertTrue(s.droppedLoss() > 0 && s.droppedQueue() > 0 && s.droppedMtu() > 0 && s.duplicated() > 0
                && s.corrupted() > 0 && s.reordered() > 0, s.toString());
        assertEquals(0, net.inFlight());
    }

    private static List<Long> times(ToyHost host) {
        return host.received().stream().map(ToyHost.Received::time).toList();
    }
}
