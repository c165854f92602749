package qsock.core.packet;

import java.nio.ByteBuffer;
import java.util.random.RandomGenerator;

/**
 * The Stateless Reset layout (RFC 9000 §10.3): a datagram that looks like a short header packet and ends
 * in a 16-byte token tied to a connection ID, which tells the peer that its connection is gone.
 */
public final class StatelessReset {

    /** Length of a stateless reset token. */
    public static final int TOKEN_LENGTH = 16;

    /** RFC 9000 §10.3: two fixed bits and at least 38 unpredictable bits before the token. */
    public static final int MIN_LENGTH = 5 + TOKEN_LENGTH;

    private StatelessReset() {}

    /**
     * The shortest reset we send. RFC 9000 §10.3: below 41 bytes a reset may be told from a short header packet
     * (one with a 20-byte connection ID, a packet number and a tag is 41 bytes long).
     */
    public static final int MIN_RESPONSE_LENGTH = 41;

    /**
     * The longest reset we send. Resets are drawn from [{@value #MIN_RESPONSE_LENGTH}, this], and a datagram this
     * long or shorter is never answered: so a reset of ours never draws a reset from an endpoint that follows the
     * same rule (a qsock endpoint), and two endpoints answering each other's unroutable datagrams stop after one
     * reset each (RFC 9000 §10.3.3).
     */
    public static final int MAX_RESPONSE_LENGTH = 48;

    /**
     * {@return the length of the reset to send in answer to a datagram of {@code receivedLength} bytes, or 0
     * when none may be sent} A length drawn from [{@link #MIN_RESPONSE_LENGTH}, {@link #MAX_RESPONSE_LENGTH}],
     * so always smaller than the trigger (RFC 9000 §10.3.3) and never three times larger (§10.3); 0 for a
     * trigger of {@link #MAX_RESPONSE_LENGTH} bytes or fewer, which may be a reset itself.
     */
    public static int responseLength(int receivedLength, RandomGenerator random) {
        if (receivedLength <= MAX_RESPONSE_LENGTH) {
            return 0;
        }
        return MIN_RESPONSE_LENGTH + random.nextInt(MAX_RESPONSE_LENGTH - MIN_RESPONSE_LENGTH + 1);
    }

    /**
     * Writes a Stateless Reset of {@code length} bytes at the buffer's position: first byte 0b01xxxxxx,
     * random bytes, then the token.
     */
    public static void write(ByteBuffer out, int length, byte[] token, RandomGenerator random) {
        if (length < MIN_LENGTH) {
            throw new IllegalArgumentException("a stateless reset is at least " + MIN_LENGTH + " bytes");
        }
        if (token.length != TOKEN_LENGTH) {
            throw new IllegalArgumentException("a stateless reset token is 16 bytes");
        }
        int unpredictable = length - TOKEN_LENGTH;
        // RFC 9000 §10.3: short header form (0) and fixed bit (1), the rest indistinguishable from random.
        out.put((byte) (PacketParser.FIXED_BIT | (random.nextInt() & 0x3f)));
        for (int i = 1; i < unpredictable; i++) {
            out.put((byte) random.nextInt());
        }
        out.put(token);
    }

    /**
     * {@return true if the datagram of {@code length} bytes at {@code offset} ends in {@code token}} Compares
     * in constant time, as RFC 9000 §10.3.1 asks, and refuses datagrams too short to be a reset.
     */
    public static boolean endsWithToken(ByteBuffer datagram, int offset, int length, byte[] token) {
        if (length < MIN_LENGTH || token.length != TOKEN_LENGTH) {
            return false;
        }
        int start = offset + length - TOKEN_LENGTH;
        int diff = 0;
        for (int i = 0; i < TOKEN_LENGTH; i++) {
            diff |= datagram.get(start + i) ^ token[i];
        }
        return diff == 0;
    }
}
