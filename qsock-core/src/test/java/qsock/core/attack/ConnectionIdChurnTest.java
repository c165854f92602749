package qsock.core.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;

import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.NewConnectionIdFrame;
import qsock.core.frame.RetireConnectionIdFrame;
import qsock.core.sim.quic.Wire;
import qsock.core.wire.ConnectionId;

/**
 * NEW_CONNECTION_ID and RETIRE_CONNECTION_ID churn (RFC 9000 §5.1.1, §5.1.2, §21.9): a peer that issues IDs and
 * retires them all at once, over and over, makes us retire and remember; one that retires ours makes us issue new ones.
 * Each round costs the attacker one frame and us one frame in answer; what we hold stays at the active_connection_id
 * limit, and retirements the peer never acknowledges are capped (CONNECTION_ID_LIMIT_ERROR).
 */
class ConnectionIdChurnTest {

    private static final int LIMIT = 4;

    private static NewConnectionIdFrame issue(long sequence, long retirePriorTo) {
        byte[] id = new byte[8];
        id[0] = (byte) (sequence >>> 24);
        id[1] = (byte) (sequence >>> 16);
        id[2] = (byte) (sequence >>> 8);
        id[3] = (byte) sequence;
        id[7] = 0x5a;
        byte[] token = new byte[16];
        token[0] = (byte) sequence;
        token[1] = (byte) (sequence >>> 8);
        token[15] = 0x33;
        return new NewConnectionIdFrame(sequence, retirePriorTo, ConnectionId.of(id), token);
    }

    @Test
    void tenThousandNewConnectionIdRoundsKeepAtMostTheLimitOfPeerIdsAndOneRetirementEach() throws Exception {
        HostileClient t = new HostileClient(2301, ConnectionConfig.builder().activeConnectionIdLimit(LIMIT).build());
        long seq = 100;
        long retirements = 0;
        for (int round = 0; round < 10_000; round++) {
            // A new ID that retires every earlier one: we must switch to it and retire the one in use.
            t.send(t.ack(), issue(seq, seq));
            seq++;
            List<Wire.Packet> sent = t.serverSends();
            retirements += HostileClient.frames(sent, RetireConnectionIdFrame.class).size();
            assertTrue(t.server.peerConnectionIdsUnused() < LIMIT, "peer IDs held in round " + round);
            assertFalse(t.server.state().isClosingOrClosed(), "round " + round + ": " + t.server.closeError());
            t.advance(MS);
        }
        assertEquals(seq - 1, t.server.peerConnectionIdSequenceNumber(), "the newest ID is in use");
        assertTrue(retirements >= 10_000 && retirements <= 10_000 + 2L * LIMIT,
                "about one RETIRE_CONNECTION_ID per round: " + retirements);
    }

    @Test
    void retirementsThePeerNeverAcknowledgesAreCappedWithConnectionIdLimitError() throws Exception {
        HostileClient t = new HostileClient(2302, ConnectionConfig.builder().activeConnectionIdLimit(LIMIT).build());
        long seq = 100;
        int rounds = 0;
        for (; rounds < 1_000 && !t.server.state().isClosingOrClosed(); rounds++) {
            t.send(issue(seq, seq));
            seq++;
            t.serverSends();
        }
        assertTrue(t.server.state().isClosingOrClosed(), "the retirements waiting for an ACK reached their cap");
        assertEquals(TransportErrorCode.CONNECTION_ID_LIMIT_ERROR.value(), t.server.closeError().code());
        assertTrue(rounds <= 4 * LIMIT + 2, "within four times the limit of unacknowledged retirements: " + rounds);
    }

    @Test
    void tenThousandRetirementsOfOurIdsKeepOurActiveIdsAtTheLimit() throws Exception {
        HostileClient t = new HostileClient(2303);
        int limit = t.server.localConnectionIdsActive();
        long issuedByUs = 0;
        for (int round = 0; round < 10_000; round++) {
            // Packets go to our first ID; the newest one we issued is retired each round, and we issue another.
            long newest = t.server.localConnectionIdNextSequenceNumber() - 1;
            t.send(t.ack(), new RetireConnectionIdFrame(newest));
            issuedByUs += HostileClient.frames(t.serverSends(), NewConnectionIdFrame.class).size();
            assertTrue(t.server.localConnectionIdsActive() <= limit, "our IDs active in round " + round);
            assertFalse(t.server.state().isClosingOrClosed(), "round " + round + ": " + t.server.closeError());
            t.advance(MS);
        }
        assertTrue(issuedByUs >= 10_000 && issuedByUs <= 10_000 + limit, "one NEW_CONNECTION_ID per retirement: "
                + issuedByUs);
    }
}
