package qsock.tools.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the soak's clients saw: connections by behaviour, bytes whose echo matched by hash, outcomes by kind, and the
 * failures that fail the soak (a lost or changed byte, an error the harness did not expect), with their first details.
 */
final class Ledger {
    private static final int DETAILS_KEPT = 20;

    final LongAdder bytesVerified = new LongAdder();
    final LongAdder streamsVerified = new LongAdder();
    final LongAdder resumed = new LongAdder();
    final LongAdder migrationsAsked = new LongAdder();
    final LongAdder rebindsAsked = new LongAdder();
    private final Map<Behaviour, LongAdder> started = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final List<String> details = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    void begin(Behaviour b) {
        started.computeIfAbsent(b, k -> new LongAdder()).increment();
    }

    /** Counts an outcome of {@code b}: "ok" or the kind of error it ended with. */
    void outcome(Behaviour b, String kind) {
        outcomes.computeIfAbsent(b.label() + ": " + kind, k -> new LongAdder()).increment();
    }

    /** Counts a failure of the soak itself (a lost byte, a crashed thread, an unexpected exception). */
    void failure(String kind, String detail) {
        failures.computeIfAbsent(kind, k -> new LongAdder()).increment();
        synchronized (details) {
            if (details.size() < DETAILS_KEPT) {
                details.add(kind + ": " + detail);
            }
        }
    }

    /** Keeps a detail of an outcome that does not fail the soak but asks for a look (the first 20). */
    void note(String detail) {
        synchronized (notes) {
            if (notes.size() < DETAILS_KEPT) {
                notes.add(detail);
            }
        }
    }

    List<String> notes() {
        synchronized (notes) {
            return List.copyOf(notes);
        }
    }

    long started() {
        return started.values().stream().mapToLong(LongAdder::sum).sum();
    }

    long started(Behaviour b) {
        LongAdder a = started.get(b);
        return a == null ? 0 : a.sum();
    }

    /** {@return connections of {@code b} that ended in any outcome but "ok"} */
    long notOk(Behaviour b) {
        return outcomes.entrySet().stream()
                .filter(e -> e.getKey().startsWith(b.label() + ": ") && !e.getKey().equals(b.label() + ": ok"))
                .mapToLong(e -> e.getValue().sum()).sum();
    }

    long failures() {
        return failures.values().stream().mapToLong(LongAdder::sum).sum();
    }

    Map<String, Long> outcomes() {
        return sums(outcomes);
    }

    Map<String, Long> failureKinds() {
        return sums(failures);
    }

    List<String> failureDetails() {
        synchronized (details) {
            return List.copyOf(details);
        }
    }

    private static Map<String, Long> sums(Map<String, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
