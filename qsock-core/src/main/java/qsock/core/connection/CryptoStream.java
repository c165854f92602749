package qsock.core.connection;

import java.nio.ByteBuffer;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.FrameEncoder;
import qsock.core.frame.FrameType;
import qsock.core.stream.SendBuffer;

/**
 * The CRYPTO stream of one encryption level (RFC 9000 §19.6, RFC 9001 §4.1.3): handshake bytes from the TLS
 * stack queued for sending with their offsets kept for retransmission, and received CRYPTO frames reassembled
 * in order for the TLS stack, within a bound (RFC 9000 §7.5).
 *
 * <p>Both halves hold about what they carry, not what they may: a connection whose handshake has not started
 * (a server's half-open connection among thousands) costs little here. Received bytes are kept in arrays the
 * size of what arrived ({@link CryptoReassembly}); our own flight sits in small chunks.
 */
final class CryptoStream {

    /** Our own handshake flight is bounded by what the TLS stack writes; this only guards against a bug. */
    private static final int SEND_CAPACITY = 1 << 20;
    /**
     * A flight is a few hundred bytes (a ServerHello) to some kilobytes (a certificate chain): chunks of 1 KiB
     * keep a ServerHello from holding a chunk sized for a megabyte.
     */
    private static final int SEND_CHUNK = 1024;
    /** Runs of out-of-order CRYPTO data held apart; a flight of a few dozen packets reordered fits. */
    private static final int MAX_RECEIVE_RUNS = 64;

    private final SendBuffer send = new SendBuffer(SEND_CAPACITY, SendBuffer.DEFAULT_MAX_RANGES, SEND_CHUNK);
    private final CryptoReassembly receive;
    private final int maxBuffered;

    CryptoStream(int maxBuffered) {
        this.maxBuffered = maxBuffered;
        this.receive = new CryptoReassembly(MAX_RECEIVE_RUNS, maxBuffered);
    }

    /** Queues our handshake bytes. */
    void write(ByteBuffer data) {
        int n = send.append(data);
        if (data.hasRemaining()) {
            throw new IllegalStateException("CRYPTO send buffer full after " + n + " bytes; "
                    + data.remaining() + " bytes refused");
        }
    }

    /**
     * Takes a received CRYPTO frame's data.
     *
     * @throws QuicProtocolException CRYPTO_BUFFER_EXCEEDED if the data ends further than we buffer past what
     *     the TLS stack has read
     */
    void receive(long offset, ByteBuffer data) throws QuicProtocolException {
        long end = offset + data.remaining();
        // RFC 9000 §7.5: an endpoint may close with CRYPTO_BUFFER_EXCEEDED when out-of-order data would
        // need more than its buffer.
        if (end - receive.readOffset() > maxBuffered) {
            throw new QuicProtocolException(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED, FrameType.CRYPTO.firstCode(),
                    "CRYPTO data up to " + end + " exceeds the " + maxBuffered + "-byte buffer past offset "
                            + receive.readOffset());
        }
        if (receive.insert(offset, data) == CryptoReassembly.TOO_FRAGMENTED) {
            throw new QuicProtocolException(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED, FrameType.CRYPTO.firstCode(),
                    "CRYPTO data in too many pieces");
        }
    }

    /** {@return the number of in-order bytes moved into {@code dst}} */
    int read(ByteBuffer dst) {
        return receive.read(dst);
    }

    /** {@return the number of in-order bytes from the stream's start copied into {@code dst}, none read} */
    int peekFromStart(ByteBuffer dst) {
        return receive.peekFromStart(dst);
    }

    /** {@return whether in-order bytes are ready to read} */
    boolean readable() {
        return receive.readable();
    }

    boolean hasPendingSend() {
        return send.nextSendOffset() >= 0;
    }

    boolean hasUnacked() {
        return send.ackedOffset() < send.sendOffset();
    }

    /**
     * Writes as many CRYPTO frames as fit before {@code limit}, lost data first.
     *
     * @return true if a frame was written
     */
    boolean writeFrames(ByteBuffer out, int limit, SentFrames record) {
        boolean wrote = false;
        while (true) {
            long offset = send.nextSendOffset();
            if (offset < 0) {
                return wrote;
            }
            long end = send.nextSendEnd();
            int room = limit - out.position();
            int header = FrameEncoder.cryptoHeaderLength(offset, (int) Math.min(end - offset, Math.max(room, 0)));
            int length = (int) Math.min(end - offset, room - header);
            if (length <= 0) {
                return wrote;
            }
            FrameEncoder.writeCryptoHeader(out, offset, length);
            send.write(out, offset, length);
            send.onSent(offset, length);
            record.addCrypto(offset, length);
            wrote = true;
        }
    }

    void onAcked(long offset, int length) {
        send.onAcked(offset, length);
    }

    void onLost(long offset, int length) {
        send.onLost(offset, length);
    }

    /** Sends every unacknowledged byte again: a PTO probe of a handshake level (RFC 9002 §6.2.4). */
    void retransmitUnacked() {
        long from = send.ackedOffset();
        long to = send.sendOffset();
        if (to > from) {
            send.onLost(from, (int) Math.min(to - from, Integer.MAX_VALUE));
        }
    }

    /** Releases everything: the level's keys are discarded. */
    void discard() {
        send.discard();
        receive.discard();
    }
}
