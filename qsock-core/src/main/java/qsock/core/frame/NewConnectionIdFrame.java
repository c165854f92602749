package qsock.core.frame;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import qsock.core.wire.ConnectionId;

/**
 * NEW_CONNECTION_ID (RFC 9000 §19.15): the sender issues a connection ID the peer may use, with its
 * stateless reset token, and asks the peer to retire those numbered below {@code retirePriorTo}.
 *
 * <p>The token is copied in and out: it outlives the packet, and the array must not be shared.
 *
 * @param sequenceNumber the sequence number of the connection ID
 * @param retirePriorTo connection IDs with lower sequence numbers are to be retired; at most
 *     {@code sequenceNumber}
 * @param connectionId the connection ID, 1 to 20 bytes
 * @param statelessResetToken the 16-byte stateless reset token for this connection ID
 */
public record NewConnectionIdFrame(long sequenceNumber, long retirePriorTo, ConnectionId connectionId,
        byte[] statelessResetToken) implements Frame {

    /** The length of a stateless reset token (RFC 9000 §10.3). */
    public static final int TOKEN_LENGTH = 16;

    /**
     * Checks the values and copies the token.
     *
     * @throws IllegalArgumentException if a number is not a varint, retirePriorTo exceeds the sequence
     *     number, the connection ID is empty, or the token is not 16 bytes (RFC 9000 §19.15)
     */
    public NewConnectionIdFrame {
        FrameChecks.varint(sequenceNumber, "sequenceNumber");
        FrameChecks.varint(retirePriorTo, "retirePriorTo");
        if (retirePriorTo > sequenceNumber) {
            throw new IllegalArgumentException("retirePriorTo " + retirePriorTo + " exceeds sequence number "
                    + sequenceNumber);
        }
        Objects.requireNonNull(connectionId, "connectionId");
        if (connectionId.length() == 0) {
            throw new IllegalArgumentException("NEW_CONNECTION_ID cannot carry a zero-length connection ID");
        }
        if (statelessResetToken.length != TOKEN_LENGTH) {
            throw new IllegalArgumentException("stateless reset token must be 16 bytes: " + statelessResetToken.length);
        }
        statelessResetToken = statelessResetToken.clone();
    }

    /** {@return a copy of the stateless reset token} */
    @Override
    public byte[] statelessResetToken() {
        return statelessResetToken.clone();
    }

    /** {@return byte {@code index} of the stateless reset token, without copying it} */
    public byte statelessResetTokenByte(int index) {
        return statelessResetToken[index];
    }

    /** Writes the token at {@code buf}'s position, for the encoder, without a copy. */
    void putStatelessResetToken(java.nio.ByteBuffer buf) {
        buf.put(statelessResetToken);
    }

    @Override
    public FrameType type() {
        return FrameType.NEW_CONNECTION_ID;
    }

    @Override
    public long typeCode() {
        return 0x18;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NewConnectionIdFrame f && sequenceNumber == f.sequenceNumber
                && retirePriorTo == f.retirePriorTo && connectionId.equals(f.connectionId)
                && Arrays.equals(statelessResetToken, f.statelessResetToken);
    }

    @Override
    public int hashCode() {
        return ((Long.hashCode(sequenceNumber) * 31 + Long.hashCode(retirePriorTo)) * 31 + connectionId.hashCode()) * 31
                + Arrays.hashCode(statelessResetToken);
    }

    @Override
    public String toString() {
        return "NewConnectionIdFrame[sequenceNumber=" + sequenceNumber + ", retirePriorTo=" + retirePriorTo
                + ", connectionId=" + connectionId + ", statelessResetToken="
                + HexFormat.of().formatHex(statelessResetToken) + "]";
    }
}
