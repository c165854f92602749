package qsock.core.recovery;

/**
 * What the sender remembers about one sent packet (RFC 9002 Appendix A.1.1): packet number, send time,
 * size, whether it is ack-eliciting and whether it counts towards bytes in flight, plus an opaque slot
 * for the connection's record of the frames it carried, so it can retransmit them when the packet is
 * declared lost.
 *
 * <p>Entries are pooled and reused by their {@link SentPacketLog}: the log hands one out from
 * {@link SentPacketLog#add}, the connection sets {@link #setFrames frames}, and the entry comes back
 * listed in an {@link AckOutcome} when it is acknowledged, declared lost or discarded. From then on it
 * stays readable until that outcome holder is cleared (passed to another call, or {@link
 * AckOutcome#clear()}), after which the log may refill it for another packet. Do not keep references
 * beyond that.
 */
public final class SentPacket {

    /** The log whose pool this entry returns to. */
    final SentPacketLog owner;
    long packetNumber;
    long timeSent;
    int sentBytes;
    boolean ackEliciting;
    boolean inFlight;
    boolean ecnMarked;
    Object frames;

    SentPacket(SentPacketLog owner) {
        this.owner = owner;
    }

    void fill(long packetNumber, long timeSent, int sentBytes, boolean ackEliciting, boolean inFlight) {
        this.packetNumber = packetNumber;
        this.timeSent = timeSent;
        this.sentBytes = sentBytes;
        this.ackEliciting = ackEliciting;
        this.inFlight = inFlight;
        this.frames = null;
        this.ecnMarked = false;
    }

    /** {@return whether the packet left in a datagram marked ECT(0) (RFC 9000 §13.4.2)} */
    public boolean isEcnMarked() {
        return ecnMarked;
    }

    /** Records that the packet left in a datagram marked ECT(0). */
    public void setEcnMarked(boolean marked) {
        this.ecnMarked = marked;
    }

    /** {@return the packet number} */
    public long packetNumber() {
        return packetNumber;
    }

    /** {@return the time the packet was sent, in the caller's nanosecond clock} */
    public long timeSent() {
        return timeSent;
    }

    /** {@return the bytes sent in the packet: QUIC header, payload and AEAD tag, no UDP or IP overhead} */
    public int sentBytes() {
        return sentBytes;
    }

    /** {@return whether the packet is ack-eliciting (RFC 9002 §2)} */
    public boolean isAckEliciting() {
        return ackEliciting;
    }

    /** {@return whether the packet counts towards bytes in flight (RFC 9002 §2)} */
    public boolean isInFlight() {
        return inFlight;
    }

    /** {@return the connection's record of the frames in this packet, or null if it set none} */
    public Object frames() {
        return frames;
    }

    /** Sets the connection's record of the frames in this packet; the recovery code never reads it. */
    public void setFrames(Object frames) {
        this.frames = frames;
    }

    @Override
    public String toString() {
        return "SentPacket[pn=" + packetNumber + ", timeSent=" + timeSent + ", bytes=" + sentBytes
                + (ackEliciting ? ", ack-eliciting" : "") + (inFlight ? ", in flight" : "") + "]";
    }
}
