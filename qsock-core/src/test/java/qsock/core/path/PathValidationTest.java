package qsock.core.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The PATH_RESPONSEs a connection owes, each on the path its challenge came from (RFC 9000 §8.2.2). */
class PathValidationTest {

    @Test
    void answersGoOnThePathTheirChallengeCameFromInOrder() {
        PathValidation p = new PathValidation();
        p.onChallengeReceived(1);
        p.onChallengeReceived(2, true);
        p.onChallengeReceived(3);
        p.onChallengeReceived(4, true);
        assertTrue(p.hasResponse());
        assertTrue(p.hasOtherPathResponse());
        assertEquals(1, p.nextResponse());
        p.onResponseWritten();
        assertEquals(2, p.nextOtherPathResponse());
        p.onOtherPathResponseWritten();
        assertEquals(3, p.nextResponse());
        p.onResponseWritten();
        assertFalse(p.hasResponse());
        assertEquals(4, p.nextOtherPathResponse());
        p.onOtherPathResponseWritten();
        assertFalse(p.hasOtherPathResponse());
    }

    @Test
    void whenTheOtherPathBecomesCurrentItsAnswersGoThere() {
        PathValidation p = new PathValidation();
        p.onChallengeReceived(7, true);
        assertFalse(p.hasResponse());
        p.otherPathBecameCurrent();
        assertFalse(p.hasOtherPathResponse());
        assertEquals(7, p.nextResponse());
    }

    @Test
    void theAnswersOfAnAbandonedPathAreDroppedAndTheBoundHoldsForBoth() {
        PathValidation p = new PathValidation();
        for (int i = 0; i < PathValidation.MAX_RESPONSES; i++) {
            p.onChallengeReceived(i, i % 2 == 0);
        }
        p.onChallengeReceived(99);
        assertEquals(1, p.challengesDropped());
        p.dropOtherPathResponses();
        assertFalse(p.hasOtherPathResponse());
        assertEquals(1, p.nextResponse());
        p.onResponseWritten();
        assertEquals(3, p.nextResponse());
        p.onResponseWritten();
        assertFalse(p.hasResponse());
    }
}
