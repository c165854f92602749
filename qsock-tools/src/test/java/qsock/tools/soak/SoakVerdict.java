package qsock.tools.soak;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Whether a process leaked over a soak, from its samples taken under steady load (after the warm-up) and one taken
 * after the load ended and its connections drained. Under steady load a process that holds nothing per finished
 * connection keeps the same heap after a full collection, give or take what is live at that moment; so the median of
 * the last third of the samples is compared with the median of the first third, and the drained sample with the
 * same: a growth past {@link #HEAP_SLACK} and past a quarter of the first third's heap is a leak. Threads are held to
 * {@link #THREAD_SLACK} more than the first third had (the JMX connection's own threads come and go).
 */
final class SoakVerdict {

    /** Heap growth below this is noise of what is live at a sample (a handful of 4 MiB transfers in flight). */
    static final long HEAP_SLACK = 32L << 20;
    static final int THREAD_SLACK = 8;
    /** Fewer samples than this say nothing of a trend. */
    static final int MIN_SAMPLES = 6;

    /** A process at one moment: heap used after a full collection, and its platform threads. */
    record Point(long heapAfterGc, int threads) {}

    private SoakVerdict() {}

    /** {@return why {@code who} leaked, empty if it did not} */
    static List<String> leaks(String who, List<Point> loaded, Point drained) {
        List<String> found = new ArrayList<>();
        if (loaded.size() < MIN_SAMPLES) {
            found.add(who + ": " + loaded.size() + " samples under load, fewer than the " + MIN_SAMPLES
                    + " a trend needs (run longer or sample more often)");
            return found;
        }
        int third = loaded.size() / 3;
        List<Point> first = loaded.subList(0, third);
        List<Point> last = loaded.subList(loaded.size() - third, loaded.size());
        long early = median(first.stream().mapToLong(Point::heapAfterGc).toArray());
        long late = median(last.stream().mapToLong(Point::heapAfterGc).toArray());
        long allowed = Math.max(HEAP_SLACK, early / 4);
        if (late - early > allowed) {
            found.add(String.format("%s: heap after GC grew under steady load from %.1f MiB (first third's median) "
                    + "to %.1f MiB (last third's), more than the %.1f MiB allowed", who, mib(early), mib(late),
                    mib(allowed)));
        }
        if (drained.heapAfterGc() - early > allowed) {
            found.add(String.format("%s: heap after GC is %.1f MiB with every connection gone, against %.1f MiB "
                    + "under load (first third's median): more than the %.1f MiB allowed", who,
                    mib(drained.heapAfterGc()), mib(early), mib(allowed)));
        }
        long earlyThreads = median(first.stream().mapToLong(Point::threads).toArray());
        long lateThreads = median(last.stream().mapToLong(Point::threads).toArray());
        if (lateThreads - earlyThreads > THREAD_SLACK) {
            found.add(who + ": platform threads grew under steady load from " + earlyThreads + " to " + lateThreads);
        }
        if (drained.threads() - earlyThreads > THREAD_SLACK) {
            found.add(who + ": " + drained.threads() + " platform threads with every connection gone, against "
                    + earlyThreads + " under load");
        }
        return found;
    }

    static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
