package qsock.core.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.core.frame.PathChallengeFrame;
import qsock.core.frame.PathResponseFrame;
import qsock.core.path.PathValidation;

/**
 * PATH_CHALLENGE floods (RFC 9000 §8.2.2, §21.9): every challenge asks for a response, so a peer could make us queue
 * responses faster than we send them. qsock keeps at most {@value PathValidation#MAX_RESPONSES} waiting and drops (and
 * counts) the rest; a challenge costs the attacker 9 bytes and us at most one response frame. One datagram's worth is
 * in ConnectionPathValidationTest#pathChallengesBeyondTheBoundAreDroppedAndCounted; this floods over many datagrams.
 */
class PathChallengeFloodTest {

    @Test
    void aThousandChallengingDatagramsBeforeWeSendLeaveAtMostFourResponsesQueued() throws Exception {
        HostileClient t = new HostileClient(2401);
        for (int i = 0; i < 1_000; i++) {
            t.send(new PathChallengeFrame(i), new PathChallengeFrame(10_000 + i));
        }
        List<PathResponseFrame> responses = HostileClient.frames(t.serverSends(), PathResponseFrame.class);
        assertEquals(PathValidation.MAX_RESPONSES, responses.size(), "responses sent for 2,000 challenges");
        assertEquals(2_000 - PathValidation.MAX_RESPONSES, t.server.pathChallengesDropped());
        assertFalse(t.server.state().isClosingOrClosed());
    }

    @Test
    void challengesAnsweredAsTheyComeCostOneResponseEachAndNoState() throws Exception {
        HostileClient t = new HostileClient(2402);
        long responses = 0;
        for (int i = 0; i < 1_000; i++) {
            t.send(t.ack(), new PathChallengeFrame(i));
            responses += HostileClient.frames(t.serverSends(), PathResponseFrame.class).size();
        }
        assertEquals(1_000, responses, "each challenge answered once");
        assertEquals(0, t.server.pathChallengesDropped());
        assertTrue(t.datagramsFromServer <= 1_000 + 10, "at most a datagram per challenge: " + t.datagramsFromServer);
        assertFalse(t.server.state().isClosingOrClosed());
    }
}
