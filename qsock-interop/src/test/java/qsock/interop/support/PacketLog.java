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

    /** Datagrams each way holding a 0-RTT packet, at their head or coalesced behind another long-header packet. */
    private final long[] zeroRtt = new long[2];

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
        if (holdsZeroRtt(datagram)) {
            zeroRtt[direction.ordinal()]++;
        }
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
     * {@return datagrams seen in {@code direction} that hold a 0-RTT packet (type 0b01 in QUIC v1; RFC 9369 §3.2: 0b10
     * in v2), at their head or coalesced behind an Initial}
     */
    public synchronized long zeroRttDatagrams(Direction direction) {
        return zeroRtt[direction.ordinal()];
    }

    /**
     * {@return whether a long-header packet of the datagram is 0-RTT} Walks the coalesced long-header packets by
     * their Length fields, which header protection leaves in clear (RFC 9000 §17.2); stops at anything it cannot read.
     */
    static boolean holdsZeroRtt(ByteBuffer d) {
        int p = d.position();
        int end = d.limit();
        for (int packets = 0; packets < 8 && p + 7 <= end && (d.get(p) & 0x80) != 0; packets++) {
            int version = d.getInt(p + 1);
            int type = (d.get(p) >> 4) & 0x3;
            boolean v1 = version == 0x00000001;
            boolean v2 = version == 0x6b3343cf;
            if (!v1 && !v2) {
                return false;
            }
            if (v1 && type == 0b01 || v2 && type == 0b10) {
                return true;
            }
            int q = p + 5;
            q += 1 + (d.get(q) & 0xff);
            if (q >= end) {
                return false;
            }
            q += 1 + (d.get(q) & 0xff);
            boolean initial = v1 && type == 0b00 || v2 && type == 0b01;
            boolean retry = v1 && type == 0b11 || v2 && type == 0b00;
            if (retry) {
                return false;
            }
            if (initial) {
                if (q >= end) {
                    return false;
                }
                long token = varint(d, q);
                if (token < 0 || token > end) {
                    return false;
                }
                q += varintLength(d, q) + (int) token;
            }
            if (q >= end) {
                return false;
            }
            long length = varint(d, q);
            q += varintLength(d, q);
            if (length < 0 || q + length > end) {
                return false;
            }
            p = q + (int) length;
        }
        return false;
    }

    private static int varintLength(ByteBuffer d, int at) {
        return 1 << ((d.get(at) & 0xff) >> 6);
    }

    private static long varint(ByteBuffer d, int at) {
        int n = varintLength(d, at);
        if (at + n > d.limit()) {
            return -1;
        }
        long v = d.get(at) & 0x3f;
        for (int i = 1; i < n; i++) {
            v = (v << 8) | (d.get(at + i) & 0xff);
        }
        return v;
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
