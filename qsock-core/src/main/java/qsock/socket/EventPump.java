package qsock.socket;

import java.util.ArrayDeque;
import java.util.function.Consumer;
import qsock.core.connection.ConnectionEvent;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.stream.StreamEvent;
import qsock.core.stream.StreamManager;

/**
 * Moves what a connection and its streams report into one socket's {@link QuicEvent} queue, or to its listener,
 * keeping only the kinds the application turned on ({@link QuicSocketOptions#EVENT}; all off at first, as in the
 * kernel), and tells after a batch of the I/O thread whether it changed anything that the socket's waiters wait for.
 * Every call is made with the endpoint's lock held.
 */
final class EventPump {

    /** Events beyond this many wait in vain: the oldest is dropped (the draft's events are opt-in hints). */
    private static final int MAX_EVENTS = 1024;

    // Small at first: an idle connection keeps it, empty.
    private final ArrayDeque<QuicEvent> events = new ArrayDeque<>(2);
    // What waiters last heard of, so that a batch that changed nothing for this connection wakes nobody.
    private long packetsSignalled = -1;
    private ConnectionState stateSignalled;
    /** The kinds turned on, as {@link QuicEvent.Type#bit()}s. */
    private int enabled;
    /** Where events go instead of the queue; null for the queue. */
    private Consumer<? super QuicEvent> listener;

    /** {@return the kinds turned on, as bits} */
    int enabled() {
        return enabled;
    }

    /** Turns the kinds of {@code bits} on and the others off. */
    void enable(int bits) {
        enabled = bits;
    }

    /** Sends events to {@code to} from now on, or to the queue if null; those queued already go to it first. */
    void listen(Consumer<? super QuicEvent> to) {
        listener = to;
        if (to != null) {
            for (QuicEvent e = events.poll(); e != null; e = events.poll()) {
                to.accept(e);
            }
        }
    }

    /** Moves the connection's and its streams' events into the queue; {@return true if there was any} */
    boolean drain(QuicConnection c, ConnectionStreams socketStreams) {
        boolean any = false;
        for (ConnectionEvent e = c.pollEvent(); e != null; e = c.pollEvent()) {
            any = true;
            switch (e) {
                case ConnectionEvent.Closed closed -> add(new QuicEvent.ConnectionClose(closed.error()));
                case ConnectionEvent.HandshakeCompleted done -> { }
                case ConnectionEvent.HandshakeConfirmed confirmed -> { }
                case ConnectionEvent.HalfRttReady ready -> { }
                case ConnectionEvent.Migrated m -> add(new QuicEvent.ConnectionMigration(m.local()));
                case ConnectionEvent.MigrationFailed f -> add(new QuicEvent.ConnectionMigrationFailed());
                case ConnectionEvent.ConnectionIdsChanged ids -> add(new QuicEvent.ConnectionIds(
                        new ConnectionIdInfo(ids.destination(), ids.active(), ids.priorTo())));
                case ConnectionEvent.KeyUpdated k -> add(new QuicEvent.KeyUpdate(k.keyPhase(), k.local()));
                case ConnectionEvent.NewToken t -> add(new QuicEvent.NewToken(t.token()));
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
                case StreamEvent.StopSendingReceived s -> {
                    socketStreams.sendingEnded(s.streamId());
                    add(new QuicEvent.StreamUpdate(s.streamId(), QuicEvent.StreamState.SEND_RESET_SENT, s.errorCode(),
                            0));
                }
                // Each raise is told by MaxStreamsRaised when the application asked for them (STREAM_MAX_STREAM).
                case StreamEvent.StreamsAvailable a -> { }
                case StreamEvent.MaxStreamsRaised m -> add(new QuicEvent.MaxStreams(m.bidirectional(), m.maxStreams()));
                case StreamEvent.MaxStreamDataRaised m -> add(new QuicEvent.MaxStreamData(m.streamId(), m.maxData()));
                case StreamEvent.DataAcknowledged d -> add(new QuicEvent.StreamUpdate(d.streamId(),
                        QuicEvent.StreamState.SEND_RECVD, 0, 0));
                case StreamEvent.ResetAcknowledged r -> add(new QuicEvent.StreamUpdate(r.streamId(),
                        QuicEvent.StreamState.SEND_RESET_RECVD, r.errorCode(), r.finalSize()));
                case StreamEvent.FirstDataReceived f -> add(new QuicEvent.StreamUpdate(f.streamId(),
                        QuicEvent.StreamState.RECV_RECV, 0, 0));
                case StreamEvent.SizeKnown k -> add(new QuicEvent.StreamUpdate(k.streamId(),
                        QuicEvent.StreamState.RECV_SIZE_KNOWN, 0, k.finalSize()));
                case StreamEvent.AllDataReceived a -> add(new QuicEvent.StreamUpdate(a.streamId(),
                        QuicEvent.StreamState.RECV_RECVD, 0, a.finalSize()));
                case StreamEvent.Opened o -> socketStreams.peerOpened(o.streamId());
                case StreamEvent.Writable w -> { }
                case StreamEvent.Closed closedStream -> socketStreams.sendingEnded(closedStream.streamId());
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

    /**
     * Reports an event the socket learns of itself (a session ticket from the TLS stack); {@return true if it was
     * kept, its kind being on}
     */
    boolean report(QuicEvent e) {
        boolean on = (enabled & e.type().bit()) != 0;
        add(e);
        return on;
    }

    private void add(QuicEvent e) {
        if ((enabled & e.type().bit()) == 0) {
            return;
        }
        Consumer<? super QuicEvent> to = listener;
        if (to != null) {
            to.accept(e);
            return;
        }
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
