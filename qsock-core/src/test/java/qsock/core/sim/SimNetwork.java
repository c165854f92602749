package qsock.core.sim;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import qsock.core.packet.Ecn;

/**
 * A deterministic network of {@link SimHost}s in virtual time: one thread, no clock, every random choice
 * drawn from generators derived from one seed, so a seed replays a run exactly.
 *
 * <p>Each step first drains every host's {@link SimHost#poll} (at most {@link #maxPollsPerStep()} datagrams a
 * host), deciding each datagram's fate as it is sent; then it advances virtual time to the earliest pending
 * delivery or host deadline, delivers every datagram due by then (in order of delivery time, then send order),
 * and calls {@link SimHost#onDeadline} on each host whose deadline has come, in the order the hosts were
 * added. Deliveries go first so a timer that a datagram would cancel does not fire at the same instant.
 *
 * <p>Each direction of each link has its own generator, seeded from the network's seed and the two addresses,
 * and draws the same number of values for every datagram whatever its fate: traffic one way never changes the
 * fates the other way, links set up in another order keep their fates, and changing one impairment of a link
 * (say, adding delay) leaves the others' pattern (say, which datagrams are lost) unchanged.
 *
 * <p>Times are compared by subtraction, so an epoch near {@code Long.MAX_VALUE} works; the default epoch is
 * {@link #EPOCH_NANOS}, non-zero so code that subtracts times is exercised.
 */
public final class SimNetwork {

    /** The virtual time at which a network built without an epoch starts. */
    public static final long EPOCH_NANOS = 1_000_000_000L;

    /** How many datagrams a host may send in one step unless {@link #maxPollsPerStep(int)} says otherwise. */
    public static final int DEFAULT_MAX_POLLS_PER_STEP = 4096;

    private static final String RANDOM_ALGORITHM = "L64X128MixRandom";
    private static final int OUT_CAPACITY = 65_536;
    private static final int POOLED_CAPACITY = 2048;
    // Written over a released buffer so a host that kept a reference to it sees garbage, not plausible data.
    private static final byte POISON = (byte) 0xA5;
    private static final long LINK_DOMAIN = 0x6C69_6E6BL;
    private static final long HOST_DOMAIN = 0x686F_7374L;

    private final long seed;
    private final long epoch;
    private long now;
    private final List<HostState> hosts = new ArrayList<>();
    private final Map<InetSocketAddress, HostState> byAddress = new HashMap<>();
    private final List<Direction> directions = new ArrayList<>();
    private final PriorityQueue<Event> events = new PriorityQueue<>(SimNetwork::compareEvents);
    private final ArrayDeque<Event> freeEvents = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> freeBuffers = new ArrayDeque<>();
    private final ByteBuffer out = ByteBuffer.allocate(OUT_CAPACITY);
    private long nextDatagramId;
    private long nextEventSeq;
    private long unroutable;
    private int maxPollsPerStep = DEFAULT_MAX_POLLS_PER_STEP;
    private SimTrace trace;
    private long runSteps;

    /** Creates an empty network starting at {@link #EPOCH_NANOS}. */
    public SimNetwork(long seed) {
        this(seed, EPOCH_NANOS);
    }

    /** Creates an empty network starting at virtual time {@code epochNanos}. */
    public SimNetwork(long seed, long epochNanos) {
        this.seed = seed;
        this.epoch = epochNanos;
        this.now = epochNanos;
    }

    /** {@return the seed that replays this network} */
    public long seed() {
        return seed;
    }

    /** {@return the virtual time the network started at} */
    public long epoch() {
        return epoch;
    }

    /** {@return the current virtual time in nanoseconds} */
    public long now() {
        return now;
    }

    /** {@return how many datagram copies are scheduled but not yet delivered} */
    public int inFlight() {
        return events.size();
    }

    /** {@return datagrams sent to an address no link from the sender leads to} */
    public long unroutable() {
        return unroutable;
    }

