package qsock.core.cid;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.LongConsumer;
import java.util.random.RandomGenerator;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.FrameEncoder;
import qsock.core.frame.NewConnectionIdFrame;
import qsock.core.params.StatelessResetToken;
import qsock.core.wire.ConnectionId;

/**
 * The connection IDs this endpoint issues to its peer (RFC 9000 §5.1.1): sequence number 0 is the one in
 * the Source Connection ID of our long headers, the others go out in NEW_CONNECTION_ID frames. Keeps as
 * many active as the peer's active_connection_id_limit allows, capped at {@link #MAX_ACTIVE}, replaces
 * each one the peer retires, and tells a {@link ConnectionIdRegistry} which IDs route to the connection.
 *
 * <p>Frames: {@link #writeFrames} writes the NEW_CONNECTION_ID frames owed and names each by sequence
 * number; the connection reports the packet's fate with {@link #onNewConnectionIdAcked} or
 * {@link #onNewConnectionIdLost}, and a lost frame is written again with the same sequence number
 * (RFC 9000 §13.3).
 *
 * <p>Bounded: at most {@link #MAX_ACTIVE} IDs the peer may use, plus at most as many more the peer was asked
 * to retire with {@link #retireAllBefore} and has not yet. Not thread-safe.
 */
public final class LocalConnectionIds {

    /** The most connection IDs we keep active for the peer, whatever its limit. */
    public static final int MAX_ACTIVE = 8;

    private static final long FRAME_TYPE_RETIRE_CONNECTION_ID = 0x19;
    // A fresh random ID collides with one in use only when IDs are short; this many draws in a row failing
    // means the ID space is too small for the endpoint, a configuration bug.
    private static final int MAX_DRAWS = 16;

    private static final byte PENDING = 0;
    private static final byte IN_FLIGHT = 1;
    private static final byte ACKED = 2;

    /** One issued ID. Allocated at issuance only: IDs are issued rarely, not per packet. */
    private static final class Entry {
        final long sequenceNumber;
        final ConnectionId cid;
        final StatelessResetToken token;
        byte state;
        boolean everSent;
        // Built on first write, rebuilt only when the Retire Prior To it carries has to change.
        NewConnectionIdFrame frame;

        Entry(long sequenceNumber, ConnectionId cid, StatelessResetToken token, byte state) {
            this.sequenceNumber = sequenceNumber;
            this.cid = cid;
            this.token = token;
            this.state = state;
        }
    }

    private final int cidLength;
    private final RandomGenerator random;
    private final StatelessResetTokens tokens;
    private final ConnectionIdRegistry registry;
    private final ConnectionId initial;
    private final StatelessResetToken initialToken;
    // Ordered by sequence number. MAX_ACTIVE the peer may use, MAX_ACTIVE more awaiting retirement after one
    // rotation; retireAllBefore refuses a second rotation while the first is outstanding.
    private final Entry[] entries = new Entry[2 * MAX_ACTIVE];
    private int count;
    private int pendingCount;
    private long nextSequenceNumber = 1;
    private long retirePriorTo;
    // RFC 9000 §19.16: what the peer may retire; the initial ID was "sent" in our long headers.
    private long largestSentSequenceNumber;
    private int target = 1;

    /**
     * Tracks the IDs of a connection that has no routing table to keep up to date.
     *
     * @see #LocalConnectionIds(ConnectionId, int, RandomGenerator, StatelessResetTokens, ConnectionIdRegistry)
     */
    public LocalConnectionIds(ConnectionId initial, int cidLength, RandomGenerator random,
            StatelessResetTokens tokens) {
        this(initial, cidLength, random, tokens, ConnectionIdRegistry.NONE);
    }

