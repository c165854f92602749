package qsock.core.path;

import qsock.core.recovery.RttEstimator;

/**
 * Path validation (RFC 9000 §8.2) of one connection: the PATH_RESPONSEs it owes the peer, and the PATH_CHALLENGEs of
 * a validation it runs itself.
 *
 * <p>Responses: every PATH_CHALLENGE is answered with its own data (§8.2.2). Up to {@link #MAX_RESPONSES} answers
 * wait to be sent; a peer that sends more challenges before we can answer loses the extra ones (they are counted),
 * which bounds the memory a peer can make us hold.
 *
 * <p>Challenges: the connection starts a validation with a deadline ({@link #timeoutNanos}, §8.2.4), writes each
 * challenge with fresh unpredictable data it draws from its random source (§8.2.1), and reports whether the datagram
 * that carried it was padded to 1200 bytes. Up to {@link #MAX_OUTSTANDING} challenges are remembered; a lost one is
 * replaced by a new one with new data (recovery paces that, so it is never more aggressive than the PTO, §9.4). A
 * PATH_RESPONSE that echoes none of them is ignored (§8.2.2). The first echo validates the peer's address; if its
 * challenge went in a datagram smaller than 1200 bytes (the anti-amplification limit allowed no more), the path MTU
 * is not shown yet and a second challenge, in a full-size datagram, follows (§8.2.1).
 *
 * <p>Pure state: no clock reads (deadlines come in as arguments), no allocation. Not thread-safe; the connection owns
 * it.
 */
public final class PathValidation {

    /** PATH_RESPONSEs that may wait to be sent; a challenge beyond them is dropped (and counted). */
    public static final int MAX_RESPONSES = 4;
    /** PATH_CHALLENGEs of one validation whose echo is still accepted. */
    public static final int MAX_OUTSTANDING = 4;

    private final long[] responses = new long[MAX_RESPONSES];
    /** Whether the response in the same slot goes on the other path, the one its challenge came from. */
    private final boolean[] responseOnOtherPath = new boolean[MAX_RESPONSES];
    private int otherPathResponses;
    private int responseHead;
    private int responseCount;
    private long challengesDropped;

    private boolean validating;
    private boolean challengePending;
    private long deadline;
    private final long[] outstanding = new long[MAX_OUTSTANDING];
    private final boolean[] outstandingFullSize = new boolean[MAX_OUTSTANDING];
    /** The running validation's address is confirmed (an echo came back); a full-size round may still be owed. */
    private boolean addressConfirmed;
    private int outstandingCount;
    private int lastWritten = -1;
    private long unmatchedResponses;
    private long failures;
    private boolean previousPathChallengePending;
    private boolean previousPathChallengeOutstanding;
    private long previousPathChallenge;
    private long previousPathAnswers;

    /** Creates the state of a connection that owes nothing and validates nothing. */
    public PathValidation() {
    }

    /**
     * {@return how long a validation may take before it fails (RFC 9000 §8.2.4): three times the larger of the current
     * PTO and the PTO of a new path, computed with kInitialRtt}
     *
     * @param currentPtoNanos the current PTO, max_ack_delay included
     * @param maxAckDelayNanos the peer's max_ack_delay
     */
    public static long timeoutNanos(long currentPtoNanos, long maxAckDelayNanos) {
        long initialRtt = RttEstimator.DEFAULT_INITIAL_RTT_NANOS;
        // RFC 9002 §6.2.2 / §5.3: a new path starts at smoothed_rtt = kInitialRtt, rttvar = kInitialRtt / 2.
        long initialPto = initialRtt + Math.max(4 * (initialRtt / 2), RttEstimator.GRANULARITY_NANOS)
                + maxAckDelayNanos;
        return 3 * Math.max(currentPtoNanos, initialPto);
    }

    // --------------------------------------------------------------------------------------------
    // Responses we owe

    /** The peer sent a PATH_CHALLENGE with {@code data}: it is answered, unless {@link #MAX_RESPONSES} already wait. */
    public void onChallengeReceived(long data) {
        onChallengeReceived(data, false);
    }

