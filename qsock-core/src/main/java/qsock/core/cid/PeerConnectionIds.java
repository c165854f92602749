package qsock.core.cid;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.LongConsumer;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.FrameEncoder;
import qsock.core.frame.NewConnectionIdFrame;
import qsock.core.packet.StatelessReset;
import qsock.core.params.StatelessResetToken;
import qsock.core.qlog.QlogTrace;
import qsock.core.wire.ConnectionId;

/**
 * The connection IDs the peer issued to us (RFC 9000 §5.1): the one we send to ({@link #current()}),
 * the others it offered in NEW_CONNECTION_ID frames, their stateless reset tokens for recognising a
 * Stateless Reset (§10.3.1), and the RETIRE_CONNECTION_ID frames we owe the peer (§5.1.2).
 *
 * <p>Frames: {@link #writeFrames} writes the RETIRE_CONNECTION_ID frames owed and names each by sequence
 * number; the connection reports the packet's fate with {@link #onRetireConnectionIdAcked} or
 * {@link #onRetireConnectionIdLost}, and a lost one is written again.
 *
 * <p>Bounded: at most our active_connection_id_limit IDs (a peer offering more is closed with
 * CONNECTION_ID_LIMIT_ERROR, §5.1.1), and at most four times that many retirements not yet acknowledged
 * (beyond that, CONNECTION_ID_LIMIT_ERROR as §5.1.2 allows; the RFC asks for room for at least twice the
 * limit). Not thread-safe.
 */
public final class PeerConnectionIds {

    /** The largest active_connection_id_limit this class accepts for our side. */
    public static final int MAX_LIMIT = 256;

    /** Retirements we keep track of until acknowledged, per unit of our active_connection_id_limit. */
    public static final int RETIREMENTS_PER_LIMIT = 4;

    private static final long FRAME_TYPE_NEW_CONNECTION_ID = 0x18;
    // How far below the highest sequence number we remember exactly which IDs we retired.
    private static final int RETIRED_WINDOW = Long.SIZE;

    private static final byte PENDING = 0;
    private static final byte IN_FLIGHT = 1;

    /** One ID the peer issued. Allocated per NEW_CONNECTION_ID accepted, which the limit bounds. */
    private static final class Entry {
        final long sequenceNumber;
        ConnectionId cid;
        StatelessResetToken token;
        // RFC 9000 §10.3.1: only the tokens of IDs we have sent to may identify a Stateless Reset.
        boolean used;

        Entry(long sequenceNumber, ConnectionId cid, StatelessResetToken token) {
            this.sequenceNumber = sequenceNumber;
            this.cid = cid;
            this.token = token;
        }
    }

    private final int limit;
    private final ConnectionIdRegistry registry;
    private final Entry[] active;
    private int activeCount;
    private Entry current;
    /** The connection's qlog trace, told when {@link #current()} changes (connection_id_updated); null logs none. */
    private QlogTrace qlog;

    private long largestRetirePriorTo;
    private long highestSequenceNumber;
    // Bit i set: we retired sequence number highestSequenceNumber - i.
    private long retiredMask;
    private boolean newConnectionIdSeen;

    private final long[] retireSequence;
    private final byte[] retireState;
    private int retireCount;
    private int retirePending;

    /**
     * Tracks the peer's IDs, starting from the one in the Source Connection ID of its first long header
     * packet (sequence number 0, RFC 9000 §5.1.1).
     *
     * @param initial the peer's initial ID; zero-length if the peer wants no IDs from us (§5.1.1)
     * @param initialToken the stateless reset token of {@code initial}, or null: a client learns the
     *     server's from its transport parameters ({@link #setInitialStatelessResetToken}); a server has none
     * @param activeConnectionIdLimit the active_connection_id_limit we advertise, 2 to {@link #MAX_LIMIT}
     * @throws IllegalArgumentException if the limit is out of that range
     */
    public PeerConnectionIds(ConnectionId initial, StatelessResetToken initialToken, long activeConnectionIdLimit) {
        this(initial, initialToken, activeConnectionIdLimit, ConnectionIdRegistry.NONE);
    }

