package qsock.tools.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ThroughputResultTest {

    @Test
    void cpuSecondsPerGibScalesTheProcessCpuTimeToOneGib() {
        ThroughputResult quarter = new ThroughputResult(256L << 20, 65536, 2_000_000_000L, 3_000_000_000L);
        assertEquals(12.0, quarter.cpuSecondsPerGib(), 1e-9);
        assertTrue(quarter.toString().endsWith("process CPU 3.000 s (12.00 s/GiB)"), quarter.toString());
    }

    @Test
    void unknownCpuTimeIsNotReported() {
        ThroughputResult r = new ThroughputResult(1 << 20, 65536, 1_000_000L, -1);
        assertTrue(Double.isNaN(r.cpuSecondsPerGib()));
        assertFalse(r.toString().contains("CPU"), r.toString());
    }

    @Test
    void cpuTimeBetweenUnknownReadingsIsUnknown() {
        assertEquals(-1, ProcessCpu.between(-1, 5));
        assertEquals(-1, ProcessCpu.between(5, -1));
        assertEquals(7, ProcessCpu.between(3, 10));
    }
}