    /**
     * The peer sent a PATH_CHALLENGE with {@code data}, on the current path or, if {@code otherPath}, on another one
     * (a new address of the peer that has not become its current one, or a path we probe): the answer goes on the
     * path the challenge came from (RFC 9000 §8.2.2). It is dropped if {@link #MAX_RESPONSES} already wait.
     */
    public void onChallengeReceived(long data, boolean otherPath) {
        if (responseCount == MAX_RESPONSES) {
            challengesDropped++;
            return;
        }
        int slot = (responseHead + responseCount) % MAX_RESPONSES;
        responses[slot] = data;
        responseOnOtherPath[slot] = otherPath;
        responseCount++;
        if (otherPath) {
            otherPathResponses++;
        }
    }

    /** {@return whether a PATH_RESPONSE waits to be sent on the current path} */
    public boolean hasResponse() {
        return responseCount > otherPathResponses;
    }

    /** {@return the data of the next PATH_RESPONSE to send on the current path} Only when {@link #hasResponse()}. */
    public long nextResponse() {
        return responses[next(false)];
    }

    /** The next PATH_RESPONSE for the current path was written into a packet. */
    public void onResponseWritten() {
        remove(next(false));
    }

    /** {@return whether a PATH_RESPONSE waits to be sent on the other path (RFC 9000 §8.2.2)} */
    public boolean hasOtherPathResponse() {
        return otherPathResponses > 0;
    }

    /** {@return the data of the next PATH_RESPONSE to send on the other path} Only when {@link #hasOtherPathResponse()}. */
    public long nextOtherPathResponse() {
        return responses[next(true)];
    }

    /** The next PATH_RESPONSE for the other path was written into a packet. */
    public void onOtherPathResponseWritten() {
        remove(next(true));
        otherPathResponses--;
    }

    /** The other path became the current one (the peer moved there, or we did): what it is owed goes there now. */
    public void otherPathBecameCurrent() {
        for (int i = 0; i < MAX_RESPONSES; i++) {
            responseOnOtherPath[i] = false;
        }
        otherPathResponses = 0;
    }

    /** The other path was given up: what it is owed is dropped. */
    public void dropOtherPathResponses() {
        while (otherPathResponses > 0) {
            onOtherPathResponseWritten();
        }
    }

    /** {@return the slot of the oldest response waiting for the current path, or for the other one} */
    private int next(boolean otherPath) {
        for (int i = 0; i < responseCount; i++) {
            int slot = (responseHead + i) % MAX_RESPONSES;
            if (responseOnOtherPath[slot] == otherPath) {
                return slot;
            }
        }
        throw new IllegalStateException("no PATH_RESPONSE waits for that path");
    }

    /** Removes the response in {@code slot}, keeping the others in order. */
    private void remove(int slot) {
        int index = Math.floorMod(slot - responseHead, MAX_RESPONSES);
        for (int i = index; i > 0; i--) {
            int to = (responseHead + i) % MAX_RESPONSES;
            int from = (responseHead + i - 1) % MAX_RESPONSES;
            responses[to] = responses[from];
            responseOnOtherPath[to] = responseOnOtherPath[from];
        }
        responseHead = (responseHead + 1) % MAX_RESPONSES;
        responseCount--;
    }

    /** {@return PATH_CHALLENGEs left unanswered because too many waited} */
    public long challengesDropped() {
        return challengesDropped;
    }

    // --------------------------------------------------------------------------------------------
    // Our validation

    /** Starts validating the peer's (new) address; it fails at {@code deadline}. Earlier challenges no longer count. */
    public void start(long deadline) {
        validating = true;
        addressConfirmed = false;
        challengePending = true;
        this.deadline = deadline;
        outstandingCount = 0;
        lastWritten = -1;
    }

    /**
     * After an apparent migration the previously active path is challenged too (RFC 9000 §9.3.3): a genuine peer
     * still there answers and sends from there again, which moves the connection back.
     */
    public void challengePreviousPath() {
        previousPathChallengePending = true;
        previousPathChallengeOutstanding = false;
    }

    /** {@return whether a PATH_CHALLENGE for the previously active path waits to be sent} */
    public boolean previousPathChallengePending() {
        return previousPathChallengePending;
    }

