package qsock.core.connection;

import qsock.api.ConnectionConfig;

/**
 * The anti-amplification account of a connection: until the peer's address is validated, what we send there is at
 * most three times what arrived from it (RFC 9000 §8.1); the same holds for a new address the peer moved to until
 * our PATH_CHALLENGE to it is answered (§8.2, §9.3.1). It gives the byte budget of the next datagram.
 *
 * <p>Not thread-safe; the connection owns it.
 */
final class AntiAmplification {

    /** What we may send for each byte received from an address not yet validated (RFC 9000 §8.1). */
    static final int FACTOR = 3;

    private boolean addressValidated;
    private long bytesReceived;
    private long bytesSent;
    private boolean pathValidated = true;
    private long pathBytesReceived;
    private long pathBytesSent;
    /** What may still be sent to an address of the peer that is not its current one (answers owed there). */
    private long otherPathAllowance;

    /** @param addressValidated true for a client: its server's address needs no validation (RFC 9000 §8.1) */
    AntiAmplification(boolean addressValidated) {
        this.addressValidated = addressValidated;
    }

    /**
     * Counts a datagram of {@code length} bytes from the peer; one from an address other than its current one counts
     * only toward the total, not toward that address's budget.
     */
    void onReceived(int length, boolean fromOtherAddress) {
        bytesReceived += length;
        if (!pathValidated && !fromOtherAddress) {
            pathBytesReceived += length;
        }
    }

    /** Counts a datagram of {@code length} bytes sent. */
    void onSent(int length) {
        bytesSent += length;
        pathBytesSent += length;
    }

    /**
     * Counts a datagram of {@code length} bytes sent to the peer's previous, validated address (RFC 9000 §9.3.3): not
     * against the new address's budget.
     */
    void onSentToPreviousAddress(int length) {
        bytesSent += length;
    }

    /** Takes back a datagram sent to the peer's previous address that never left. */
    void onNotSentToPreviousAddress(int length) {
        bytesSent -= length;
    }

    /** Takes back a datagram of {@code length} bytes counted as sent that never left. */
    void onNotSent(int length) {
        bytesSent -= length;
        pathBytesSent -= length;
    }

    /** The peer's address is validated (RFC 9000 §8.1): a Handshake packet from the client proves it. */
    void validateAddress() {
        addressValidated = true;
    }

    boolean isAddressValidated() {
        return addressValidated;
    }

    /** The peer moved to a new address, {@code length} bytes from it so far: it has a budget of its own (§9.3.1). */
    void onPeerMoved(int length) {
        pathValidated = false;
        pathBytesReceived = length;
        pathBytesSent = 0;
    }

    /** Our PATH_CHALLENGE to the peer's new address was answered (RFC 9000 §8.2.2). */
    void validatePath() {
        pathValidated = true;
    }

    /**
     * The validation of the peer's new address failed: the connection is back on the last validated address
     * (RFC 9000 §9.3.2), which needs no limit.
     */
    void revertPath() {
        pathValidated = true;
    }

    boolean isPathValidated() {
        return pathValidated;
    }

    long bytesReceived() {
        return bytesReceived;
    }

    long bytesSent() {
        return bytesSent;
    }

    /**
     * A datagram of {@code length} bytes came from an address of the peer other than its current one and left
     * answers owed there (RFC 9000 §8.2.2): what we send there is at most three times what came from it (§8.1). If
     * answers were owed to such an address before ({@code sameAddress}), its allowance adds up.
     */
    void onOtherPathDatagram(int length, boolean sameAddress) {
        otherPathAllowance = (sameAddress ? otherPathAllowance : 0) + (long) FACTOR * length;
    }

    /** {@return the bytes a datagram on the other path may have: at most {@code max}} */
    int otherPathBudget(int max) {
        return (int) Math.min(max, otherPathAllowance);
    }

    /** Counts a datagram of {@code length} bytes sent on the other path. */
    void onSentOnOtherPath(int length) {
        bytesSent += length;
        otherPathAllowance = Math.max(0, otherPathAllowance - length);
    }

    /** Takes back a datagram sent on the other path that never left. */
    void onNotSentOnOtherPath(int length) {
        bytesSent -= length;
        otherPathAllowance += length;
    }

    /** {@return the bytes the next datagram may have: at most {@code max}, less what the limits leave} */
    int budget(int max) {
        long budget = max;
        if (!addressValidated) {
            budget = Math.min(budget, Math.max(0, FACTOR * bytesReceived - bytesSent));
        }
        if (!pathValidated) {
            budget = Math.min(budget, Math.max(0, FACTOR * pathBytesReceived - pathBytesSent));
        }
        return (int) budget;
    }

    /**
     * {@return whether a datagram of {@code budget} bytes may not be sent} Before the address is validated a
     * datagram is sent only if it can be a full 1200 bytes, as an Initial needs (RFC 9000 §14.1); after, any room is
     * used.
     */
    boolean blocks(int budget) {
        return budget < ConnectionConfig.MIN_DATAGRAM_SIZE && !(addressValidated && budget > 0);
    }

    /**
     * {@return whether the limits may leave no room for an ACK packet in a datagram of at most {@code max} bytes}
     * Then only bytes from the peer can let it leave: a deadline to send (a delayed ACK) must wait for them, not
     * fire (a deadline that its timeout cannot clear would keep the runtime busy). Any larger budget holds the ACK,
     * its oldest ranges left out if need be.
     */
    boolean blocksSending(int max) {
        int budget = budget(max);
        return blocks(budget) || budget < PacketBuilder.MIN_ACK_PACKET_ROOM;
    }
}
