package qsock.tls.message;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/**
 * Cuts the CRYPTO byte stream of one encryption level into whole handshake messages (RFC 9001 §4.1.3):
 * messages may arrive split at any byte, and several may arrive in one chunk.
 *
 * <p>Use: {@link #feed} each in-order chunk of the level's stream as the transport delivers it, then call
 * {@link #next()} until it returns null; each message comes back with its exact bytes for the transcript.
 *
 * <p>Bounded: a message whose header declares a body longer than {@link #maxMessageLength()} is refused as
 * soon as its header is complete, before any of its body is kept. Between calls the framer holds at most
 * one partial message, header included, plus the whole messages of the last chunk that {@link #next()} has
 * not handed out yet. RFC 8446 defines no alert for a message too large for the receiver; the framer
 * reports it as illegal_parameter (the header's length field is one this endpoint does not accept), as
 * OpenSSL and its forks do. The transport maps an overflow of its own CRYPTO buffer to
 * CRYPTO_BUFFER_EXCEEDED; that is a separate limit.
 *
 * <p>The refusal is reported in stream order: {@link #next()} first hands out the whole messages before
 * the oversized one, then throws, and keeps throwing; later input is ignored. Not thread-safe.
 */
public final class HandshakeFramer {

    /** The default bound on a message's body: 64 KiB. */
    public static final int DEFAULT_MAX_MESSAGE_LENGTH = 64 * 1024;

    /**
     * How many whole messages may wait for {@link #next()}. A flight holds at most a handful (EE, CR, CT, CV,
     * FIN; a few session tickets); thousands of tiny messages in one chunk are an attack on memory, refused
     * as unexpected_message before they are all framed.
     */
    static final int MAX_WAITING_MESSAGES = 64;

    /** How much of a declared body is allocated before its bytes arrive. */
    private static final int FIRST_ALLOCATION = 4096;

    private final int maxMessageLength;
    private final byte[] header = new byte[FramedMessage.HEADER_LENGTH];
    private int headerFill;
    private byte[] message;
    private int messageLength;
    private int messageFill;
    private final ArrayDeque<FramedMessage> ready = new ArrayDeque<>();
    private TlsAlertException failure;

    /** A framer that accepts message bodies of up to {@link #DEFAULT_MAX_MESSAGE_LENGTH} bytes. */
    public HandshakeFramer() {
        this(DEFAULT_MAX_MESSAGE_LENGTH);
    }

    /**
     * A framer that accepts message bodies of up to {@code maxMessageLength} bytes.
     *
     * @throws IllegalArgumentException if the bound is negative or above 2^24-1, the largest a header can declare
     */
    public HandshakeFramer(int maxMessageLength) {
        if (maxMessageLength < 0 || maxMessageLength > 0xFF_FFFF) {
            throw new IllegalArgumentException("maxMessageLength " + maxMessageLength + " not in 0..2^24-1");
        }
        this.maxMessageLength = maxMessageLength;
    }

    /** {@return the largest message body accepted} */
    public int maxMessageLength() {
        return maxMessageLength;
    }

    /**
     * Takes the next chunk of the stream: all the bytes between {@code data}'s position and limit, which it
     * moves to the limit. The bytes are copied; {@code data} may be reused afterwards.
     */
    public void feed(ByteBuffer data) {
        while (data.hasRemaining() && failure == null) {
            if (message == null) {
                int n = Math.min(header.length - headerFill, data.remaining());
                data.get(header, headerFill, n);
                headerFill += n;
                if (headerFill < header.length) {
                    return;
                }
                startMessage(data.remaining());
            } else {
                int n = Math.min(messageLength - messageFill, data.remaining());
                if (messageFill + n > message.length) {
                    grow(messageFill + n);
                }
                data.get(message, messageFill, n);
                messageFill += n;
            }
            if (message != null && messageFill == messageLength) {
                ready.add(FramedMessage.of(ByteBuffer.wrap(message)));
                message = null;
                headerFill = 0;
                if (ready.size() > MAX_WAITING_MESSAGES) {
                    failure = new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE,
                            "more than " + MAX_WAITING_MESSAGES + " handshake messages at once");
                }
            }
        }
        data.position(data.limit());
    }

    /**
     * {@return the next whole message, or null if none is complete yet}
     *
     * @throws TlsAlertException illegal_parameter once the messages before an oversized one are handed out
     */
    public FramedMessage next() throws TlsAlertException {
        FramedMessage m = ready.poll();
        if (m == null && failure != null) {
            throw failure;
        }
        return m;
    }

    /**
     * {@return true if no bytes are held}: no whole message waiting, no partial one, and no refused one. When keys for a new
     * level arrive while data of the previous level is unconsumed, that is a PROTOCOL_VIOLATION
     * (RFC 9001 §4.1.3); this is how the engine knows.
     */
    public boolean isEmpty() {
        // A refused header was consumed but not accepted: bytes were left over, so not empty.
        return failure == null && ready.isEmpty() && headerFill == 0 && message == null;
    }

    /**
     * {@return the bytes of the partial message held, header included}: never more than
     * {@link #maxMessageLength()} + 4; whole messages waiting for {@link #next()} are not counted
     */
    public int bufferedBytes() {
        return message == null ? headerFill : messageFill;
    }

    /** Called with a complete header: checks the declared length and prepares the message's array. */
    private void startMessage(int available) {
        int length = (header[1] & 0xFF) << 16 | (header[2] & 0xFF) << 8 | header[3] & 0xFF;
        if (length > maxMessageLength) {
            failure = new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "handshake message of type "
                    + (header[0] & 0xFF) + " declares " + length + " bytes, more than the "
                    + maxMessageLength + " accepted");
            headerFill = 0;
            return;
        }
        messageLength = header.length + length;
        // The peer's declared length is bounded but not yet backed by bytes: allocate what has arrived
        // (or a page), and grow as the rest comes.
        message = new byte[Math.min(messageLength, header.length + Math.max(available, FIRST_ALLOCATION))];
        System.arraycopy(header, 0, message, 0, header.length);
        messageFill = header.length;
    }

    private void grow(int needed) {
        int size = (int) Math.min(messageLength, Math.max(needed, 2L * message.length));
        message = Arrays.copyOf(message, size);
    }
}
