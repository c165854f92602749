package qsock.core.sim;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.LongConsumer;
import qsock.core.packet.Ecn;

/**
 * A scriptable {@link SimHost} for testing the simulator and for tests that need a plain peer: it sends what
 * it is told to (numbered datagrams carry their number in the first 8 bytes, big-endian), records what it
 * receives with the time, and fires the wake-ups it is given.
 */
public final class ToyHost implements SimHost {

    /** A datagram this host received. */
    public record Received(long time, InetSocketAddress from, byte[] data) {

        /** {@return the number a numbered datagram carries in its first 8 bytes} */
        public long number() {
            return ByteBuffer.wrap(data).getLong(0);
        }
    }

    private record Outgoing(InetSocketAddress to, byte[] data) {}

    private final InetSocketAddress address;
    private final ArrayDeque<Outgoing> outgoing = new ArrayDeque<>();
    private final List<Received> received = new ArrayList<>();
    // Ordered by subtraction, like the simulator, so wake-ups across a wrap of the clock stay in order.
    private final PriorityQueue<Long> wakeAt = new PriorityQueue<>((a, b) -> Long.signum(a - b));
    private final List<Long> wakeups = new ArrayList<>();
    private LongConsumer onWake = now -> {};
    private long nextNumber;
    /** The codepoint what this host sends leaves with, and those of what it received, in order. */
    private Ecn sendEcn = Ecn.NOT_ECT;
    private final List<Ecn> receivedEcn = new ArrayList<>();

    /** Creates a host at {@code address}. */
    public ToyHost(InetSocketAddress address) {
        this.address = address;
    }

    /** Creates a host at the IPv4 literal {@code ip} and {@code port} (no name lookup). */
    public ToyHost(String ip, int port) {
        this(new InetSocketAddress(ip, port));
    }

    /** Queues a copy of {@code data} for {@code to}; it leaves at the next poll. */
    public void send(InetSocketAddress to, byte[] data) {
        outgoing.addLast(new Outgoing(to, data.clone()));
    }

    /**
     * Queues {@code count} datagrams of {@code size} bytes (at least 8) for {@code to}, numbered on from the
     * last numbered datagram this host queued, starting at 0, and filled after the number with bytes derived
     * from it.
     */
    public void sendNumbered(InetSocketAddress to, int count, int size) {
        if (size < Long.BYTES) {
            throw new IllegalArgumentException("a numbered datagram needs 8 bytes: " + size);
        }
        for (int i = 0; i < count; i++) {
            outgoing.addLast(new Outgoing(to, numbered(nextNumber++, size)));
        }
    }

    /** {@return the datagram {@link #sendNumbered} makes for number {@code n} and {@code size}} */
    public static byte[] numbered(long n, int size) {
        byte[] data = new byte[size];
        ByteBuffer.wrap(data).putLong(0, n);
        for (int j = Long.BYTES; j < size; j++) {
            data[j] = (byte) (n * 31 + j);
        }
        return data;
    }

    /** Asks to be woken at virtual time {@code time}. */
    public void wakeAt(long time) {
        wakeAt.add(time);
    }

    /** Sets what runs on each wake-up, after it is recorded (it may queue datagrams or more wake-ups). */
    public void onWake(LongConsumer action) {
        onWake = action;
    }

    /** {@return the datagrams received so far, in order} */
    public List<Received> received() {
        return received;
    }

    /** {@return the numbers of the datagrams received so far, in order} */
    public long[] receivedNumbers() {
        return received.stream().mapToLong(Received::number).toArray();
    }

    /** {@return the virtual times at which this host was woken} */
    public List<Long> wakeups() {
        return wakeups;
    }

    /** {@return how many datagrams are queued but not yet polled} */
    public int pending() {
        return outgoing.size();
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void receive(InetSocketAddress from, ByteBuffer datagram, long now) {
        byte[] data = new byte[datagram.remaining()];
        datagram.get(data);
        received.add(new Received(now, from, data));
    }

    @Override
    public void receive(InetSocketAddress from, ByteBuffer datagram, Ecn ecn, long now) {
        receivedEcn.add(ecn);
        receive(from, datagram, now);
    }

    /** Marks what this host sends from now on with {@code ecn}. */
    public void sendEcn(Ecn ecn) {
        sendEcn = ecn;
    }

    /** {@return the ECN codepoints of the datagrams this host received, in order} */
    public List<Ecn> receivedEcn() {
        return receivedEcn;
    }

    @Override
    public Ecn lastEcn() {
        return sendEcn;
    }

    @Override
    public InetSocketAddress poll(ByteBuffer out, long now) {
        Outgoing o = outgoing.pollFirst();
        if (o == null) {
            return null;
        }
        out.put(o.data());
        return o.to();
    }

    @Override
    public long nextDeadline() {
        Long next = wakeAt.peek();
        return next == null ? Long.MAX_VALUE : next;
    }

    @Override
    public void onDeadline(long now) {
        // Fire every wake-up due by now, as a connection fires all its expired timers; wake-ups the actions
        // add wait for the next call, so an action that asks to be woken now again cannot loop here.
        int due = 0;
        while (!wakeAt.isEmpty() && wakeAt.peek() - now <= 0) {
            wakeAt.poll();
            due++;
        }
        for (int i = 0; i < due; i++) {
            wakeups.add(now);
            onWake.accept(now);
        }
    }

    @Override
    public String toString() {
        return "ToyHost" + address + " received " + received.size() + ", pending " + outgoing.size() + ", wake at "
                + Arrays.toString(wakeAt.toArray());
    }
}