    /**
     * Tracks the peer's IDs as {@link #PeerConnectionIds(ConnectionId, StatelessResetToken, long)} does, and tells
     * {@code registry} which of the peer's stateless reset tokens identify a reset for this connection: those of
     * the active IDs we have sent to (RFC 9000 §10.3.1), as they come and go.
     */
    public PeerConnectionIds(ConnectionId initial, StatelessResetToken initialToken, long activeConnectionIdLimit,
                             ConnectionIdRegistry registry) {
        Objects.requireNonNull(initial, "initial");
        this.registry = Objects.requireNonNull(registry, "registry");
        if (activeConnectionIdLimit < 2 || activeConnectionIdLimit > MAX_LIMIT) {
            throw new IllegalArgumentException("active_connection_id_limit " + activeConnectionIdLimit
                    + " is not in 2.." + MAX_LIMIT);
        }
        limit = (int) activeConnectionIdLimit;
        active = new Entry[limit];
        retireSequence = new long[RETIREMENTS_PER_LIMIT * limit];
        retireState = new byte[retireSequence.length];
        current = new Entry(0, initial, initialToken);
        active[activeCount++] = current;
        switchTo(current);
    }

    /**
     * Replaces the initial ID, as a client does when the server's first packet names the ID the server
     * chose (RFC 9000 §7.2), which may follow a Retry.
     *
     * @throws IllegalStateException if a NEW_CONNECTION_ID frame was accepted already or the initial ID
     *     is no longer in use
     */
    public void replaceInitial(ConnectionId cid) {
        Objects.requireNonNull(cid, "cid");
        if (newConnectionIdSeen || current.sequenceNumber != 0) {
            throw new IllegalStateException("the initial connection ID can change only during the handshake");
        }
        if (qlog != null) {
            qlog.connectionIdUpdated(false, current.cid, cid);
        }
        current.cid = cid;
    }

    /**
     * Sets the token of the initial ID from the server's stateless_reset_token transport parameter
     * (RFC 9000 §18.2). Ignored if the peer already had the initial ID retired.
     *
     * @throws IllegalStateException if a different token was set already
     */
    public void setInitialStatelessResetToken(StatelessResetToken token) {
        Objects.requireNonNull(token, "token");
        int i = indexOf(0);
        if (i < 0) {
            return;
        }
        Entry e = active[i];
        if (e.token != null) {
            if (!e.token.equals(token)) {
                throw new IllegalStateException("the initial stateless reset token is already set");
            }
            return;
        }
        e.token = token;
        if (e.used) {
            registry.addPeerResetToken(token);
        }
    }

    /**
     * Adds the ID of the server's preferred_address transport parameter, sequence number 1 (RFC 9000
     * §5.1.1), for a client to use when it moves to that address.
     *
     * @throws QuicProtocolException TRANSPORT_PARAMETER_ERROR if the server chose a zero-length ID, or
     *     offers a zero-length one or its initial one (RFC 9000 §18.2)
     * @throws IllegalStateException if a NEW_CONNECTION_ID frame was accepted already
     */
    public void onPreferredAddress(ConnectionId cid, StatelessResetToken token) throws QuicProtocolException {
        Objects.requireNonNull(token, "token");
        if (newConnectionIdSeen) {
            throw new IllegalStateException("transport parameters come before NEW_CONNECTION_ID frames");
        }
        // RFC 9000 §18.2: no preferred address with zero-length IDs; the client MUST treat it as an error.
        if (current.cid.length() == 0 || cid.length() == 0) {
            throw new QuicProtocolException(TransportErrorCode.TRANSPORT_PARAMETER_ERROR,
                    "preferred_address with a zero-length connection ID");
        }
        if (cid.equals(current.cid)) {
            throw new QuicProtocolException(TransportErrorCode.TRANSPORT_PARAMETER_ERROR,
                    "preferred_address repeats the initial connection ID");
        }
        newConnectionIdSeen = true;
        advanceHighest(1);
        active[activeCount++] = new Entry(1, cid, token);
    }

    /** Handles a decoded NEW_CONNECTION_ID frame; see {@link #onNewConnectionId(long, long, ConnectionId, StatelessResetToken)}. */
    public void onNewConnectionId(NewConnectionIdFrame frame) throws QuicProtocolException {
        onNewConnectionId(frame.sequenceNumber(), frame.retirePriorTo(), frame.connectionId(),
                StatelessResetToken.of(frame.statelessResetToken()));
    }

