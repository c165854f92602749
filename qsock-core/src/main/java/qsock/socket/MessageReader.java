package qsock.socket;

import java.nio.ByteBuffer;
import java.util.Arrays;
import qsock.api.Role;
import qsock.core.connection.QuicConnection;
import qsock.core.error.StreamResetException;

/**
 * What {@link QuicSocket#receive(ByteBuffer, int)} reads next, in the kernel's order (its inqueue puts events ahead of
 * stream data and datagrams): a datagram or event begun, the events turned on, datagrams, then stream data of one
 * stream at a time. Keeps what a call left: a datagram or event larger than the caller's buffer, read in parts until
 * {@link StreamFlags#EOR}, and what {@link StreamFlags#PEEK} looked at, which the next call returns again (stream data
 * peeked at waits behind events that arrive meanwhile, as in the kernel). Every call is made with the endpoint's lock
 * held.
 */
final class MessageReader {

    /** A message held between calls: its bytes and how far they were read. */
    private static final class Held {
        byte[] bytes;
        int offset;
        /** {@link StreamFlags#DATAGRAM}, {@link StreamFlags#NOTIFICATION}, or 0 for stream data. */
        int kind;
        long streamId = -1;
        boolean fin;
        QuicEvent event;

        boolean isEmpty() {
            return bytes == null;
        }

        void hold(byte[] b, int k, long id, boolean f, QuicEvent e) {
            bytes = b;
            offset = 0;
            kind = k;
            streamId = id;
            fin = f;
            event = e;
        }

        /** Copies what fits, moving on unless {@code peek}; a message read to its end is let go. */
        QuicMessage serve(ByteBuffer dst, boolean peek) {
            int left = bytes.length - offset;
            int n = Math.min(dst.remaining(), left);
            dst.put(bytes, offset, n);
            boolean end = n == left;
            int flags = kind;
            if (end) {
                flags |= kind == 0 ? (fin ? StreamFlags.FIN : 0) : StreamFlags.EOR;
            }
            QuicMessage m = new QuicMessage(streamId, n, flags, event);
            if (!peek) {
                offset += n;
                if (end) {
                    bytes = null;
                    event = null;
                }
            }
            return m;
        }
    }

    /** A datagram or event begun or peeked at. */
    private final Held record = new Held();
    /** Stream data peeked at. */
    private final Held stream = new Held();

    /**
     * Reads the next message into {@code dst} as the kernel's recvmsg does.
     *
     * @return what was read, or null when nothing is there
     * @throws StreamResetException if the peer reset the stream whose turn it was
     */
    QuicMessage read(ByteBuffer dst, boolean peek, QuicConnection c, EventPump events, ConnectionStreams streams)
            throws StreamResetException {
        if (record.isEmpty()) {
            QuicEvent e = events.poll();
            if (e != null) {
                record.hold(QuicEvent.encode(e, c.role() == Role.SERVER), StreamFlags.NOTIFICATION, -1, false, e);
            } else {
                int length = c.nextDatagramLength();
                if (length >= 0) {
                    if (!peek && dst.remaining() >= length) {
                        c.receiveDatagram(dst);
                        return new QuicMessage(-1, length, StreamFlags.DATAGRAM | StreamFlags.EOR, null);
                    }
                    byte[] datagram = new byte[length];
                    c.receiveDatagram(ByteBuffer.wrap(datagram));
                    record.hold(datagram, StreamFlags.DATAGRAM, -1, false, null);
                }
            }
        }
        if (!record.isEmpty()) {
            return record.serve(dst, peek);
        }
        if (!stream.isEmpty()) {
            return stream.serve(dst, peek);
        }
        if (!peek) {
            StreamMessage m = streams.readNext(dst);
            return m == null ? null : new QuicMessage(m.streamId(), m.length(), m.fin() ? StreamFlags.FIN : 0, null);
        }
        // Peeked stream data is taken from the stream and held here: the stream's flow control window opens as if it
        // were read, which a peek of at most the caller's buffer can afford.
        ByteBuffer taken = ByteBuffer.allocate(dst.remaining());
        StreamMessage m = streams.readNext(taken);
        if (m == null) {
            return null;
        }
        stream.hold(Arrays.copyOf(taken.array(), m.length()), 0, m.streamId(), m.fin(), null);
        return stream.serve(dst, true);
    }

    /**
     * Reads stream data only, for {@link QuicSocket#receive(ByteBuffer)}: stream data peeked at first, else the next
     * readable stream's. A datagram or event begun stays for the next {@link #read}.
     */
    StreamMessage readStream(ByteBuffer dst, ConnectionStreams streams) throws StreamResetException {
        if (!stream.isEmpty()) {
            QuicMessage m = stream.serve(dst, false);
            return new StreamMessage(m.streamId(), m.length(), m.fin());
        }
        return streams.readNext(dst);
    }

    /**
     * Reads a whole datagram, for {@link QuicSocket#receiveDatagram}: the rest of one begun or peeked at, else the
     * connection's next. {@return its length, or -1 if none waits}
     *
     * @throws IllegalArgumentException if {@code dst} has less room than the datagram, which then stays
     */
    int readDatagram(ByteBuffer dst, QuicConnection c) {
        if (!record.isEmpty() && record.kind == StreamFlags.DATAGRAM) {
            int left = record.bytes.length - record.offset;
            if (dst.remaining() < left) {
                throw new IllegalArgumentException("a datagram of " + left + " bytes does not fit in "
                        + dst.remaining());
            }
            return record.serve(dst, false).length();
        }
        return c.receiveDatagram(dst);
    }

    /** {@return the event begun or peeked at, taken whole for {@link QuicSocket#pollEvent()}; else null} */
    QuicEvent takeEvent() {
        if (!record.isEmpty() && record.kind == StreamFlags.NOTIFICATION) {
            QuicEvent e = record.event;
            record.bytes = null;
            record.event = null;
            return e;
        }
        return null;
    }

    /** {@return whether a message begun or peeked at waits} */
    boolean hasPending() {
        return !record.isEmpty() || !stream.isEmpty();
    }
}
