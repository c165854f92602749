package qsock.core.stream;

/**
 * One open stream as {@link StreamManager} keeps it: its two parts (either may be absent on a
 * unidirectional stream) and the flags that say which of the manager's queues it sits in and which of
 * its frames are due, so that nothing is ever found by scanning all streams.
 */
final class StreamEntry {

    final long id;
    final SendStream send;
    final RecvStream recv;
    final boolean peerInitiated;

    boolean removed;
    boolean inFlushable;
    boolean inConnBlocked;
    boolean inControl;
    boolean readableQueued;
    boolean writableQueued;
    /** A {@link StreamEvent.MaxStreamDataRaised} for it waits in the queue: later raises coalesce into it. */
    boolean maxDataEventQueued;
    boolean writeBlocked;
    /** Its last write was cut short by the connection's send bound (see {@link StreamManager}). */
    boolean sendWaiting;
    boolean inRoomWaiters;
    /** Its place in the manager's queue of readable streams (a list through the entries: O(1) to leave). */
    boolean inReadable;
    StreamEntry readablePrev;
    StreamEntry readableNext;

    boolean resetPending;
    boolean stopSendingPending;
    boolean stopSendingRequested;
    long stopSendingCode = -1;
    boolean maxStreamDataPending;
    boolean streamDataBlockedPending;

    StreamEntry(long id, SendStream send, RecvStream recv, boolean peerInitiated) {
        this.id = id;
        this.send = send;
        this.recv = recv;
        this.peerInitiated = peerInitiated;
    }
}