    /**
     * Handles a NEW_CONNECTION_ID frame (RFC 9000 §19.15): retires every ID below an increased Retire
     * Prior To, switching {@link #current()} to another active ID if it was among them, then adds the new ID.
     * A repeat of a frame already received changes nothing.
     *
     * @throws QuicProtocolException PROTOCOL_VIOLATION if we send zero-length IDs to the peer, or the frame
     *     gives a known sequence number another ID or token, or a known ID another sequence number;
     *     FRAME_ENCODING_ERROR if Retire Prior To exceeds the sequence number or the ID is empty;
     *     CONNECTION_ID_LIMIT_ERROR if the peer would then have more active IDs than our limit, or we would
     *     owe it more retirements than we track
     */
    public void onNewConnectionId(long sequenceNumber, long retirePriorTo, ConnectionId cid,
            StatelessResetToken token) throws QuicProtocolException {
        Objects.requireNonNull(cid, "cid");
        Objects.requireNonNull(token, "token");
        if (current.cid.length() == 0) {
            // RFC 9000 §19.15: an endpoint sending zero-length Destination IDs MUST treat receipt as an error.
            throw error(TransportErrorCode.PROTOCOL_VIOLATION,
                    "NEW_CONNECTION_ID received while the peer uses a zero-length connection ID");
        }
        // RFC 9000 §19.15: the frame decoder checks both already; a caller that built the values itself may not.
        if (retirePriorTo > sequenceNumber) {
            throw error(TransportErrorCode.FRAME_ENCODING_ERROR,
                    "Retire Prior To " + retirePriorTo + " exceeds the sequence number " + sequenceNumber);
        }
        if (cid.length() == 0) {
            throw error(TransportErrorCode.FRAME_ENCODING_ERROR, "NEW_CONNECTION_ID with a zero-length ID");
        }
        boolean known = false;
        for (int i = 0; i < activeCount; i++) {
            Entry e = active[i];
            boolean sameSequence = e.sequenceNumber == sequenceNumber;
            boolean sameId = e.cid.equals(cid);
            if (sameSequence && (!sameId || !token.equals(e.token))) {
                // RFC 9000 §19.15: a sequence number used for different IDs (or tokens) MAY be an error.
                throw error(TransportErrorCode.PROTOCOL_VIOLATION,
                        "sequence number " + sequenceNumber + " reissued with a different ID or token");
            }
            if (!sameSequence && sameId) {
                // RFC 9000 §19.15: an ID repeated with a different sequence number MAY be an error.
                throw error(TransportErrorCode.PROTOCOL_VIOLATION,
                        "connection ID reissued as sequence number " + sequenceNumber + ", was "
                                + e.sequenceNumber);
            }
            known |= sameSequence;
        }
        newConnectionIdSeen = true;

        // RFC 9000 §19.15: Retire Prior To values that do not increase the largest received are ignored.
        if (retirePriorTo > largestRetirePriorTo) {
            largestRetirePriorTo = retirePriorTo;
            // RFC 9000 §5.1.2: retire the IDs below it before adding the new one.
            for (int i = 0; i < activeCount; ) {
                Entry e = active[i];
                if (e.sequenceNumber < retirePriorTo) {
                    queueRetirement(e.sequenceNumber);
                    removeAt(i);
                } else {
                    i++;
                }
            }
        }
        if (!known) {
            addOrRetire(sequenceNumber, cid, token);
        }
        if (indexOf(current.sequenceNumber) < 0) {
            // The one we sent to was retired; the frame's own ID is active (Retire Prior To <= its
            // sequence number), so there is always one to switch to.
            switchTo(lowestActive());
        }
    }

    private void addOrRetire(long sequenceNumber, ConnectionId cid, StatelessResetToken token)
            throws QuicProtocolException {
        if (sequenceNumber > highestSequenceNumber) {
            // Never below the largest Retire Prior To, which no frame carries above its own sequence number.
            advanceHighest(sequenceNumber);
        } else if (sequenceNumber < largestRetirePriorTo || retiredOrForgotten(sequenceNumber)) {
            // RFC 9000 §19.15: below a Retire Prior To received before, the ID MUST be retired unless it
            // already was. Beyond the window of sequence numbers we remember, we retire it again: a
            // duplicate RETIRE_CONNECTION_ID is harmless, using a retired ID is not.
            if (!retiredRecently(sequenceNumber) && retireIndexOf(sequenceNumber) < 0) {
                queueRetirement(sequenceNumber);
            }
            return;
        }
        // RFC 9000 §5.1.1: after adding and retiring, more active IDs than our limit MUST close the connection.
        if (activeCount == limit) {
            throw error(TransportErrorCode.CONNECTION_ID_LIMIT_ERROR,
                    "more than " + limit + " active connection IDs");
        }
        active[activeCount++] = new Entry(sequenceNumber, cid, token);
    }

