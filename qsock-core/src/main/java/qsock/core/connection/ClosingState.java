package qsock.core.connection;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.api.Role;
import qsock.core.error.ConnectionError;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.ApplicationCloseFrame;
import qsock.core.frame.ConnectionCloseFrame;
import qsock.core.frame.Frame;
import qsock.core.frame.FrameEncoder;
import qsock.core.packet.PacketNumberSpace;

/**
 * The closing state machine of a connection (RFC 9000 §10): an immediate close enters the closing period, in which
 * what arrives is answered with CONNECTION_CLOSE, ever more sparsely; a close from the peer, or a stateless reset,
 * enters the draining period, in which nothing is sent; either lasts three PTOs ({@link Timer#CLOSE}), then the
 * connection is CLOSED and its connection IDs are unregistered. An idle timeout or an abandon closes at once.
 * The connection's {@link ConnectionState} and close error are set here only.
 *
 * <p>Not thread-safe; part of its {@link QuicConnection}.
 */
final class ClosingState {

    /** Answers to what arrives while closing grow sparser: on the 1st, 2nd, 4th, 8th... (RFC 9000 §10.2.1). */
    private static final int MAX_CLOSE_REPEATS = 16;
    private static final PacketNumberSpace[] SPACES = PacketNumberSpace.values();

    private final QuicConnection c;
    /** Whether a datagram of CONNECTION_CLOSE packets is to be sent. */
    private boolean answerPending;
    /** Datagrams that arrived in the closing period. */
    private int triggers;
    /** Datagrams of CONNECTION_CLOSE sent. */
    private int sent;

    ClosingState(QuicConnection connection) {
        this.c = connection;
    }

    /** Closes with {@code error} (ours): the closing period starts at {@code now}, CONNECTION_CLOSE goes next. */
    void enterClosing(ConnectionError error, long now) {
        c.closeError = error;
        c.state = ConnectionState.CLOSING;
        answerPending = true;
        startPeriod(now);
        c.events.add(new ConnectionEvent.Closed(error));
    }

    /** The peer closed with {@code error}, or reset the connection: the draining period starts at {@code now}. */
    void enterDraining(ConnectionError error, long now) {
        if (c.state.isClosingOrClosed()) {
            return;
        }
        c.closeError = error;
        c.state = ConnectionState.DRAINING;
        startPeriod(now);
        c.events.add(new ConnectionEvent.Closed(error));
    }

    /** Closes at once with {@code error}, sending nothing: an idle timeout (RFC 9000 §10.1), an abandon. */
    void closeSilently(ConnectionError error) {
        if (c.state == ConnectionState.CLOSED) {
            return;
        }
        if (!c.state.isClosingOrClosed()) {
            c.closeError = error;
            c.events.add(new ConnectionEvent.Closed(error));
        }
        enterClosed();
    }

    /** The closing or draining period lasts three PTOs from {@code now} (RFC 9000 §10.2); no other timer runs. */
    private void startPeriod(long now) {
        c.timers.stopAll();
        c.timers.set(Timer.CLOSE, now + 3 * c.recovery.rtt().pto(c.peerMaxAckDelayNanos, true));
    }

    /** The connection ends: CLOSED, no timer, its connection IDs unregistered. */
    void enterClosed() {
        c.state = ConnectionState.CLOSED;
        c.timers.stopAll();
        c.localIds.unregisterAll();
        c.destroyKeys();
    }

    /** Ends the closing or draining period once {@code now} reached its end. */
    void onTimeout(long now) {
        if (c.timers.isExpired(Timer.CLOSE, now)) {
            enterClosed();
        }
    }

    /** A datagram arrived in the closing period: answered on the 1st, 2nd, 4th, 8th... (RFC 9000 §10.2.1). */
    void onDatagram() {
        triggers++;
        if (Integer.bitCount(triggers) == 1 && sent < MAX_CLOSE_REPEATS) {
            answerPending = true;
        }
    }

    /** {@return whether a datagram of CONNECTION_CLOSE packets waits to be sent} */
    boolean answerPending() {
        return answerPending;
    }

    /**
     * Writes a datagram of CONNECTION_CLOSE packets of at most {@code budget} bytes, one in each space with keys
     * (RFC 9000 §10.2.3), padded as any datagram with a client's Initial. They are not tracked by recovery: if one
     * is refused or lost, the next trigger sends another (§10.2.1).
     *
     * @return the datagram's length, 0 if no space has room
     */
    int writeClose(ByteBuffer out, int budget, long now) {
        answerPending = false;
        sent++;
        PacketBuilder b = c.builder;
        b.startDatagram(out, budget);
        for (PacketNumberSpace id : SPACES) {
            PacketSpace space = c.spaces[id.ordinal()];
            if (!c.canSendIn(space) || b.room() < 128) {
                continue;
            }
            b.begin(space, c.sender.sealerOf(space), c.peerIds.current(), c.localIds.initial(),
                    c.sender.tokenFor(space));
            writeCloseFrame(out, id, b.payloadLimit() - out.position());
            b.finishUntracked();
        }
        if (b.packetCount() == 0) {
            return 0;
        }
        if (c.role() == Role.CLIENT && b.holds(PacketNumberSpace.INITIAL)) {
            b.padDatagram(ConnectionConfig.MIN_DATAGRAM_SIZE);
        }
        int length = b.seal(now);
        c.amplification.onSent(length);
        return length;
    }

    private void writeCloseFrame(ByteBuffer out, PacketNumberSpace id, int room) {
        ConnectionError e = c.closeError;
        byte[] reason = e.reason().getBytes(StandardCharsets.UTF_8);
        int maxReason = Math.max(0, Math.min(reason.length, room - 24));
        ByteBuffer phrase = ByteBuffer.wrap(reason, 0, maxReason);
        Frame frame;
        if (e.kind() == ConnectionError.Kind.APPLICATION) {
            if (id == PacketNumberSpace.APPLICATION) {
                frame = new ApplicationCloseFrame(e.code(), phrase);
            } else {
                // RFC 9000 §10.2.3: in Initial and Handshake packets an application close becomes
                // APPLICATION_ERROR, without the application's reason.
                frame = new ConnectionCloseFrame(TransportErrorCode.APPLICATION_ERROR, 0, ByteBuffer.allocate(0));
            }
        } else {
            frame = new ConnectionCloseFrame(TransportErrorCode.of(e.code()), e.frameType(), phrase);
        }
        FrameEncoder.encode(out, frame);
    }
}