    /**
     * Tracks the IDs of a connection whose first ID, sequence number 0, is {@code initial}; registers it
     * with {@code registry} at once.
     *
     * @param initial the ID we put in the Source Connection ID of our long headers
     * @param cidLength the length of every ID we issue: 0 (then we issue none, RFC 9000 §5.1.1) to 20
     * @param random the source of new IDs; the endpoint passes a cryptographically strong one
     * @param tokens derives the stateless reset token of each ID
     * @param registry told of each ID added and retired
     * @throws IllegalArgumentException if {@code initial} is not {@code cidLength} bytes long
     */
    public LocalConnectionIds(ConnectionId initial, int cidLength, RandomGenerator random,
            StatelessResetTokens tokens, ConnectionIdRegistry registry) {
        Objects.requireNonNull(initial, "initial");
        if (initial.length() != cidLength) {
            // One length for every ID lets the endpoint find the ID in short headers (RFC 9000 §5.2, §10.3.2).
            throw new IllegalArgumentException("initial connection ID has " + initial.length()
                    + " bytes, not the configured " + cidLength);
        }
        this.cidLength = cidLength;
        this.random = Objects.requireNonNull(random, "random");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.initial = initial;
        this.initialToken = tokens.tokenFor(initial);
        Entry first = new Entry(0, initial, initialToken, ACKED);
        first.everSent = true;
        entries[count++] = first;
        registry.add(initial, initialToken);
    }

    /** {@return the initial connection ID, sequence number 0, whether or not the peer has retired it} */
    public ConnectionId initial() {
        return initial;
    }

    /**
     * {@return the stateless reset token of the initial connection ID} A server sends it in its
     * stateless_reset_token transport parameter (RFC 9000 §18.2).
     */
    public StatelessResetToken initialStatelessResetToken() {
        return initialToken;
    }

    /**
     * Issues sequence number 1 for the server's preferred_address transport parameter (RFC 9000 §5.1.1,
     * §18.2). It is delivered with the handshake, so no NEW_CONNECTION_ID frame is owed for it.
     *
     * @throws IllegalStateException if another ID was issued already or we use zero-length IDs (RFC 9000
     *     §18.2 forbids a preferred address then)
     */
    public IssuedConnectionId issuePreferredAddressConnectionId() {
        if (nextSequenceNumber != 1) {
            throw new IllegalStateException("the preferred address ID must be the first issued after the initial");
        }
        if (cidLength == 0) {
            throw new IllegalStateException("no preferred address with zero-length connection IDs");
        }
        Entry e = issue();
        e.state = ACKED;
        e.everSent = true;
        pendingCount--;
        largestSentSequenceNumber = e.sequenceNumber;
        return new IssuedConnectionId(e.sequenceNumber, e.cid, e.token);
    }

    /**
     * Takes the peer's active_connection_id_limit transport parameter and issues new IDs until the peer
     * holds that many, or {@link #MAX_ACTIVE} (RFC 9000 §5.1.1: never more than the peer's limit). A lower
     * limit than before issues nothing and retires nothing.
     *
     * @throws IllegalArgumentException if {@code limit} is under 2, which the transport parameter decoder
     *     rejects (RFC 9000 §18.2)
     */
    public void setPeerActiveConnectionIdLimit(long limit) {
        if (limit < 2) {
            throw new IllegalArgumentException("active_connection_id_limit is at least 2: " + limit);
        }
        if (cidLength == 0) {
            // RFC 9000 §5.1.1: an endpoint that chose a zero-length ID cannot issue another.
            return;
        }
        target = (int) Math.min(limit, MAX_ACTIVE);
        fill();
    }

    /**
     * Asks the peer to retire every ID below {@code sequenceNumber} (RFC 9000 §5.1.2), issuing
     * replacements that carry the request in their Retire Prior To field. The old IDs keep routing until
     * the peer retires them.
     *
     * @return false, changing nothing, if an earlier request is not yet done (RFC 9000 §5.1.2: SHOULD NOT
     *     update Retire Prior To before then) or {@code sequenceNumber} does not raise it
     * @throws IllegalArgumentException if {@code sequenceNumber} is beyond the next ID to issue
     * @throws IllegalStateException if we use zero-length IDs
     */
    public boolean retireAllBefore(long sequenceNumber) {
        if (cidLength == 0) {
            throw new IllegalStateException("zero-length connection IDs cannot be rotated");
        }
        if (sequenceNumber > nextSequenceNumber) {
            throw new IllegalArgumentException("cannot retire prior to " + sequenceNumber + ": the next ID is "
                    + nextSequenceNumber);
        }
        if (sequenceNumber <= retirePriorTo || count > 0 && entries[0].sequenceNumber < retirePriorTo) {
            return false;
        }
        retirePriorTo = sequenceNumber;
        for (int i = 0; i < count; ) {
            Entry e = entries[i];
            if (e.sequenceNumber < retirePriorTo && !e.everSent) {
                // The peer never heard of it: forget it outright instead of sending it only to be retired.
                if (e.state == PENDING) {
                    pendingCount--;
                }
                removeAt(i);
                registry.remove(e.cid);
            } else {
                i++;
            }
        }
        fill();
        return true;
    }