    // An old sequence number not active: retired by us, or too old to know; a new one within the window
    // that we never saw is neither.
    private boolean retiredOrForgotten(long sequenceNumber) {
        long age = highestSequenceNumber - sequenceNumber;
        return age >= RETIRED_WINDOW || (retiredMask & (1L << age)) != 0;
    }

    private boolean retiredRecently(long sequenceNumber) {
        long age = highestSequenceNumber - sequenceNumber;
        return age >= 0 && age < RETIRED_WINDOW && (retiredMask & (1L << age)) != 0;
    }

    private void advanceHighest(long sequenceNumber) {
        long shift = sequenceNumber - highestSequenceNumber;
        retiredMask = shift >= RETIRED_WINDOW ? 0 : retiredMask << shift;
        highestSequenceNumber = sequenceNumber;
    }

    /**
     * Stops using the current ID: switches to an active one not used before and retires the old one
     * (RFC 9000 §5.1.2), as an endpoint does when it moves to a new path (§9.5) or to stay unlinkable.
     *
     * @return false, changing nothing, if the peer offered no unused ID or we already owe as many
     *     retirements as we track
     */
    public boolean rotate() {
        if (retireCount == retireSequence.length) {
            return false;
        }
        Entry next = lowestUnused();
        if (next == null) {
            return false;
        }
        long old = current.sequenceNumber;
        switchTo(next);
        removeAt(indexOf(old));
        appendRetirement(old);
        return true;
    }

    /**
     * Switches to the active ID {@code sequenceNumber} and retires every active ID below {@code retirePriorTo}
     * (RFC 9000 §5.1.2), as the application asks with the socket draft's CONNECTION_ID option. The ID switched
     * from stays active unless it is below {@code retirePriorTo}.
     *
     * @return false, changing nothing, if we would then owe more retirements than we track
     * @throws IllegalArgumentException if {@code sequenceNumber} is not an active ID, or {@code retirePriorTo}
     *     exceeds it (the ID switched to cannot be retired at once)
     */
    public boolean use(long sequenceNumber, long retirePriorTo) {
        int index = indexOf(sequenceNumber);
        if (index < 0) {
            throw new IllegalArgumentException("no active peer connection ID has sequence number " + sequenceNumber);
        }
        if (retirePriorTo > sequenceNumber) {
            throw new IllegalArgumentException("cannot retire prior to " + retirePriorTo + " and use "
                    + sequenceNumber);
        }
        int retiring = 0;
        for (int i = 0; i < activeCount; i++) {
            if (active[i].sequenceNumber < retirePriorTo && retireIndexOf(active[i].sequenceNumber) < 0) {
                retiring++;
            }
        }
        if (retireCount + retiring > retireSequence.length) {
            return false;
        }
        switchTo(active[index]);
        for (int i = 0; i < activeCount; ) {
            long n = active[i].sequenceNumber;
            if (n < retirePriorTo) {
                removeAt(i);
                if (retireIndexOf(n) < 0) {
                    appendRetirement(n);
                }
            } else {
                i++;
            }
        }
        return true;
    }

    /**
     * Takes the lowest active ID never sent to for a new path (RFC 9000 §9.5: a new local address gets an ID not
     * used from another one). It is marked used, so its stateless reset token counts from now on (§10.3.1), but the
     * current ID stays what it is until {@link #moveTo}.
     *
     * @return its sequence number, or -1 if the peer offered no unused ID
     */
    public long reserveUnused() {
        Entry next = lowestUnused();
        if (next == null) {
            return -1;
        }
        markUsed(next);
        return next.sequenceNumber;
    }

    /**
     * Takes the active ID {@code sequenceNumber} for a new path, as {@link #reserveUnused()} does: the ID of a
     * server's preferred_address, sequence number 1 (RFC 9000 §9.6.1). {@return false if it is not active}
     */
    public boolean reserve(long sequenceNumber) {
        int index = indexOf(sequenceNumber);
        if (index < 0) {
            return false;
        }
        markUsed(active[index]);
        return true;
    }

