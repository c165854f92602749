package qsock.socket;

import java.util.ArrayDeque;
import qsock.core.connection.ConnectionEvent;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.stream.StreamEvent;
import qsock.core.stream.StreamManager;

/**
 * Moves what a connection and its streams report into one socket's {@link QuicEvent} queue, and tells after a batch
 * of the I/O thread whether it changed anything that the socket's waiters wait for. Every call is made with the
 * endpoint's lock held.
 */
final class EventPump {

    /** Events beyond this many wait in vain: the oldest is dropped (the draft's events are opt-in hints). */
    private static final int MAX_EVENTS = 1024;

    // Small at first: an idle connection keeps it, empty.
    private final ArrayDeque<QuicEvent> events = new ArrayDeque<>(2);
    // What waiters last heard of, so that a batch that changed nothing for this connection wakes nobody.
    private long packetsSignalled = -1;
    private ConnectionState stateSignalled;

    /** Moves the connection's and its streams' events into the queue; {@return true if there was any} */
    boolean drain(QuicConnection c) {
        boolean any = false;
        for (ConnectionEvent e = c.pollEvent(); e != null; e = c.pollEvent()) {
            any = true;
            switch (e) {
                case ConnectionEvent.Closed closed -> add(new QuicEvent.ConnectionClose(closed.error()));
                case ConnectionEvent.HandshakeCompleted done ->
                        add(new QuicEvent.HandshakeCompleted(done.applicationProtocol()));
                case ConnectionEvent.HandshakeConfirmed confirmed -> { }
                case ConnectionEvent.HalfRttReady ready -> { }
                case ConnectionEvent.Migrated m -> add(new QuicEvent.ConnectionMigration(m.local()));
                case ConnectionEvent.MigrationFailed f -> add(new QuicEvent.ConnectionMigrationFailed());
                case ConnectionEvent.ConnectionIdsChanged ids -> add(new QuicEvent.ConnectionIds(
                        new ConnectionIdInfo(ids.destination(), ids.active(), ids.priorTo())));
            }
        }
        StreamManager streams = c.streams();
        for (StreamEvent e = streams.pollEvent(); e != null; e = streams.pollEvent()) {
            any = true;
            switch (e) {
                // The stream manager keeps the readable streams in turn itself (readableNext).
                case StreamEvent.Readable r -> { }
                case StreamEvent.ResetReceived r -> add(new QuicEvent.StreamUpdate(r.streamId(),
                        QuicEvent.StreamState.RECV_RESET_RECVD, r.errorCode(), r.finalSize()));
                case StreamEvent.StopSendingReceived s -> add(new QuicEvent.StreamUpdate(s.streamId(),
                        QuicEvent.StreamState.SEND_RESET_SENT, s.errorCode(), 0));
                case StreamEvent.StreamsAvailable a ->
                        add(new QuicEvent.MaxStreams(a.bidirectional(), streams.peerMaxStreams(a.bidirectional())));
                case StreamEvent.Opened o -> { }
                case StreamEvent.Writable w -> { }
                case StreamEvent.Closed closedStream -> { }
            }
        }
        return any;
    }

    /**
     * {@return true if the batch the I/O thread just ran changed something for the connection's waiters} Events
     * (drained first, so {@code drained} tells), packets received, or a new state.
     */
    boolean changed(QuicConnection c, boolean drained) {
        long packets = c.packetsReceived();
        ConnectionState state = c.state();
        if (drained || packets != packetsSignalled || state != stateSignalled) {
            packetsSignalled = packets;
            stateSignalled = state;
            return true;
        }
        return false;
    }

    /** {@return the oldest event not yet polled, or null} */
    QuicEvent poll() {
        return events.poll();
    }

    private void add(QuicEvent e) {
        if (events.size() >= MAX_EVENTS) {
            events.poll();
        }
        events.add(e);
    }

    /** {@return true if no event waits to be polled} */
    boolean isEmpty() {
        return events.isEmpty();
    }
}
