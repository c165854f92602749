package qsock.core.connection;

import java.util.Arrays;
import qsock.core.stream.ControlFrame;
import qsock.core.stream.SentFrameSink;

/**
 * What one sent packet carried that must be acted on when the packet is acknowledged or declared lost: the
 * stream and CRYPTO ranges to free or send again, the control frames to repeat, the connection ID frames,
 * HANDSHAKE_DONE, and the largest packet number its ACK frame acknowledged (RFC 9000 §13.3 lists what is
 * repeated and how). Instances are pooled by the connection and reused, so recording a packet allocates
 * nothing once the arrays have grown to the largest packet seen.
 */
final class SentFrames implements SentFrameSink {

    /** The arrays' first size once something is recorded in them. */
    private static final int FIRST_SIZE = 4;
    private static final long[] NO_LONGS = new long[0];
    private static final int[] NO_INTS = new int[0];
    private static final boolean[] NO_BOOLEANS = new boolean[0];

    // Empty until a packet records something of the kind: a pooled record of ACK-only or CRYPTO packets holds no
    // arrays for stream and control frames (an idle connection keeps several records in its pool).
    int streamCount;
    long[] streamIds = NO_LONGS;
    long[] streamOffsets = NO_LONGS;
    int[] streamLengths = NO_INTS;
    boolean[] streamFins = NO_BOOLEANS;

    int cryptoCount;
    long[] cryptoOffsets = NO_LONGS;
    int[] cryptoLengths = NO_INTS;

    int controlCount;
    int[] controlKinds = NO_INTS;
    long[] controlIds = NO_LONGS;
    long[] controlValues = NO_LONGS;

    int newConnectionIdCount;
    long[] newConnectionIdSequences = NO_LONGS;
    int retireConnectionIdCount;
    long[] retireConnectionIdSequences = NO_LONGS;

    boolean handshakeDone;
    /** Whether the packet carried the server's NEW_TOKEN frame, to send again if it is lost (RFC 9000 §13.3). */
    boolean newToken;
    /** Whether the packet carried our PATH_CHALLENGE, to send again if it is lost (RFC 9000 §8.2.1). */
    boolean pathChallenge;
    /** Whether the packet carried a PATH_CHALLENGE of a client's probe of a new path (RFC 9000 §9.2). */
    boolean probeChallenge;
    /**
     * Whether the packet went on a path other than the current one (a probe of a new path, an answer to a challenge
     * from another address, a challenge to the previous path): its fate says nothing of the current path's capacity
     * (RFC 9000 §9.4).
     */
    boolean otherPath;
    /** The Largest Acknowledged of the ACK frame the packet carried, or -1 if it carried none. */
    long ackLargest = -1;

    @Override
    public void streamFrame(long id, long offset, int length, boolean fin) {
        addStream(id, offset, length, fin);
    }

    @Override
    public void controlFrame(ControlFrame kind, long streamIdOrMinus1, long value) {
        addControl(kind.ordinal(), streamIdOrMinus1, value);
    }

    void clear() {
        streamCount = 0;
        cryptoCount = 0;
        controlCount = 0;
        newConnectionIdCount = 0;
        retireConnectionIdCount = 0;
        handshakeDone = false;
        newToken = false;
        pathChallenge = false;
        probeChallenge = false;
        otherPath = false;
        ackLargest = -1;
    }

    void addStream(long id, long offset, int length, boolean fin) {
        if (streamCount == streamIds.length) {
            int n = Math.max(FIRST_SIZE, streamCount * 2);
            streamIds = Arrays.copyOf(streamIds, n);
            streamOffsets = Arrays.copyOf(streamOffsets, n);
            streamLengths = Arrays.copyOf(streamLengths, n);
            streamFins = Arrays.copyOf(streamFins, n);
        }
        streamIds[streamCount] = id;
        streamOffsets[streamCount] = offset;
        streamLengths[streamCount] = length;
        streamFins[streamCount] = fin;
        streamCount++;
    }

    void addCrypto(long offset, int length) {
        if (cryptoCount == cryptoOffsets.length) {
            int n = Math.max(FIRST_SIZE, cryptoCount * 2);
            cryptoOffsets = Arrays.copyOf(cryptoOffsets, n);
            cryptoLengths = Arrays.copyOf(cryptoLengths, n);
        }
        cryptoOffsets[cryptoCount] = offset;
        cryptoLengths[cryptoCount] = length;
        cryptoCount++;
    }

    void addControl(int kind, long id, long value) {
        if (controlCount == controlKinds.length) {
            int n = Math.max(FIRST_SIZE, controlCount * 2);
            controlKinds = Arrays.copyOf(controlKinds, n);
            controlIds = Arrays.copyOf(controlIds, n);
            controlValues = Arrays.copyOf(controlValues, n);
        }
        controlKinds[controlCount] = kind;
        controlIds[controlCount] = id;
        controlValues[controlCount] = value;
        controlCount++;
    }

    void addNewConnectionId(long sequence) {
        if (newConnectionIdCount == newConnectionIdSequences.length) {
            newConnectionIdSequences = Arrays.copyOf(newConnectionIdSequences,
                    Math.max(FIRST_SIZE, newConnectionIdCount * 2));
        }
        newConnectionIdSequences[newConnectionIdCount++] = sequence;
    }

    void addRetireConnectionId(long sequence) {
        if (retireConnectionIdCount == retireConnectionIdSequences.length) {
            retireConnectionIdSequences = Arrays.copyOf(retireConnectionIdSequences,
                    Math.max(FIRST_SIZE, retireConnectionIdCount * 2));
        }
        retireConnectionIdSequences[retireConnectionIdCount++] = sequence;
    }
}