    /** {@return the active ID numbered {@code sequenceNumber}, or null if it is not (or no longer) active} */
    public ConnectionId activeId(long sequenceNumber) {
        int index = indexOf(sequenceNumber);
        return index < 0 ? null : active[index].cid;
    }

    /**
     * Switches to the active ID {@code sequenceNumber}, a new path's, and retires the one sent to until now (RFC
     * 9000 §9.5: the old path's ID is not used on the new one, and is no longer needed).
     *
     * @return false, changing nothing, if that ID is not active or is the current one, or we already owe as many
     *     retirements as we track
     */
    public boolean moveTo(long sequenceNumber) {
        int index = indexOf(sequenceNumber);
        if (index < 0 || active[index] == current || retireCount == retireSequence.length) {
            return false;
        }
        long old = current.sequenceNumber;
        switchTo(active[index]);
        removeAt(indexOf(old));
        appendRetirement(old);
        return true;
    }

    /**
     * Retires the active ID {@code sequenceNumber}, which is not the current one: the ID of a path that was given
     * up, which may not be used from another local address (RFC 9000 §9.5).
     *
     * @return false, changing nothing, if it is not active, is the current one, or we already owe as many
     *     retirements as we track
     */
    public boolean retire(long sequenceNumber) {
        int index = indexOf(sequenceNumber);
        if (index < 0 || active[index] == current || retireCount == retireSequence.length) {
            return false;
        }
        removeAt(index);
        appendRetirement(sequenceNumber);
        return true;
    }

    /** {@return the lowest sequence number among the active IDs, {@link #current()} included} */
    public long lowestActiveSequenceNumber() {
        return lowestActive().sequenceNumber;
    }

    /** {@return the highest sequence number among the active IDs} */
    public long highestActiveSequenceNumber() {
        long highest = active[0].sequenceNumber;
        for (int i = 1; i < activeCount; i++) {
            highest = Math.max(highest, active[i].sequenceNumber);
        }
        return highest;
    }

    /** {@return the ID to put in the Destination Connection ID of the packets we send} */
    public ConnectionId current() {
        return current.cid;
    }

    /**
     * Logs every change of {@link #current()} from now on to {@code trace} as connectivity:connection_id_updated
     * (owner remote: the peer issued these IDs); null stops.
     */
    public void setQlog(QlogTrace trace) {
        this.qlog = trace;
    }

    /** {@return the sequence number of {@link #current()}} */
    public long currentSequenceNumber() {
        return current.sequenceNumber;
    }

    /** {@return the number of the peer's IDs we have not retired, {@link #current()} included} */
    public int activeCount() {
        return activeCount;
    }

    /** {@return the number of active IDs we never sent to, ready for {@link #rotate()} or a new path} */
    public int unusedCount() {
        int n = 0;
        for (int i = 0; i < activeCount; i++) {
            if (!active[i].used) {
                n++;
            }
        }
        return n;
    }

    /** {@return the largest Retire Prior To the peer sent} */
    public long largestRetirePriorTo() {
        return largestRetirePriorTo;
    }

    /**
     * {@return true if the datagram between its position and limit ends in the stateless reset token of
     * an active ID of the peer that we have sent to} RFC 9000 §10.3.1: every such token is compared, each
     * in constant time, and none of an ID unused or retired. Datagrams too short to be a Stateless Reset
     * ({@value StatelessReset#MIN_LENGTH} bytes) never match. The buffer is not changed.
     */
    public boolean isStatelessReset(ByteBuffer datagram) {
        if (datagram.remaining() < StatelessReset.MIN_LENGTH) {
            return false;
        }
        int tokenIndex = datagram.limit() - StatelessResetToken.LENGTH;
        boolean match = false;
        for (int i = 0; i < activeCount; i++) {
            Entry e = active[i];
            if (e.used && e.token != null) {
                // Non-short-circuit OR: every token is compared whichever matches.
                match |= e.token.matches(datagram, tokenIndex);
            }
        }
        return match;
    }

    /** {@return true if a RETIRE_CONNECTION_ID frame is waiting to be written} */
    public boolean hasPending() {
        return retirePending > 0;
    }

    /** {@return the number of retirements not yet acknowledged, written or not} */
    public int unacknowledgedRetirements() {
        return retireCount;
    }

