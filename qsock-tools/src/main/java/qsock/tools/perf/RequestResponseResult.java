package qsock.tools.perf;

import java.util.Locale;
import qsock.tools.term.Units;

/**
 * A request/response run measured by {@code qsock perf}.
 *
 * @param latency the round trips' latencies
 * @param size the bytes each way per round trip
 * @param nanos the whole run
 */
public record RequestResponseResult(LatencySummary latency, int size, long nanos) {

    /** {@return round trips per second} */
    public double perSecond() {
        return latency.count() * 1e9 / nanos;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "request/response: %d x %s each way in %s: %.0f round trips/s, latency %s",
                latency.count(), Units.bytes(size), Units.duration(nanos), perSecond(), latency);
    }
}
