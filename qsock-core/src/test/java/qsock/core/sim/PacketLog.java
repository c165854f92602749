package qsock.core.sim;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link SimTrace} that keeps the last {@code capacity} events in a ring, for the failure message of a
 * {@link SimulationFailure} and for comparing runs. Storing an event allocates nothing.
 */
public final class PacketLog implements SimTrace {

    private final long[] times;
    private final long[] ids;
    private final InetSocketAddress[] froms;
    private final InetSocketAddress[] tos;
    private final int[] lengths;
    private final Fate[] fates;
    private long count;

    /** Creates a log that keeps the last {@code capacity} events. */
    public PacketLog(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        times = new long[capacity];
        ids = new long[capacity];
        froms = new InetSocketAddress[capacity];
        tos = new InetSocketAddress[capacity];
        lengths = new int[capacity];
        fates = new Fate[capacity];
    }

    @Override
    public void record(long time, long id, InetSocketAddress from, InetSocketAddress to, int length, Fate fate) {
        int i = (int) (count % times.length);
        times[i] = time;
        ids[i] = id;
        froms[i] = from;
        tos[i] = to;
        lengths[i] = length;
        fates[i] = fate;
        count++;
    }

    /** {@return how many events were recorded, including those the ring has overwritten} */
    public long count() {
        return count;
    }

    /** {@return the kept events, oldest first, one line each: time, id, from, to, length, fate} */
    public List<String> lines() {
        int kept = (int) Math.min(count, times.length);
        List<String> out = new ArrayList<>(kept);
        for (long n = count - kept; n < count; n++) {
            int i = (int) (n % times.length);
            out.add(times[i] + " #" + ids[i] + " " + froms[i] + " -> " + tos[i] + " " + lengths[i] + " B "
                    + fates[i]);
        }
        return out;
    }

    @Override
    public String failureContext() {
        List<String> lines = lines();
        StringBuilder sb = new StringBuilder();
        sb.append("last ").append(lines.size()).append(" of ").append(count).append(" packet events:");
        for (String line : lines) {
            sb.append("\n  ").append(line);
        }
        return sb.toString();
    }
}
