package qsock.core.sim;

/**
 * Live counters of one direction of a simulated link. Once nothing is in flight,
 * {@code datagramsDelivered == datagramsSent - dropped() + duplicated}.
 */
public final class LinkStats {

    long datagramsSent;
    long bytesSent;
    long datagramsDelivered;
    long bytesDelivered;
    long droppedLoss;
    long droppedQueue;
    long droppedMtu;
    long duplicated;
    long corrupted;
    long ecnChanged;
    long ecnCapableSent;
    long reordered;

    LinkStats() {}

    /** {@return datagrams the sender handed to this direction, dropped or not} */
    public long datagramsSent() {
        return datagramsSent;
    }

    /** {@return bytes the sender handed to this direction} */
    public long bytesSent() {
        return bytesSent;
    }

    /** {@return copies delivered to the receiver, duplicates included} */
    public long datagramsDelivered() {
        return datagramsDelivered;
    }

    /** {@return bytes delivered to the receiver, duplicates included} */
    public long bytesDelivered() {
        return bytesDelivered;
    }

    /** {@return datagrams lost on the wire} */
    public long droppedLoss() {
        return droppedLoss;
    }

    /** {@return datagrams dropped at the tail of a full queue} */
    public long droppedQueue() {
        return droppedQueue;
    }

    /** {@return datagrams dropped for exceeding the MTU} */
    public long droppedMtu() {
        return droppedMtu;
    }

    /** {@return all dropped datagrams} */
    public long dropped() {
        return droppedLoss + droppedQueue + droppedMtu;
    }

    /** {@return extra copies scheduled} */
    public long duplicated() {
        return duplicated;
    }

    /** {@return datagrams with one bit flipped} */
    public long corrupted() {
        return corrupted;
    }

    /** {@return datagrams sent into the link with an ECN codepoint other than Not-ECT} */
    public long ecnCapableSent() {
        return ecnCapableSent;
    }

    /** {@return datagrams whose ECN codepoint the link changed (see {@link SimNetwork#ecn})} */
    public long ecnChanged() {
        return ecnChanged;
    }

    /** {@return datagrams given the reordering delay} */
    public long reordered() {
        return reordered;
    }

    @Override
    public String toString() {
        return "sent " + datagramsSent + " (" + bytesSent + " B), delivered " + datagramsDelivered + " ("
                + bytesDelivered + " B), dropped loss/queue/mtu " + droppedLoss + "/" + droppedQueue + "/"
                + droppedMtu + ", duplicated " + duplicated + ", corrupted " + corrupted + ", reordered " + reordered;
    }
}