    /** {@return the Retire Prior To value we ask of the peer, 0 until {@link #retireAllBefore}} */
    public long retirePriorTo() {
        return retirePriorTo;
    }

    /**
     * Handles a RETIRE_CONNECTION_ID frame: forgets the ID, unregisters it and issues a replacement
     * (RFC 9000 §5.1.1: SHOULD supply a new one). A sequence number already retired is ignored, as the
     * frame may arrive twice.
     *
     * @param packetDestinationConnectionId the Destination Connection ID of the packet carrying the frame
     * @throws QuicProtocolException PROTOCOL_VIOLATION if we use zero-length IDs, the sequence number was
     *     never sent, or it names the ID the packet was sent to (RFC 9000 §19.16)
     */
    public void onRetireConnectionId(long sequenceNumber, ConnectionId packetDestinationConnectionId)
            throws QuicProtocolException {
        if (cidLength == 0) {
            // RFC 9000 §19.16: an endpoint that provides a zero-length ID MUST treat receipt as an error.
            throw violation("RETIRE_CONNECTION_ID sent to an endpoint using zero-length connection IDs");
        }
        if (sequenceNumber > largestSentSequenceNumber) {
            // RFC 9000 §19.16: a sequence number greater than any sent MUST be a PROTOCOL_VIOLATION.
            throw violation("RETIRE_CONNECTION_ID for sequence number " + sequenceNumber
                    + " never sent; the largest sent is " + largestSentSequenceNumber);
        }
        int i = indexOf(sequenceNumber);
        if (i < 0) {
            return;
        }
        Entry e = entries[i];
        if (e.cid.equals(packetDestinationConnectionId)) {
            // RFC 9000 §19.16: MUST NOT refer to the packet's own Destination Connection ID; MAY be an error.
            throw violation("RETIRE_CONNECTION_ID retires the connection ID its packet was sent to");
        }
        if (e.state == PENDING) {
            pendingCount--;
        }
        removeAt(i);
        registry.remove(e.cid);
        fill();
    }

    /** {@return true if a NEW_CONNECTION_ID frame is waiting to be written} */
    public boolean hasPending() {
        return pendingCount > 0;
    }

    /**
     * Writes the NEW_CONNECTION_ID frames owed, lowest sequence number first, as many as fit in both
     * {@code maxBytes} and the buffer, and calls {@code written} with the sequence number of each so the
     * connection can report its fate later.
     *
     * @return the number of bytes written
     */
    public int writeFrames(ByteBuffer out, int maxBytes, LongConsumer written) {
        int room = Math.min(maxBytes, out.remaining());
        int total = 0;
        for (int i = 0; i < count && pendingCount > 0; i++) {
            Entry e = entries[i];
            if (e.state != PENDING) {
                continue;
            }
            // RFC 9000 §19.15: Retire Prior To never exceeds the frame's own sequence number.
            long framePriorTo = Math.min(retirePriorTo, e.sequenceNumber);
            if (e.frame == null || e.frame.retirePriorTo() != framePriorTo) {
                e.frame = new NewConnectionIdFrame(e.sequenceNumber, framePriorTo, e.cid, e.token.toByteArray());
            }
            int length = FrameEncoder.encodedLength(e.frame);
            if (length > room - total) {
                continue;
            }
            total += FrameEncoder.encode(out, e.frame);
            e.state = IN_FLIGHT;
            e.everSent = true;
            pendingCount--;
            largestSentSequenceNumber = Math.max(largestSentSequenceNumber, e.sequenceNumber);
            written.accept(e.sequenceNumber);
        }
        return total;
    }

