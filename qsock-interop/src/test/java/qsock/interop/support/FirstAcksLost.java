package qsock.interop.support;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A {@link DropRule} that loses the client's acknowledgements of the server's first flight, as in the QUIC interop
 * runner's amplificationlimit case: the client's datagrams go through until the server first answers; from then on
 * each one is lost until at least {@code atLeast} were lost, the server has sent a Handshake packet and it has been
 * silent for {@code quiet} since its last datagram; after that everything goes through. (A server's first answer can
 * be an ACK that leaves long before its flight: its silence then says nothing yet.) A server that keeps to its
 * anti-amplification limit (RFC 9000 §8.1) and has more to send than 3x what the client sent is then stuck until the
 * client sends again, which only its anti-deadlock PTO makes it do (RFC 9002 §6.2.2.1); a client that does not probe
 * waits with the server until the handshake times out.
 *
 * <p>The rule also counts the bytes each way until the first client datagram it lets through after the losses
 * (the one that relieves the server): what the server received before it, and what it sent, so that a test can
 * tell that the server was held at its limit rather than finished early.
 */
public final class FirstAcksLost implements DropRule {
    private final int atLeast;
    private final long quietNanos;
    private long received;
    private long sentBeforeRelief;
    private int lost;
    private long lastFromServer;
    private boolean serverAnswered;
    private boolean serverSentHandshake;
    private boolean relieved;

    /**
     * Loses at least {@code atLeast} client datagrams after the server's first answer, and every one until the server
     * has been silent for {@code quiet}.
     */
    public FirstAcksLost(int atLeast, Duration quiet) {
        if (atLeast < 1 || quiet.isNegative()) {
            throw new IllegalArgumentException("at least " + atLeast + ", quiet " + quiet);
        }
        this.atLeast = atLeast;
        this.quietNanos = quiet.toNanos();
    }

    @Override
    public synchronized boolean drop(PacketLog.Direction direction, ByteBuffer datagram) {
        if (relieved) {
            return false;
        }
        long now = System.nanoTime();
        if (direction == PacketLog.Direction.TO_CLIENT) {
            serverAnswered = true;
            serverSentHandshake |= carriesHandshakePacket(datagram);
            lastFromServer = now;
            sentBeforeRelief += datagram.remaining();
            return false;
        }
        if (!serverAnswered) {
            // The ClientHello, in as many datagrams as it takes, and any repeat of it before the server answers.
            received += datagram.remaining();
            return false;
        }
        if (lost < atLeast || !serverSentHandshake || now - lastFromServer < quietNanos) {
            lost++;
            return true;
        }
        relieved = true;
        return false;
    }

    /**
     * {@return true if one of the packets coalesced in {@code datagram} is a Handshake packet} RFC 9000 §17.2: the
     * long header's type bits, version, connection IDs, token and length are not protected, so the walk from one
     * coalesced packet to the next needs no keys (§12.2).
     */
    static boolean carriesHandshakePacket(ByteBuffer datagram) {
        int at = datagram.position();
        int end = datagram.limit();
        while (at + 7 <= end) {
            int first = datagram.get(at) & 0xff;
            if ((first & 0x80) == 0 || datagram.getInt(at + 1) == 0) {
                return false; // a short header (always last) or Version Negotiation
            }
            int type = (first >> 4) & 3;
            if (type == 2) {
                return true;
            }
            if (type == 3) {
                return false; // Retry: no length, nothing coalesced after it
            }
            at += 5;
            at += 1 + (datagram.get(at) & 0xff); // destination connection ID
            if (at >= end) {
                return false;
            }
            at += 1 + (datagram.get(at) & 0xff); // source connection ID
            if (type == 0) {
                long token = varint(datagram, at, end);
                if (token < 0) {
                    return false;
                }
                at += varintLength(datagram.get(at)) + (int) Math.min(token, end);
            }
            long length = varint(datagram, at, end);
            if (length < 0) {
                return false;
            }
            at += varintLength(datagram.get(at)) + (int) Math.min(length, end);
        }
        return false;
    }

    // RFC 9000 §16: the two high bits of the first byte give the length, 1, 2, 4 or 8 bytes; -1 if it does not fit.
    private static long varint(ByteBuffer b, int at, int end) {
        if (at >= end || at + varintLength(b.get(at)) > end) {
            return -1;
        }
        int n = varintLength(b.get(at));
        long v = b.get(at) & 0x3f;
        for (int i = 1; i < n; i++) {
            v = (v << 8) | (b.get(at + i) & 0xff);
        }
        return v;
    }

    private static int varintLength(byte first) {
        return 1 << ((first & 0xff) >> 6);
    }

    /** {@return client bytes that reached the server before the one that relieved it} */
    public synchronized long received() {
        return received;
    }

    /** {@return server bytes that left before the client relieved it (all of them if it never did)} */
    public synchronized long sentBeforeRelief() {
        return sentBeforeRelief;
    }

    /** {@return client datagrams lost} */
    public synchronized int lost() {
        return lost;
    }

    /** {@return true once a client datagram went through after the losses} */
    public synchronized boolean relieved() {
        return relieved;
    }

    /** {@return the counts so far, for the packet log} */
    public synchronized String summary() {
        return "client datagrams lost " + lost + "; server sent " + sentBeforeRelief + " bytes for " + received
                + " received before the client " + (relieved ? "relieved it" : "got through again (it never did)")
                + (serverSentHandshake ? "" : "; no Handshake packet from the server");
    }

    @Override
    public String toString() {
        return "first ACKs lost (at least " + atLeast + " client datagrams after the server's first answer, until it"
                + " sent a Handshake packet and was silent for " + quietNanos / 1_000_000 + " ms)";
    }
}
