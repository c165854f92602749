package qsock.interop.support;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Every datagram a {@link UdpRelay} forwarded, in order: time, direction, size and the unprotected part of the
 * QUIC header (first byte, and for long headers version and connection IDs), plus notes the test adds. A test
 * writes it to a temporary file when it fails, so a broken exchange can be read after the run.
 */
public final class PacketLog {
    /** Which way a datagram went. */
    public enum Direction {
        /** From the client to the server. */
        TO_SERVER("c->s"),
        /** From the server to the client. */
        TO_CLIENT("s->c");

        private final String arrow;

        Direction(String arrow) {
            this.arrow = arrow;
        }
    }

    private static final int HEAD = 40;

    private record Entry(long nanos, Direction direction, int length, byte[] head, String note) {}

    private final long start = System.nanoTime();
    private final List<Entry> entries = new ArrayList<>();
    private final long[] count = new long[2];
    private final long[] refused = new long[2];
    private final int[] largest = new int[2];

    /** Records one datagram; {@code datagram}'s position and limit are left as they were. */
    public synchronized void record(Direction direction, ByteBuffer datagram) {
        int length = datagram.remaining();
        byte[] head = new byte[Math.min(HEAD, length)];
        datagram.get(datagram.position(), head);
        entries.add(new Entry(System.nanoTime() - start, direction, length, head, null));
        count[direction.ordinal()]++;
        largest[direction.ordinal()] = Math.max(largest[direction.ordinal()], length);
    }

    /**
     * Counts one datagram going {@code direction} that the relay refused to relay because the test had finished its
     * connection ({@link UdpRelay#finishNewestClient}); it gets no line of its own.
     */
    public synchronized void refused(Direction direction) {
        refused[direction.ordinal()]++;
    }

    /** Datagrams going {@code direction} of connections the test had finished, counted and not relayed. */
    public synchronized long refusedDatagrams(Direction direction) {
        return refused[direction.ordinal()];
    }

    /** Adds a line of the test's own (a step it starts, an outcome) between the datagrams. */
    public synchronized void note(String text) {
        entries.add(new Entry(System.nanoTime() - start, null, 0, null, text));
    }

    /** The largest UDP payload seen in {@code direction}. */
    public synchronized int largestPayload(Direction direction) {
        return largest[direction.ordinal()];
    }

    /** Datagrams seen in {@code direction}. */
    public synchronized long datagrams(Direction direction) {
        return count[direction.ordinal()];
    }

    /**
     * Datagrams seen in {@code direction} whose first packet is a 0-RTT packet (RFC 9000 §17.2.3: long header type
     * 0b01 in QUIC v1; RFC 9369 §3.2: 0b10 in v2). A 0-RTT packet coalesced behind an Initial is not counted: the
     * log keeps only the head of each datagram.
     */
    public synchronized long zeroRttDatagrams(Direction direction) {
        long n = 0;
        for (Entry e : entries) {
            if (e.direction == direction && e.head.length >= 5 && (e.head[0] & 0x80) != 0) {
                int version = ((e.head[1] & 0xff) << 24) | ((e.head[2] & 0xff) << 16) | ((e.head[3] & 0xff) << 8)
                        | (e.head[4] & 0xff);
                int type = (e.head[0] >> 4) & 0x3;
                if (version == 0x00000001 && type == 0b01 || version == 0x6b3343cf && type == 0b10) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Writes the log as text, one line per datagram or note. */
    public synchronized void writeTo(Path file) throws IOException {
        HexFormat hex = HexFormat.of();
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            w.write("# datagrams c->s " + count[0] + " (largest " + largest[0] + "), s->c " + count[1]
                    + " (largest " + largest[1] + ")\n");
            if (refused[0] + refused[1] > 0) {
                w.write("# datagrams of finished connections, not relayed: c->s " + refused[0] + ", s->c "
                        + refused[1] + "\n");
            }
            for (Entry e : entries) {
                w.write(String.format("%12.6f ", e.nanos / 1e9));
                if (e.note != null) {
                    w.write("# " + e.note + "\n");
                    continue;
                }
                w.write(e.direction.arrow + " " + e.length + " " + describe(e.head, hex) + "\n");
            }
        }
    }

    // RFC 9000 §17.2: a long header carries its version and both connection IDs in the clear; a short header
    // only its first byte's form bit and the destination ID, whose length the log cannot know.
    private static String describe(byte[] h, HexFormat hex) {
        if (h.length == 0) {
            return "empty";
        }
        int first = h[0] & 0xff;
        if ((first & 0x80) == 0) {
            return "short " + hex.formatHex(h, 0, Math.min(h.length, 21));
        }
        if (h.length < 6) {
            return "long? " + hex.formatHex(h);
        }
        long version = ((h[1] & 0xffL) << 24) | ((h[2] & 0xff) << 16) | ((h[3] & 0xff) << 8) | (h[4] & 0xff);
        if (version == 0) {
            return "version-negotiation " + hex.formatHex(h);
        }
        String type = switch ((first >> 4) & 3) {
            case 0 -> "initial";
            case 1 -> "0rtt";
            case 2 -> "handshake";
            default -> "retry";
        };
        int dcidLen = h[5] & 0xff;
        StringBuilder s = new StringBuilder(type).append(" v=").append(Long.toHexString(version));
        if (6 + dcidLen <= h.length) {
            s.append(" dcid=").append(hex.formatHex(h, 6, 6 + dcidLen));
            int at = 6 + dcidLen;
            if (at < h.length) {
                int scidLen = h[at] & 0xff;
                if (at + 1 + scidLen <= h.length) {
                    s.append(" scid=").append(hex.formatHex(h, at + 1, at + 1 + scidLen));
                }
            }
        }
        return s.toString();
    }
}
