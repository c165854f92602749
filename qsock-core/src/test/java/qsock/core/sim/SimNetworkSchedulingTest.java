package qsock.core.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class SimNetworkSchedulingTest {

    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000_000_000L;

    private final ToyHost a = new ToyHost("10.0.0.1", 4433);
    private final ToyHost b = new ToyHost("10.0.0.2", 4433);

    private SimNetwork pair(long seed, LinkConfig both) {
        SimNetwork net = new SimNetwork(seed);
        net.add(a);
        net.add(b);
        net.link(a, b, both);
        return net;
    }

    // --- determinism ---

    /** Runs a two-way exchange over hostile links and returns its packet log. */
    private static List<String> hostileRun(long seed) {
        ToyHost x = new ToyHost("10.0.0.1", 1);
        ToyHost y = new ToyHost("10.0.0.2", 2);
        SimNetwork net = new SimNetwork(seed);
        PacketLog log = new PacketLog(100_000);
        net.trace(log);
        net.add(x);
        net.add(y);
        net.link(x, y, LinkConfig.hostile(), LinkConfig.hostile().withDelay(5 * MS, MS));
        x.sendNumbered(y.address(), 300, 1200);
        y.sendNumbered(x.address(), 100, 1500);
        // Echo every received datagram once more, so later traffic depends on earlier fates.
        x.wakeAt(net.now() + 50 * MS);
        x.onWake(now -> x.sendNumbered(y.address(), y.received().size(), 100));
        net.runUntilIdle(60 * SECOND, 1_000_000);
        List<String> lines = new ArrayList<>(log.lines());
        lines.add("x received " + Arrays.toString(x.receivedNumbers()));
        lines.add("y received " + Arrays.toString(y.receivedNumbers()));
        return lines;
    }

    @Test
    void theSameSeedGivesTheSameTrace() {
        List<String> first = hostileRun(2024);
        assertTrue(first.size() > 400, "only " + first.size() + " lines");
        assertEquals(first, hostileRun(2024));
    }

    @Test
    void aDifferentSeedGivesADifferentTrace() {
        assertNotEquals(hostileRun(2024), hostileRun(2025));
    }

    @Test
    void trafficOneWayDoesNotChangeTheFatesTheOtherWay() {
        long[] alone = backwardsSurvivors(false);
        long[] withForwardTraffic = backwardsSurvivors(true);
        assertArrayEquals(alone, withForwardTraffic);
    }

    private static long[] backwardsSurvivors(boolean forwardTraffic) {
        ToyHost x = new ToyHost("10.0.0.1", 1);
        ToyHost y = new ToyHost("10.0.0.2", 2);
        SimNetwork net = new SimNetwork(77);
        net.add(x);
        net.add(y);
        net.link(x, y, LinkConfig.lossy(0.3), LinkConfig.lossy(0.3).withReordering(0.2, MS));
        if (forwardTraffic) {
            x.sendNumbered(y.address(), 500, 100);
        }
        y.sendNumbered(x.address(), 500, 100);
        net.runUntilIdle(SECOND, 100_000);
        return x.receivedNumbers();
    }

    @Test
    void aLinksFatesDoNotDependOnTheOrderLinksWereMade() {
        assertArrayEquals(survivorsWithLinkOrder(false), survivorsWithLinkOrder(true));
    }

    private static long[] survivorsWithLinkOrder(boolean otherLinkFirst) {
        ToyHost x = new ToyHost("10.0.0.1", 1);
        ToyHost y = new ToyHost("10.0.0.2", 2);
        ToyHost z = new ToyHost("10.0.0.3", 3);
        SimNetwork net = new SimNetwork(5);
        net.add(x);
        net.add(y);
        net.add(z);
        if (otherLinkFirst) {
            net.link(x, z, LinkConfig.lossy(0.5));
        }
        net.link(x, y, LinkConfig.lossy(0.5));
        if (!otherLinkFirst) {
            net.link(x, z, LinkConfig.lossy(0.5));
        }
        x.sendNumbered(y.address(), 200, 50);
        net.runUntilIdle(SECOND, 1000);
        return y.receivedNumbers();
    }

    @Test
    void hostRandomnessIsDerivedFromTheSeed() {
        RandomGenerator r1 = new SimNetwork(9).random(1);
        RandomGenerator r2 = new SimNetwork(9).random(1);
        RandomGenerator other = new SimNetwork(9).random(2);
        RandomGenerator otherSeed = new SimNetwork(10).random(1);
        long v = r1.nextLong();
        assertEquals(v, r2.nextLong());
        assertNotEquals(v, other.nextLong());
        assertNotEquals(v, otherSeed.nextLong());
    }

    // --- time, deadlines and ordering ---

    @Test
    void virtualTimeStartsAtANonZeroEpoch() {
        SimNetwork net = new SimNetwork(1);
        assertEquals(SimNetwork.EPOCH_NANOS, net.now());
        assertTrue(net.now() > 0);
    }

    @Test
    void deadlinesFireAtTheirVirtualTime() {
        SimNetwork net = pair(1, LinkConfig.perfect());
        long t0 = net.now();
        a.wakeAt(t0 + 7 * MS);
        a.wakeAt(t0 + 5 * MS);
        b.wakeAt(t0 + 6 * MS);
        long steps = net.runUntil(() -> a.wakeups().size() == 2, SECOND, 100);
        assertEquals(List.of(t0 + 5 * MS, t0 + 7 * MS), a.wakeups());
        assertEquals(List.of(t0 + 6 * MS), b.wakeups());
        assertEquals(t0 + 7 * MS, net.now());
        assertEquals(3, steps);
    }

    @Test
    void aDeadlineInThePastFiresAtOnceWithoutTurningTheClockBack() {
        SimNetwork net = pair(1, LinkConfig.perfect());
        long t0 = net.now();
        a.wakeAt(t0 - 3 * MS);
        net.runUntil(() -> !a.wakeups().isEmpty(), SECOND, 10);
        assertEquals(List.of(t0), a.wakeups());
        assertEquals(t0, net.now());
    }

    @Test
    void aDatagramSentFromADeadlineLeavesAtThatTime() {
        SimNetwork net = pair(1, LinkConfig.delayed(3 * MS));
        long t0 = net.now();
        a.wakeAt(t0 + 10 * MS);
        a.onWake(now -> a.sendNumbered(b.address(), 1, 20));
        net.runUntil(() -> !b.received().isEmpty(), SECOND, 100);
        assertEquals(t0 + 13 * MS, b.received().get(0).time());
    }

    @Test
    void simultaneousDeliveriesKeepSendOrderAndPrecedeDeadlines() {
        SimNetwork net = pair(1, LinkConfig.delayed(2 * MS));
        long t0 = net.now();
        List<String> events = new ArrayList<>();
        // b records whether it had received anything when its deadline at the same instant fired.
        b.wakeAt(t0 + 2 * MS);
        b.onWake(now -> events.add("wake after " + b.received().size() + " datagrams"));
        a.sendNumbered(b.address(), 5, 20);
        net.runUntilIdle(SECOND, 100);
        assertArrayEquals(new long[] {0, 1, 2, 3, 4}, b.receivedNumbers());
        assertEquals(List.of("wake after 5 datagrams"), events);
    }

    @Test
    void timeComparisonsSurviveTheClockWrapping() {
        long epoch = Long.MAX_VALUE - 5 * MS;
        SimNetwork net = new SimNetwork(1, epoch);
        net.add(a);
        net.add(b);
        net.link(a, b, LinkConfig.delayed(4 * MS).withBandwidth(8_000_000L, 0));
        a.sendNumbered(b.address(), 3, 1000);
        a.wakeAt(epoch + 20 * MS);
        net.runUntil(() -> !a.wakeups().isEmpty(), SECOND, 100);
        assertEquals(List.of(epoch + 5 * MS, epoch + 6 * MS, epoch + 7 * MS),
                b.received().stream().map(ToyHost.Received::time).toList());
        assertTrue(b.received().get(2).time() < 0, "the clock wrapped");
        assertEquals(List.of(epoch + 20 * MS), a.wakeups());
    }

    @Test
    void runForStopsAtItsTargetAndLeavesLaterEventsPending() {
        SimNetwork net = pair(1, LinkConfig.delayed(10 * MS));
        long t0 = net.now();
        a.sendNumbered(b.address(), 1, 20);
        net.runFor(4 * MS, 100);
        assertEquals(t0 + 4 * MS, net.now());
        assertEquals(1, net.inFlight());
        assertTrue(b.received().isEmpty());
        net.runFor(6 * MS, 100);
        assertEquals(1, b.received().size());
        assertEquals(t0 + 10 * MS, b.received().get(0).time());
        // With nothing left, time still advances to the target.
        net.runFor(SECOND, 100);
        assertEquals(t0 + 10 * MS + SECOND, net.now());
    }

    @Test
    void aHostWithMoreThanAStepsWorthOfDatagramsSendsThemAllAtTheSameInstant() {
        SimNetwork net = pair(1, LinkConfig.perfect()).maxPollsPerStep(3);
        long t0 = net.now();
        a.sendNumbered(b.address(), 10, 20);
        long steps = net.runUntil(() -> b.received().size() == 10, SECOND, 100);
        assertEquals(4, steps);
        assertTrue(b.received().stream().allMatch(r -> r.time() == t0));
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, b.receivedNumbers());
    }

    // --- caps and failures ---

    @Test
    void theStepCapFailsNamingTheSeedTimeAndSteps() {
        SimNetwork net = pair(1234, LinkConfig.perfect());
        long t0 = net.now();
        // A host whose deadline never moves: it would spin forever at one instant.
        a.wakeAt(t0 + MS);
        a.onWake(now -> a.wakeAt(now));
        SimulationFailure f = assertThrows(SimulationFailure.class, () -> net.runUntil(() -> false, SECOND, 50));
        assertEquals(1234, f.seed());
        assertEquals(50, f.steps());
        assertEquals(t0 + MS, f.virtualTime());
        assertTrue(f.getMessage().contains("seed 1234"), f.getMessage());
        assertTrue(f.getMessage().contains("step cap of 50"), f.getMessage());
        assertTrue(f.getMessage().contains("after 50 steps"), f.getMessage());
        assertTrue(f.getMessage().contains("virtual time " + (t0 + MS)), f.getMessage());
        assertInstanceOf(AssertionError.class, f);
    }

    @Test
    void theVirtualTimeCapFailsWithoutPassingTheCap() {
        SimNetwork net = pair(8, LinkConfig.perfect());
        long t0 = net.now();
        a.wakeAt(t0 + SECOND);
        a.onWake(now -> a.wakeAt(now + SECOND));
        SimulationFailure f = assertThrows(SimulationFailure.class,
                () -> net.runUntil(() -> false, 10 * SECOND, 1000));
        assertTrue(f.getMessage().contains("virtual time cap"), f.getMessage());
        assertEquals(t0 + 10 * SECOND, net.now());
        assertEquals(10, a.wakeups().size());
    }

    @Test
    void runningOutOfEventsBeforeTheConditionFails() {
        SimNetwork net = pair(3, LinkConfig.lossy(1.0));
        a.sendNumbered(b.address(), 1, 20);
        SimulationFailure f = assertThrows(SimulationFailure.class,
                () -> net.runUntil(() -> !b.received().isEmpty(), SECOND, 100));
        assertTrue(f.getMessage().contains("nothing left to happen"), f.getMessage());
        assertTrue(f.getMessage().contains("dropped loss/queue/mtu 1/0/0"), f.getMessage());
    }

    @Test
    void aFailureCarriesThePacketLog() {
        SimNetwork net = pair(3, LinkConfig.lossy(1.0));
        net.trace(new PacketLog(4));
        a.sendNumbered(b.address(), 10, 20);
        SimulationFailure f = assertThrows(SimulationFailure.class,
                () -> net.runUntil(() -> !b.received().isEmpty(), SECOND, 100));
        assertTrue(f.getMessage().contains("last 4 of 10 packet events:"), f.getMessage());
        assertTrue(f.getMessage().contains("#9 /10.0.0.1:4433 -> /10.0.0.2:4433 20 B DROPPED_LOSS"), f.getMessage());
    }

    @Test
    void aHostThatThrowsFailsTheRunNamingTheSeed() {
        IllegalStateException bug = new IllegalStateException("connection bug");
        SimHost faulty = new ReceiveHook(new ToyHost("10.0.0.9", 9), (from, datagram, now) -> {
            throw bug;
        });
        SimNetwork net = new SimNetwork(31);
        net.add(a);
        net.add(faulty);
        net.link(a, faulty, LinkConfig.perfect());
        a.sendNumbered(faulty.address(), 1, 20);
        SimulationFailure f = assertThrows(SimulationFailure.class, () -> net.runUntilIdle(SECOND, 100));
        assertSame(bug, f.getCause());
        assertTrue(f.getMessage().contains("seed 31"), f.getMessage());
        assertTrue(f.getMessage().contains("/10.0.0.9:9 threw from receive"), f.getMessage());
    }

    // --- routing, tracing and buffers ---

    @Test
    void aDatagramWithNoLinkToItsDestinationIsUnroutable() {
        SimNetwork net = pair(1, LinkConfig.perfect());
        PacketLog log = new PacketLog(10);
        net.trace(log);
        a.sendNumbered(new InetSocketAddress("10.0.0.77", 1), 1, 20);
        a.sendNumbered(b.address(), 1, 20);
        net.runUntilIdle(SECOND, 100);
        assertEquals(1, net.unroutable());
        assertEquals(1, net.stats(a, b).datagramsSent());
        assertTrue(log.lines().get(0).endsWith("UNROUTABLE"), log.lines().toString());
    }

    @Test
    void theTraceSeesEachFateInOrder() {
        SimNetwork net = pair(1, LinkConfig.delayed(MS).withReordering(1.0, MS).withCorruption(1.0)
                .withDuplication(1.0));
        PacketLog log = new PacketLog(16);
        net.trace(log);
        long t0 = net.now();
        a.sendNumbered(b.address(), 1, 20);
        net.runUntilIdle(SECOND, 100);
        String from = "/10.0.0.1:4433 -> /10.0.0.2:4433 20 B ";
        List<String> lines = log.lines();
        assertEquals(List.of(t0 + " #0 " + from + "SENT", t0 + " #0 " + from + "REORDERED",
                t0 + " #0 " + from + "CORRUPTED", t0 + " #0 " + from + "DUPLICATED",
                (t0 + 2 * MS) + " #0 " + from + "DELIVERED"), lines.subList(0, 5));
        assertEquals(6, lines.size());
        assertTrue(lines.get(5).endsWith("#0 " + from + "DELIVERED"));
    }

    @Test
    void aDeliveredBufferIsPoisonedOnceReceiveReturns() {
        List<ByteBuffer> kept = new ArrayList<>();
        ToyHost inner = new ToyHost("10.0.0.5", 5);
        SimHost keeper = new ReceiveHook(inner, (from, datagram, now) -> {
            kept.add(datagram);
            inner.receive(from, datagram.duplicate(), now);
        });
        SimNetwork net = new SimNetwork(1);
        net.add(a);
        net.add(keeper);
        net.link(a, keeper, LinkConfig.perfect());
        a.sendNumbered(keeper.address(), 1, 32);
        net.runUntilIdle(SECOND, 100);
        assertArrayEquals(ToyHost.numbered(0, 32), inner.received().get(0).data());
        ByteBuffer stale = kept.get(0);
        for (int i = 0; i < 32; i++) {
            assertEquals((byte) 0xA5, stale.get(i));
        }
    }

    @Test
    void misuseIsRejected() {
        SimNetwork net = pair(1, LinkConfig.perfect());
        ToyHost stranger = new ToyHost("10.0.0.3", 3);
        assertThrows(IllegalArgumentException.class, () -> net.add(new ToyHost("10.0.0.1", 4433)));
        assertThrows(IllegalArgumentException.class, () -> net.link(a, b, LinkConfig.perfect()));
        assertThrows(IllegalArgumentException.class, () -> net.link(a, stranger, LinkConfig.perfect()));
        assertThrows(IllegalArgumentException.class, () -> net.link(a, a, LinkConfig.perfect()));
        assertThrows(IllegalArgumentException.class, () -> net.stats(a, stranger));
        assertThrows(IllegalArgumentException.class, () -> net.maxPollsPerStep(0));
        assertThrows(IllegalArgumentException.class, () -> net.runUntil(() -> true, -1, 1));
    }

    @Test
    void reconfiguringALinkAffectsLaterDatagrams() {
        SimNetwork net = pair(1, LinkConfig.perfect());
        a.sendNumbered(b.address(), 3, 20);
        net.runUntilIdle(SECOND, 100);
        net.configure(a, b, LinkConfig.lossy(1.0));
        assertEquals(LinkConfig.lossy(1.0), net.config(a, b));
        a.sendNumbered(b.address(), 3, 20);
        net.runUntilIdle(SECOND, 100);
        assertArrayEquals(new long[] {0, 1, 2}, b.receivedNumbers());
        assertEquals(3, net.stats(a, b).droppedLoss());
        assertEquals(LinkConfig.perfect(), net.config(b, a));
    }

    /** A host that behaves as {@code inner} except that {@code onReceive} handles deliveries. */
    private record ReceiveHook(ToyHost inner, Receiver onReceive) implements SimHost {

        interface Receiver {
            void receive(InetSocketAddress from, ByteBuffer datagram, long now);
        }

        @Override
        public InetSocketAddress address() {
            return inner.address();
        }

        @Override
        public void receive(InetSocketAddress from, ByteBuffer datagram, long now) {
            onReceive.receive(from, datagram, now);
        }

        @Override
        public InetSocketAddress poll(ByteBuffer out, long now) {
            return inner.poll(out, now);
        }

        @Override
        public long nextDeadline() {
            return inner.nextDeadline();
        }

        @Override
        public void onDeadline(long now) {
            inner.onDeadline(now);
        }
    }
}