    /** {@return how many datagrams a host may send in one step} */
    public int maxPollsPerStep() {
        return maxPollsPerStep;
    }

    /** Bounds how many datagrams a host may send in one step; a host that has more sends them in later steps. */
    public SimNetwork maxPollsPerStep(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxPollsPerStep must be positive: " + max);
        }
        maxPollsPerStep = max;
        return this;
    }

    /** Sets the hook that sees every datagram event (null for none); its failure context joins failure messages. */
    public SimNetwork trace(SimTrace hook) {
        trace = hook;
        return this;
    }

    /**
     * {@return a new generator seeded from this network's seed and {@code stream}}, for hosts' own randomness
     * (connection IDs, TLS) so that one seed replays them too. Equal streams give equal sequences.
     */
    public RandomGenerator random(long stream) {
        return RandomGeneratorFactory.of(RANDOM_ALGORITHM).create(derive(seed, HOST_DOMAIN, stream));
    }

    /** Adds a host; its address must be unique on this network. */
    public void add(SimHost host) {
        InetSocketAddress address = host.address();
        if (address == null) {
            throw new IllegalArgumentException("host has no address: " + host);
        }
        if (byAddress.containsKey(address)) {
            throw new IllegalArgumentException("address already on the network: " + address);
        }
        HostState state = new HostState(host, address);
        hosts.add(state);
        byAddress.put(address, state);
    }

    /** Connects two added hosts with a link whose directions behave as {@code aToB} and {@code bToA}. */
    public void link(SimHost a, SimHost b, LinkConfig aToB, LinkConfig bToA) {
        HostState sa = state(a);
        HostState sb = state(b);
        if (sa == sb) {
            throw new IllegalArgumentException("cannot link a host to itself: " + sa.address);
        }
        if (sa.links.containsKey(sb.address)) {
            throw new IllegalArgumentException("already linked: " + sa.address + " and " + sb.address);
        }
        addDirection(sa, sb, aToB);
        addDirection(sb, sa, bToA);
    }

    /** Connects two added hosts with a link that behaves as {@code both} in each direction. */
    public void link(SimHost a, SimHost b, LinkConfig both) {
        link(a, b, both, both);
    }

    /** Changes how the direction {@code from} → {@code to} treats datagrams sent from now on. */
    public void configure(SimHost from, SimHost to, LinkConfig config) {
        direction(from, to).config = requireConfig(config);
    }

    /**
     * Installs {@code filter} on the direction {@code from} → {@code to}: the datagrams it picks are dropped (counted
     * as losses), after the link's random draws; null removes it.
     */
    public void filter(SimHost from, SimHost to, DatagramFilter filter) {
        direction(from, to).filter = filter;
    }

    /**
     * Makes the direction {@code from} → {@code to} change the ECN codepoint of the datagrams sent from now on as
     * {@code link} says (a CE-marking queue, a router that bleaches or remarks the field); null carries it unchanged.
     */
    public void ecn(SimHost from, SimHost to, EcnLink link) {
        direction(from, to).ecn = link;
    }

    /** {@return how the direction {@code from} → {@code to} treats datagrams} */
    public LinkConfig config(SimHost from, SimHost to) {
        return direction(from, to).config;
    }

    /** {@return the live counters of the direction {@code from} → {@code to}} */
    public LinkStats stats(SimHost from, SimHost to) {
        return direction(from, to).stats;
    }

    /**
     * Runs steps until {@code done} holds, checking it before each step.
     *
     * @param maxVirtualNanos how far virtual time may advance in this run
     * @param maxSteps how many steps this run may take
     * @return the steps taken
     * @throws SimulationFailure if a cap is reached, nothing is left to happen before {@code done} holds, or a
     *     host throws
     */
    public long runUntil(BooleanSupplier done, long maxVirtualNanos, long maxSteps) {
        checkCaps(maxVirtualNanos, maxSteps);
        long start = now;
        runSteps = 0;
        while (!done.getAsBoolean()) {
            if (runSteps >= maxSteps) {
                throw failure("step cap of " + maxSteps + " reached before the condition held", null);
            }
            runSteps++;
            long delay = pollAndNextDelay();
            if (delay == Long.MAX_VALUE) {
                throw failure("nothing left to happen (no datagram in flight, no host deadline) before the "
                        + "condition held", null);
            }
            if (delay > maxVirtualNanos - (now - start)) {
                throw failure("virtual time cap of " + maxVirtualNanos + " ns reached before the condition held "
                        + "(next event at " + (now + delay) + ")", null);
            }
            advance(delay);
        }
        return runSteps;
    }

    /**
     * Runs steps until virtual time has advanced by {@code virtualNanos}, then leaves the clock there; events
     * due after that stay pending. Running out of events is not a failure.
     *
     * @return the steps taken
     * @throws SimulationFailure if the step cap is reached or a host throws
     */
    public long runFor(long virtualNanos, long maxSteps) {
        checkCaps(virtualNanos, maxSteps);
        long target = now + virtualNanos;
        runSteps = 0;
        while (true) {
            if (runSteps >= maxSteps) {
                throw failure("step cap of " + maxSteps + " reached before virtual time " + target, null);
            }
            runSteps++;
            long delay = pollAndNextDelay();
            if (delay > target - now) {
                now = target;
                return runSteps;
            }
            advance(delay);
        }
    }

    /**
     * Runs steps until nothing is in flight and no host has a deadline, which a quiet pair of connections
     * reaches once its idle timers are done.
     *
     * @return the steps taken
     * @throws SimulationFailure if a cap is reached or a host throws
     */
    public long runUntilIdle(long maxVirtualNanos, long maxSteps) {
        checkCaps(maxVirtualNanos, maxSteps);
        long start = now;
        runSteps = 0;
        while (true) {
            if (runSteps >= maxSteps) {
                throw failure("step cap of " + maxSteps + " reached before the network went idle", null);
            }
            runSteps++;
            long delay = pollAndNextDelay();
            if (delay == Long.MAX_VALUE) {
                return runSteps;
            }
            if (delay > maxVirtualNanos - (now - start)) {
                throw failure("virtual time cap of " + maxVirtualNanos + " ns reached before the network went idle",
                        null);
            }
            advance(delay);
        }
    }

    // --- stepping ---------------------------------------------------------------------------------------

    /** Drains the hosts' datagrams, then returns the nanoseconds to the next event, Long.MAX_VALUE for none. */
    private long pollAndNextDelay() {
        boolean saturated = false;
        for (HostState h : hosts) {
            for (int n = 0; ; n++) {
                if (n == maxPollsPerStep) {
                    saturated = true;
                    break;
                }
                out.clear();
                InetSocketAddress to;
                try {
                    to = h.host.poll(out, now);
                } catch (SimulationFailure f) {
                    throw f;
                } catch (RuntimeException | AssertionError e) {
                    throw hostFailure(h, "poll", e);
                }
                if (to == null) {
                    break;
                }
                out.flip();
                InetSocketAddress source = h.host.lastSource();
                HostState from = source == null ? h : byAddress.get(source);
                if (from == null) {
                    throw hostFailure(h, "poll", new IllegalStateException("sends from " + source
                            + ", which is not on the network"));
                }
                send(from, to, out, h.host.lastEcn());
            }
        }
        if (saturated) {
            // A host has more to send at this instant: stay here rather than let time run past it.
            return 0;
        }
        long delay = Long.MAX_VALUE;
        Event first = events.peek();
        if (first != null) {
            delay = Math.max(0, first.time - now);
        }
        for (HostState h : hosts) {
            long deadline = deadlineOf(h);
            if (deadline != Long.MAX_VALUE) {
                delay = Math.min(delay, Math.max(0, deadline - now));
            }
        }
        return delay;
    }

    private void advance(long delay) {
        now += delay;
        for (Event e = events.peek(); e != null && e.time - now <= 0; e = events.peek()) {
            events.poll();
            deliver(e);
        }
        for (HostState h : hosts) {
            long deadline = deadlineOf(h);
            if (deadline != Long.MAX_VALUE && deadline - now <= 0) {
                try {
                    h.host.onDeadline(now);
                } catch (SimulationFailure f) {
                    throw f;
                } catch (RuntimeException | AssertionError ex) {
                    throw hostFailure(h, "onDeadline", ex);
                }
            }
        }
    }

    private long deadlineOf(HostState h) {
        try {
            return h.host.nextDeadline();
        } catch (SimulationFailure f) {
            throw f;
        } catch (RuntimeException | AssertionError e) {
            throw hostFailure(h, "nextDeadline", e);
        }
    }

    /** Decides the fate of one datagram (the bytes remaining in {@code datagram}) as it leaves {@code src}. */
    private void send(HostState src, InetSocketAddress to, ByteBuffer datagram, Ecn sentEcn) {
        long id = nextDatagramId++;
        int length = datagram.remaining();
        Direction d = src.links.get(to);
        if (d == null) {
            unroutable++;
            record(now, id, src.address, to, length, Fate.UNROUTABLE);
            return;
        }
        LinkStats s = d.stats;
        s.datagramsSent++;
        s.bytesSent += length;
        if (sentEcn != Ecn.NOT_ECT) {
            s.ecnCapableSent++;
        }
        LinkConfig c = d.config;
        RandomGenerator r = d.random;
        // The same seven draws for every datagram: see the class comment.
        double lossDraw = r.nextDouble();
        double duplicateDraw = r.nextDouble();
        double reorderDraw = r.nextDouble();
        double corruptDraw = r.nextDouble();
        long jitterDraw = r.nextLong();
        long bitDraw = r.nextLong();
        long duplicateGapDraw = r.nextLong();

        if (d.filter != null && d.filter.drop(d.sentIndex++, datagram.asReadOnlyBuffer(), now)) {
            s.droppedLoss++;
            record(now, id, src.address, to, length, Fate.DROPPED_LOSS);
            return;
        }
        if (length > c.mtu()) {
            s.droppedMtu++;
            record(now, id, src.address, to, length, Fate.DROPPED_MTU);
            return;
        }
        long departure = now;
        if (c.bandwidthBitsPerSecond() > 0) {
            d.dequeueSerialized(now);
            if (c.queueLimitBytes() > 0 && d.queuedBytes + length > c.queueLimitBytes()) {
                s.droppedQueue++;
                record(now, id, src.address, to, length, Fate.DROPPED_QUEUE);
                return;
            }
            long start = d.busyUntil - now > 0 ? d.busyUntil : now;
            departure = start + c.serializationNanos(length);
            d.busyUntil = departure;
            d.enqueue(departure, length);
        }
        // What the link does to the ECN field: no draw, so the other impairments' pattern stays as it was.
        Ecn ecn = d.ecn == null ? sentEcn : d.ecn.apply(sentEcn, d.queuedBytes - length);
        if (ecn == null) {
            s.droppedLoss++;
            record(now, id, src.address, to, length, Fate.DROPPED_LOSS);
            return;
        }
        if (ecn != sentEcn) {
            s.ecnChanged++;
        }
        if (lossDraw < c.lossRate()) {
            s.droppedLoss++;
            record(now, id, src.address, to, length, Fate.DROPPED_LOSS);
            return;
        }
        record(now, id, src.address, to, length, Fate.SENT);
        long arrival = departure + c.delayNanos() + uniform(jitterDraw, c.jitterNanos());
        if (reorderDraw < c.reorderRate()) {
            arrival += c.reorderExtraDelayNanos();
            s.reordered++;
            record(now, id, src.address, to, length, Fate.REORDERED);
        }
        Event first = schedule(d, id, arrival, datagram, ecn);
        if (corruptDraw < c.corruptRate() && length > 0) {
            long bit = Math.unsignedMultiplyHigh(bitDraw, length * 8L);
            int index = (int) (bit >>> 3);
            first.data.put(index, (byte) (first.data.get(index) ^ (1 << (bit & 7))));
            s.corrupted++;
            record(now, id, src.address, to, length, Fate.CORRUPTED);
        }
        if (duplicateDraw < c.duplicateRate()) {
            schedule(d, id, arrival + 1 + uniform(duplicateGapDraw, c.delayNanos()), datagram, ecn);
            s.duplicated++;
            record(now, id, src.address, to, length, Fate.DUPLICATED);
        }
    }

    private Event schedule(Direction d, long id, long time, ByteBuffer datagram, Ecn ecn) {
        int length = datagram.remaining();
        Event e = freeEvents.pollLast();
        if (e == null) {
            e = new Event();
        }
        ByteBuffer data = freeBuffers.pollLast();
        if (data == null || data.capacity() < length) {
            data = ByteBuffer.allocate(Math.max(length, POOLED_CAPACITY));
        }
        data.clear();
        data.put(0, datagram, datagram.position(), length);
        e.time = time;
        e.seq = nextEventSeq++;
        e.direction = d;
        e.id = id;
        e.data = data;
        e.length = length;
        e.ecn = ecn;
        events.add(e);
        return e;
    }

    private void deliver(Event e) {
        Direction d = e.direction;
        d.stats.datagramsDelivered++;
        d.stats.bytesDelivered += e.length;
        record(now, e.id, d.from.address, d.to.address, e.length, Fate.DELIVERED);
        ByteBuffer data = e.data;
        data.clear().limit(e.length);
        try {
            d.to.host.receive(d.from.address, data, e.ecn, now);
        } catch (SimulationFailure f) {
            throw f;
        } catch (RuntimeException | AssertionError ex) {
            throw hostFailure(d.to, "receive", ex);
        }
        Arrays.fill(data.array(), 0, e.length, POISON);
        freeBuffers.addLast(data);
        e.data = null;
        e.direction = null;
        freeEvents.addLast(e);
    }

    private void record(long time, long id, InetSocketAddress from, InetSocketAddress to, int length, Fate fate) {
        if (trace != null) {
            trace.record(time, id, from, to, length, fate);
        }
    }

    /** {@return a value spread evenly over [0, bound] by {@code draw}, a uniformly random long} */
    private static long uniform(long draw, long bound) {
        return bound == 0 ? 0 : Math.unsignedMultiplyHigh(draw, bound + 1);
    }

    private static int compareEvents(Event a, Event b) {
        long byTime = a.time - b.time;
        if (byTime != 0) {
            return byTime < 0 ? -1 : 1;
        }
        return Long.compare(a.seq, b.seq);
    }

    // --- set-up and failures ------------------------------------------------------------------------------

    private void addDirection(HostState from, HostState to, LinkConfig config) {
        long stream = fnv1a64(from.address + ">" + to.address);
        Direction d = new Direction(from, to, requireConfig(config),
                RandomGeneratorFactory.of(RANDOM_ALGORITHM).create(derive(seed, LINK_DOMAIN, stream)), now);
        from.links.put(to.address, d);
        directions.add(d);
    }

    private HostState state(SimHost host) {
        HostState s = byAddress.get(host.address());
        if (s == null || s.host != host) {
            throw new IllegalArgumentException("host not added to this network: " + host.address());
        }
        return s;
    }

    private Direction direction(SimHost from, SimHost to) {
        Direction d = state(from).links.get(state(to).address);
        if (d == null) {
            throw new IllegalArgumentException("no link from " + from.address() + " to " + to.address());
        }
        return d;
    }

    private static LinkConfig requireConfig(LinkConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("link config must not be null");
        }
        return config;
    }

    private static void checkCaps(long maxVirtualNanos, long maxSteps) {
        if (maxVirtualNanos < 0 || maxSteps < 0) {
            throw new IllegalArgumentException("caps must not be negative: " + maxVirtualNanos + " ns, " + maxSteps
                    + " steps");
        }
    }

    private SimulationFailure hostFailure(HostState h, String call, Throwable cause) {
        return failure("host " + h.address + " threw from " + call + ": " + cause, cause);
    }

    private SimulationFailure failure(String reason, Throwable cause) {
        StringBuilder sb = new StringBuilder();
        sb.append("simulation failed with seed ").append(seed).append(" (replay with new SimNetwork(").append(seed)
                .append("L)) at virtual time ").append(now).append(" ns (").append(now - epoch)
                .append(" ns after the epoch) after ").append(runSteps).append(" steps: ").append(reason);
        sb.append("\n").append(events.size()).append(" datagrams in flight");
        for (Direction d : directions) {
            sb.append("\n  ").append(d.from.address).append(" -> ").append(d.to.address).append(": ")
                    .append(d.stats);
        }
        if (unroutable > 0) {
            sb.append("\n  unroutable: ").append(unroutable);
        }
        if (trace != null) {
            String context = trace.failureContext();
            if (!context.isEmpty()) {
                sb.append("\n").append(context);
            }
        }
        return new SimulationFailure(sb.toString(), seed, now, runSteps, cause);
    }

    /** SplitMix64's finaliser over a seed, a domain and an index: nearby inputs get unrelated seeds. */
    private static long derive(long seed, long domain, long index) {
        long z = seed ^ (domain * 0xD6E8_FEB8_6659_FD93L) ^ (index * 0x9E37_79B9_7F4A_7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    private static long fnv1a64(String s) {
        long h = 0xCBF2_9CE4_8422_2325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x0000_0100_0000_01B3L;
        }
        return h;
    }

    private static final class HostState {
        final SimHost host;
        final InetSocketAddress address;
        final Map<InetSocketAddress, Direction> links = new HashMap<>();

        HostState(SimHost host, InetSocketAddress address) {
            this.host = host;
            this.address = address;
        }
    }

    /** One direction of a link: its config, generator, counters and bottleneck queue. */
    private static final class Direction {
        final HostState from;
        final HostState to;
        LinkConfig config;
        final RandomGenerator random;
        final LinkStats stats = new LinkStats();
        DatagramFilter filter;
        EcnLink ecn;
        long sentIndex;
        long busyUntil;
        long queuedBytes;
        // FIFO of datagrams not yet serialized: when each finishes, and its length.
        private long[] finishTimes = new long[16];
        private int[] lengths = new int[16];
        private int head;
        private int size;

        Direction(HostState from, HostState to, LinkConfig config, RandomGenerator random, long now) {
            this.from = from;
            this.to = to;
            this.config = config;
            this.random = random;
            this.busyUntil = now;
        }

        void dequeueSerialized(long now) {
            while (size > 0 && finishTimes[head] - now <= 0) {
                queuedBytes -= lengths[head];
                head = (head + 1) & (finishTimes.length - 1);
                size--;
            }
        }

        void enqueue(long finish, int length) {
            if (size == finishTimes.length) {
                long[] f = new long[size * 2];
                int[] l = new int[size * 2];
                for (int i = 0; i < size; i++) {
                    f[i] = finishTimes[(head + i) & (size - 1)];
                    l[i] = lengths[(head + i) & (size - 1)];
                }
                finishTimes = f;
                lengths = l;
                head = 0;
            }
            int tail = (head + size) & (finishTimes.length - 1);
            finishTimes[tail] = finish;
            lengths[tail] = length;
            size++;
            queuedBytes += length;
        }
    }

    /** A scheduled delivery of one datagram copy; pooled. */
    private static final class Event {
        long time;
        long seq;
        Direction direction;
        long id;
        ByteBuffer data;
        int length;
        Ecn ecn;
    }
}