    /** The PATH_CHALLENGE for the previously active path was written, with {@code data}; it is sent once. */
    public void onPreviousPathChallengeWritten(long data) {
        previousPathChallengePending = false;
        previousPathChallengeOutstanding = true;
        previousPathChallenge = data;
    }

    /** {@return how often the previously active path answered its challenge} */
    public long previousPathAnswers() {
        return previousPathAnswers;
    }

    /** {@return whether a validation runs} */
    public boolean isValidating() {
        return validating;
    }

    /** {@return when the running validation fails} Only while {@link #isValidating()}. */
    public long deadline() {
        return deadline;
    }

    /** {@return whether a PATH_CHALLENGE waits to be written} */
    public boolean challengePending() {
        return validating && challengePending;
    }

    /**
     * A PATH_CHALLENGE with {@code data} was written; the oldest outstanding one is forgotten if {@link
     * #MAX_OUTSTANDING} are.
     */
    public void onChallengeWritten(long data) {
        challengePending = false;
        int slot;
        if (outstandingCount < MAX_OUTSTANDING) {
            slot = outstandingCount++;
        } else {
            System.arraycopy(outstanding, 1, outstanding, 0, MAX_OUTSTANDING - 1);
            System.arraycopy(outstandingFullSize, 1, outstandingFullSize, 0, MAX_OUTSTANDING - 1);
            slot = MAX_OUTSTANDING - 1;
        }
        outstanding[slot] = data;
        outstandingFullSize[slot] = false;
        lastWritten = slot;
    }

    /** The datagram holding the challenge last written was expanded to at least 1200 bytes (RFC 9000 §8.2.1). */
    public void onChallengeDatagramFullSize() {
        if (lastWritten >= 0) {
            outstandingFullSize[lastWritten] = true;
        }
    }

    /** A packet holding a PATH_CHALLENGE was lost: a new one is sent while the validation runs. */
    public void onChallengeLost() {
        if (validating) {
            challengePending = true;
        }
    }

    /**
     * The peer sent a PATH_RESPONSE with {@code data}. {@return true if it validates the peer's address now: the
     * first echo of one of this validation's challenges} An echo of a challenge that went in a datagram under 1200
     * bytes validates the address too (RFC 9000 §8.2.1: the second validation "can be performed after a
     * PATH_RESPONSE is successfully received"), and asks for one more challenge, full size, for the path MTU;
     * its echo ends the validation. One that echoes no outstanding challenge is ignored (§8.2.2).
     */
    public boolean onResponseReceived(long data) {
        if (previousPathChallengeOutstanding && data == previousPathChallenge) {
            // The old path is alive; this validates nothing new.
            previousPathChallengeOutstanding = false;
            previousPathAnswers++;
            return false;
        }
        if (validating) {
            for (int i = 0; i < outstandingCount; i++) {
                if (outstanding[i] != data) {
                    continue;
                }
                boolean first = !addressConfirmed;
                addressConfirmed = true;
                if (outstandingFullSize[i]) {
                    validating = false;
                    challengePending = false;
                    outstandingCount = 0;
                    lastWritten = -1;
                    return first;
                }
                // The peer answers on this path, but the path is not shown to carry 1200 bytes: one more round.
                System.arraycopy(outstanding, i + 1, outstanding, i, outstandingCount - i - 1);
                System.arraycopy(outstandingFullSize, i + 1, outstandingFullSize, i, outstandingCount - i - 1);
                outstandingCount--;
                lastWritten = -1;
                challengePending = true;
                return first;
            }
        }
        unmatchedResponses++;
        return false;
    }

    /** {@return whether the running validation is past its deadline (RFC 9000 §8.2.4)} */
    public boolean isExpired(long now) {
        return validating && !addressConfirmed && now - deadline >= 0;
    }

    /** The validation failed (or was abandoned): its challenges no longer count. */
    public void fail() {
        if (validating) {
            failures++;
        }
        validating = false;
        challengePending = false;
        outstandingCount = 0;
        lastWritten = -1;
    }

    /** {@return PATH_RESPONSEs that echoed no outstanding challenge} */
    public long unmatchedResponses() {
        return unmatchedResponses;
    }

    /** {@return validations that failed} */
    public long failures() {
        return failures;
    }
}
