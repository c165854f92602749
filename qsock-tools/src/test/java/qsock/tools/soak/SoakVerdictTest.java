package qsock.tools.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The soak's leak verdict: a steady process passes, a growing heap or thread count fails, as does a short run. */
class SoakVerdictTest {

    private static final long MIB = 1 << 20;

    private static List<SoakVerdict.Point> samples(int n, long heapStart, long heapStep, int threadsStart,
                                                   int threadStep) {
        List<SoakVerdict.Point> points = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // A little noise, as live transfers at a sample's moment give.
            long noise = (i % 3) * 2 * MIB;
            points.add(new SoakVerdict.Point(heapStart + i * heapStep + noise, threadsStart + i * threadStep));
        }
        return points;
    }

    @Test
    void aSteadyProcessThatDrainsBackPasses() {
        List<String> leaks = SoakVerdict.leaks("server", samples(24, 40 * MIB, 0, 17, 0),
                new SoakVerdict.Point(30 * MIB, 17));
        assertEquals(List.of(), leaks);
    }

    @Test
    void aHeapGrowingOneMibASampleUnderSteadyLoadIsALeak() {
        List<String> leaks = SoakVerdict.leaks("server", samples(60, 40 * MIB, MIB, 17, 0),
                new SoakVerdict.Point(100 * MIB, 17));
        assertEquals(2, leaks.size(), leaks.toString());
        assertTrue(leaks.get(0).contains("grew under steady load"), leaks.get(0));
        assertTrue(leaks.get(1).contains("every connection gone"), leaks.get(1));
    }

    @Test
    void aHeapThatDoesNotComeBackAfterTheLoadIsALeak() {
        List<String> leaks = SoakVerdict.leaks("server", samples(24, 40 * MIB, 0, 17, 0),
                new SoakVerdict.Point(80 * MIB, 17));
        assertEquals(1, leaks.size(), leaks.toString());
        assertTrue(leaks.get(0).contains("every connection gone"), leaks.get(0));
    }

    @Test
    void threadsGrowingUnderLoadAreALeak() {
        List<String> leaks = SoakVerdict.leaks("client JVM", samples(30, 40 * MIB, 0, 20, 1),
                new SoakVerdict.Point(40 * MIB, 20));
        assertEquals(1, leaks.size(), leaks.toString());
        assertTrue(leaks.get(0).contains("platform threads grew"), leaks.get(0));
    }

    @Test
    void tooFewSamplesSayNothingAndFail() {
        List<String> leaks = SoakVerdict.leaks("server", samples(5, 40 * MIB, 0, 17, 0),
                new SoakVerdict.Point(40 * MIB, 17));
        assertEquals(1, leaks.size());
        assertTrue(leaks.get(0).contains("fewer than"), leaks.get(0));
    }
}
