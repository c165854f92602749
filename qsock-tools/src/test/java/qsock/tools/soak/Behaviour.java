package qsock.tools.soak;

import java.util.SplittableRandom;

/**
 * What one soak connection does. Seventy in a hundred are honest: echo transfers on one to three streams, of random
 * sizes, verified by hash, some resuming a session with a ticket, some moving (RFC 9000 §9) or rebound by the
 * relay's NAT (§9.3). The other thirty misbehave in the ways of the attack table that a client using the
 * socket API or a raw UDP socket can play against a real server.
 */
enum Behaviour {
    /** Echo transfers verified by hash; may resume, migrate or be rebound. */
    HONEST("honest", 70),
    /** Sends until flow control stops it and never reads the echo (flow control must bound the server's buffers). */
    NEVER_READS("never-reads", 5),
    /** Vanishes mid-transfer (relay black hole) without a CONNECTION_CLOSE: the server must time out and forget it. */
    VANISHES("vanishes", 5),
    /** Opens and resets streams in a loop, with STOP_SENDING now and then (stream churn). */
    STREAM_CHURN("stream-churn", 4),
    /** Sends one byte per second or two on a stream, below the idle timeout, then verifies the echo (slowloris). */
    SLOWLORIS("slowloris", 4),
    /** Sprays datagrams of garbage, bad long headers and unknown short headers from fresh ports. */
    GARBAGE("garbage", 4),
    /** Sends its first Initials and falls silent mid-handshake (a half-open connection the server must drop). */
    HANDSHAKE_ABANDON("handshake-abandon", 4),
    /** Closes with an application error mid-transfer, streams still open both ways. */
    ABORTS("aborts", 2),
    /** Moves to a new local address again and again, as fast as the server lets it (RFC 9000 §9). */
    MIGRATION_STORM("migration-storm", 2);

    private final String label;
    private final int weight;

    Behaviour(String label, int weight) {
        this.label = label;
        this.weight = weight;
    }

    String label() {
        return label;
    }

    /** {@return a behaviour drawn by weight (they add up to 100)} */
    static Behaviour draw(SplittableRandom random) {
        int n = random.nextInt(100);
        for (Behaviour b : values()) {
            n -= b.weight;
            if (n < 0) {
                return b;
            }
        }
        throw new AssertionError("the weights add up to 100");
    }
}