    /**
     * Writes the RETIRE_CONNECTION_ID frames owed, oldest first, as many as fit in both {@code maxBytes}
     * and the buffer, and calls {@code written} with the sequence number of each.
     *
     * @return the number of bytes written
     */
    public int writeFrames(ByteBuffer out, int maxBytes, LongConsumer written) {
        int room = Math.min(maxBytes, out.remaining());
        int total = 0;
        for (int i = 0; i < retireCount && retirePending > 0; i++) {
            if (retireState[i] != PENDING) {
                continue;
            }
            long sequenceNumber = retireSequence[i];
            int length = FrameEncoder.retireConnectionIdLength(sequenceNumber);
            if (length > room - total) {
                continue;
            }
            total += FrameEncoder.writeRetireConnectionId(out, sequenceNumber);
            retireState[i] = IN_FLIGHT;
            retirePending--;
            written.accept(sequenceNumber);
        }
        return total;
    }

    /** The packet carrying RETIRE_CONNECTION_ID {@code sequenceNumber} was acknowledged: it is done. */
    public void onRetireConnectionIdAcked(long sequenceNumber) {
        int i = retireIndexOf(sequenceNumber);
        if (i < 0) {
            return;
        }
        if (retireState[i] == PENDING) {
            retirePending--;
        }
        System.arraycopy(retireSequence, i + 1, retireSequence, i, retireCount - i - 1);
        System.arraycopy(retireState, i + 1, retireState, i, retireCount - i - 1);
        retireCount--;
    }

    /** The packet carrying RETIRE_CONNECTION_ID {@code sequenceNumber} was lost: it is written again. */
    public void onRetireConnectionIdLost(long sequenceNumber) {
        int i = retireIndexOf(sequenceNumber);
        if (i >= 0 && retireState[i] == IN_FLIGHT) {
            retireState[i] = PENDING;
            retirePending++;
        }
    }

    private void queueRetirement(long sequenceNumber) throws QuicProtocolException {
        if (retireIndexOf(sequenceNumber) >= 0) {
            return;
        }
        if (retireCount == retireSequence.length) {
            // RFC 9000 §5.1.2: MAY treat more IDs in need of retirement than we track as this error.
            throw error(TransportErrorCode.CONNECTION_ID_LIMIT_ERROR,
                    "more than " + retireSequence.length + " connection IDs awaiting retirement");
        }
        appendRetirement(sequenceNumber);
    }

    private void appendRetirement(long sequenceNumber) {
        long age = highestSequenceNumber - sequenceNumber;
        if (age >= 0 && age < RETIRED_WINDOW) {
            retiredMask |= 1L << age;
        }
        retireSequence[retireCount] = sequenceNumber;
        retireState[retireCount] = PENDING;
        retireCount++;
        retirePending++;
    }

    private int retireIndexOf(long sequenceNumber) {
        for (int i = 0; i < retireCount; i++) {
            if (retireSequence[i] == sequenceNumber) {
                return i;
            }
        }
        return -1;
    }

    private void switchTo(Entry e) {
        if (qlog != null && current != e) {
            qlog.connectionIdUpdated(false, current.cid, e.cid);
        }
        current = e;
        markUsed(e);
    }

    private void markUsed(Entry e) {
        if (!e.used && e.token != null) {
            registry.addPeerResetToken(e.token);
        }
        e.used = true;
    }

    /** {@return the active ID never sent to with the lowest sequence number, or null} */
    private Entry lowestUnused() {
        Entry next = null;
        for (int i = 0; i < activeCount; i++) {
            Entry e = active[i];
            if (!e.used && (next == null || e.sequenceNumber < next.sequenceNumber)) {
                next = e;
            }
        }
        return next;
    }

    private Entry lowestActive() {
        Entry lowest = active[0];
        for (int i = 1; i < activeCount; i++) {
            if (active[i].sequenceNumber < lowest.sequenceNumber) {
                lowest = active[i];
            }
        }
        return lowest;
    }

    private int indexOf(long sequenceNumber) {
        for (int i = 0; i < activeCount; i++) {
            if (active[i].sequenceNumber == sequenceNumber) {
                return i;
            }
        }
        return -1;
    }

    private void removeAt(int i) {
        Entry e = active[i];
        if (e.used && e.token != null) {
            registry.removePeerResetToken(e.token);
        }
        System.arraycopy(active, i + 1, active, i, activeCount - i - 1);
        active[--activeCount] = null;
    }

    private static QuicProtocolException error(TransportErrorCode code, String reason) {
        return new QuicProtocolException(code, FRAME_TYPE_NEW_CONNECTION_ID, reason);
    }
}
