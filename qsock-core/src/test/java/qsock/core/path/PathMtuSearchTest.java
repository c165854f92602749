package qsock.core.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PathMtuSearchTest {

    private long pn;

    /** Runs the search against a path that carries {@code mtu}; returns the probes it took. */
    private int searchAgainst(PathMtuSearch search, int mtu, long now) {
        int probes = 0;
        while (search.wantsProbe(now) && probes < 1000) {
            int size = search.nextProbeSize();
            search.onProbeSent(pn++, size);
            probes++;
            if (size <= mtu) {
                search.onProbeAcked(now);
            } else {
                search.onProbeLost(now);
            }
        }
        return probes;
    }

    @Test
    void theFirstProbeTriesTheCeilingAndSettlesAPathThatCarriesIt() {
        PathMtuSearch search = new PathMtuSearch(1200, 9000, 0);
        assertTrue(search.wantsProbe(0));
        assertEquals(9000, search.nextProbeSize());
        assertEquals(1, searchAgainst(search, 65527, 0));
        assertEquals(9000, search.current());
        assertTrue(search.isComplete());
    }

    @Test
    void convergesBelowTheLargestSizeThePathCarriesWithinTheMinimumStep() {
        for (int mtu : new int[] {1200, 1252, 1472, 1500, 4000, 8972}) {
            PathMtuSearch search = new PathMtuSearch(1200, 9000, 0);
            int probes = searchAgainst(search, mtu, 0);
            assertTrue(search.isComplete(), "mtu " + mtu + ": " + search);
            assertTrue(search.current() <= mtu, "mtu " + mtu + ": " + search);
            assertTrue(mtu - search.current() < PathMtuSearch.MIN_STEP, "mtu " + mtu + ": " + search);
            assertTrue(probes <= 3 * 12 + 12, "mtu " + mtu + ": " + probes + " probes");
        }
    }

    @Test
    void aLostProbeIsRetriedUpToMaxProbesBeforeItsSizeIsGivenUp() {
        PathMtuSearch search = new PathMtuSearch(1200, 9000, 0);
        for (int i = 0; i < PathMtuSearch.MAX_PROBES; i++) {
            assertTrue(search.wantsProbe(0));
            assertEquals(9000, search.nextProbeSize(), "attempt " + i);
            search.onProbeSent(i, 9000);
            search.onProbeLost(0);
        }
        assertTrue(search.nextProbeSize() < 9000, search.toString());
        assertEquals(1200, search.current());
    }

    @Test
    void onlyOneProbeIsOutstandingAndOnlyItsPacketNumberCounts() {
        PathMtuSearch search = new PathMtuSearch(1200, 9000, 0);
        search.onProbeSent(7, 9000);
        assertFalse(search.wantsProbe(0));
        assertTrue(search.isProbe(7));
        assertFalse(search.isProbe(8));
        assertTrue(search.onProbeAcked(0));
        assertFalse(search.isProbe(7));
    }

    @Test
    void afterTheRaiseIntervalItProbesAboveWhatItFound() {
        PathMtuSearch search = new PathMtuSearch(1200, 9000, 0);
        searchAgainst(search, 1472, 0);
        assertTrue(search.isComplete());
        assertFalse(search.wantsProbe(PathMtuSearch.RAISE_INTERVAL_NANOS - 1));
        long later = PathMtuSearch.RAISE_INTERVAL_NANOS + 1;
        assertTrue(search.wantsProbe(later));
        assertEquals(9000, search.nextProbeSize());
        searchAgainst(search, 9000, later);
        assertEquals(9000, search.current());
    }

    @Test
    void aBlackHoleDropsToTheBaseAndSearchesAgainBelowTheSizeThatStoppedWorking() {
        PathMtuSearch search = new PathMtuSearch(1200, 9000, 0);
        searchAgainst(search, 65527, 0);
        assertEquals(9000, search.current());
        assertTrue(search.onBlackHole(1));
        assertEquals(1200, search.current());
        assertTrue(search.wantsProbe(1));
        assertTrue(search.nextProbeSize() < 9000, search.toString());
        searchAgainst(search, 1472, 1);
        assertTrue(search.current() <= 1472 && 1472 - search.current() < PathMtuSearch.MIN_STEP, search.toString());
        assertFalse(new PathMtuSearch(1200, 9000, 0).onBlackHole(0), "nothing to drop at the base size");
    }

    @Test
    void aCeilingWithinTheMinimumStepOfTheBaseNeedsNoSearch() {
        assertFalse(new PathMtuSearch(1452, 1452, 0).wantsProbe(0));
        assertFalse(new PathMtuSearch(1452, 1460, 0).wantsProbe(0));
        assertThrows(IllegalArgumentException.class, () -> new PathMtuSearch(1100, 9000, 0));
        assertThrows(IllegalArgumentException.class, () -> new PathMtuSearch(1500, 1400, 0));
    }
}