    /** The packet carrying NEW_CONNECTION_ID {@code sequenceNumber} was acknowledged: nothing more is owed. */
    public void onNewConnectionIdAcked(long sequenceNumber) {
        int i = indexOf(sequenceNumber);
        if (i < 0) {
            return;
        }
        Entry e = entries[i];
        if (e.state == PENDING) {
            // An earlier copy arrived after all; the one queued again need not go.
            pendingCount--;
        }
        e.state = ACKED;
    }

    /**
     * The packet carrying NEW_CONNECTION_ID {@code sequenceNumber} was lost: the frame is written again,
     * unless the ID was retired or another copy was acknowledged meanwhile.
     */
    public void onNewConnectionIdLost(long sequenceNumber) {
        int i = indexOf(sequenceNumber);
        if (i >= 0 && entries[i].state == IN_FLIGHT) {
            entries[i].state = PENDING;
            pendingCount++;
        }
    }

    /** {@return true if {@code cid} is one of our IDs the peer has not retired} */
    public boolean isLocal(ConnectionId cid) {
        return sequenceNumberOf(cid) >= 0;
    }

    /** {@return the sequence number of our active ID {@code cid}, or -1 if it is not one} */
    public long sequenceNumberOf(ConnectionId cid) {
        for (int i = 0; i < count; i++) {
            if (entries[i].cid.equals(cid)) {
                return entries[i].sequenceNumber;
            }
        }
        return -1;
    }

    /** {@return the number of our IDs the peer has not retired, including those it was asked to retire} */
    public int activeCount() {
        return count;
    }

    /**
     * {@return the lowest sequence number of our IDs the peer may keep using: those it was not asked to retire and
     * has not retired} The socket draft's CONNECTION_ID option reports it as the active source ID.
     */
    public long lowestUsableSequenceNumber() {
        long lowest = Long.MAX_VALUE;
        for (int i = 0; i < count; i++) {
            if (entries[i].sequenceNumber >= retirePriorTo) {
                lowest = Math.min(lowest, entries[i].sequenceNumber);
            }
        }
        return lowest == Long.MAX_VALUE ? retirePriorTo : lowest;
    }

    /** {@return true while the peer has not retired every ID we asked it to with {@link #retireAllBefore}} */
    public boolean retirementOutstanding() {
        return count > 0 && entries[0].sequenceNumber < retirePriorTo;
    }

    /** {@return the sequence number the next issued ID will get} */
    public long nextSequenceNumber() {
        return nextSequenceNumber;
    }

    /**
     * Removes every active ID from the registry, for a connection that has ended and no longer takes
     * packets. Nothing is owed to the peer afterwards and nothing more is issued.
     */
    public void unregisterAll() {
        for (int i = 0; i < count; i++) {
            registry.remove(entries[i].cid);
            entries[i] = null;
        }
        count = 0;
        pendingCount = 0;
        target = 0;
    }

    private void fill() {
        while (usableCount() < target && count < entries.length) {
            issue();
        }
    }

    // The IDs the peer may keep using: those it was not asked to retire.
    private int usableCount() {
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (entries[i].sequenceNumber >= retirePriorTo) {
                n++;
            }
        }
        return n;
    }

    private Entry issue() {
        ConnectionId cid = freshId();
        StatelessResetToken token = tokens.tokenFor(cid);
        Entry e = new Entry(nextSequenceNumber++, cid, token, PENDING);
        entries[count++] = e;
        pendingCount++;
        registry.add(cid, token);
        return e;
    }

    private ConnectionId freshId() {
        for (int draw = 0; draw < MAX_DRAWS; draw++) {
            ConnectionId cid = registry.newConnectionId(random, cidLength);
            if (!isLocal(cid) && !registry.isInUse(cid)) {
                return cid;
            }
        }
        throw new IllegalStateException(MAX_DRAWS + " random " + cidLength
                + "-byte connection IDs in a row were in use: the IDs are too short for this endpoint");
    }

    private int indexOf(long sequenceNumber) {
        for (int i = 0; i < count; i++) {
            if (entries[i].sequenceNumber == sequenceNumber) {
                return i;
            }
        }
        return -1;
    }

    private void removeAt(int i) {
        System.arraycopy(entries, i + 1, entries, i, count - i - 1);
        entries[--count] = null;
    }

    private static QuicProtocolException violation(String reason) {
        return new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION, FRAME_TYPE_RETIRE_CONNECTION_ID,
                reason);
    }
}
