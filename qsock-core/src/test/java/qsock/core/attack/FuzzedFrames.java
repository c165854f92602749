package qsock.core.attack;

import java.nio.ByteBuffer;
import java.util.Arrays;
import qsock.api.Role;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.AckFrame;
import qsock.core.frame.ConnectionCloseFrame;
import qsock.core.frame.CryptoFrame;
import qsock.core.frame.DataBlockedFrame;
import qsock.core.frame.DatagramFrame;
import qsock.core.frame.Frame;
import qsock.core.frame.MaxDataFrame;
import qsock.core.frame.MaxStreamDataFrame;
import qsock.core.frame.MaxStreamsFrame;
import qsock.core.frame.NewConnectionIdFrame;
import qsock.core.frame.PathChallengeFrame;
import qsock.core.frame.PathResponseFrame;
import qsock.core.frame.PingFrame;
import qsock.core.frame.ResetStreamFrame;
import qsock.core.frame.RetireConnectionIdFrame;
import qsock.core.frame.StopSendingFrame;
import qsock.core.frame.StreamDataBlockedFrame;
import qsock.core.frame.StreamFrame;
import qsock.core.frame.StreamsBlockedFrame;
import qsock.core.stream.StreamId;
import qsock.core.wire.ConnectionId;

/**
 * Well-formed RFC 9000 §19 frames of a client, their fields read from a fuzz input: the structure-aware half of
 * {@link ConnectionFuzzTest}, whose raw payloads mostly end the connection at the first undecodable byte. Values stay
 * small (stream IDs among the first dozen of each kind, offsets under 64 KiB, limits around the server's), so that the
 * frames meet the server's state rather than its decoder. The first byte picks the frame ({@link #KINDS} of them).
 */
final class FuzzedFrames {

    /** The frame kinds {@link #next} chooses among. */
    static final int KINDS = 19;

    private FuzzedFrames() {
    }

    /**
     * {@return the next frame the input describes}
     *
     * @param client the fixture, for an honest ACK and the ranges of an optimistic one
     * @param lastChallenge the data of the server's last PATH_CHALLENGE, or -1
     */
    static Frame next(FuzzInput in, HostileClient client, long lastChallenge) {
        int kind = in.u8() % KINDS;
        return switch (kind) {
            case 0 -> {
                long id = streamId(in.u8());
                int flags = in.u8();
                long offset = in.u16();
                byte[] data = in.bytes(in.u8());
                yield new StreamFrame(id, offset, ByteBuffer.wrap(data), (flags & 1) != 0);
            }
            case 1 -> client.ack();
            case 2 -> ackAround(in, client);
            case 3 -> new ResetStreamFrame(streamId(in.u8()), in.u8(), in.u16());
            case 4 -> new StopSendingFrame(streamId(in.u8()), in.u8());
            case 5 -> new MaxDataFrame(limit(in));
            case 6 -> new MaxStreamDataFrame(streamId(in.u8()), limit(in));
            case 7 -> new MaxStreamsFrame((in.u8() & 1) != 0, Math.min(limit(in), 1L << 60));
            case 8 -> new DataBlockedFrame(limit(in));
            case 9 -> new StreamDataBlockedFrame(streamId(in.u8()), limit(in));
            case 10 -> new StreamsBlockedFrame((in.u8() & 1) != 0, Math.min(limit(in), 1L << 60));
            case 11 -> {
                long sequence = in.u8();
                long retirePriorTo = Math.min(in.u8(), sequence);
                byte[] id = new byte[8];
                Arrays.fill(id, (byte) in.u8());
                byte[] token = new byte[16];
                Arrays.fill(token, (byte) in.u8());
                yield new NewConnectionIdFrame(sequence, retirePriorTo, ConnectionId.of(id), token);
            }
            case 12 -> new RetireConnectionIdFrame(in.u8());
            case 13 -> new PathChallengeFrame(in.u16());
            case 14 -> {
                int echo = in.u16();
                yield new PathResponseFrame((echo & 1) != 0 && lastChallenge != -1 ? lastChallenge : echo);
            }
            case 15 -> new DatagramFrame(ByteBuffer.wrap(in.bytes(in.u8())));
            case 16 -> {
                long offset = in.u16();
                yield new CryptoFrame(offset, ByteBuffer.wrap(in.bytes(in.u8())));
            }
            case 17 -> new PingFrame();
            default -> new ConnectionCloseFrame(TransportErrorCode.of(in.u8() % 0x11), 0, ByteBuffer.allocate(0));
        };
    }

    /**
     * {@return a stream ID from one byte: bit 0 the initiator (client or server), bit 1 the direction, the rest the
     * index among the first dozen} The server's own streams are there for STOP_SENDING, MAX_STREAM_DATA and the
     * STREAM_STATE_ERROR of data on streams it never opened (RFC 9000 §19.8).
     */
    private static long streamId(int b) {
        return StreamId.of((b & 1) != 0 ? Role.SERVER : Role.CLIENT, (b & 2) == 0, (b >>> 2) % 12);
    }

    /** {@return a limit: 16 bits shifted by 0 to 39, so around the server's windows and far beyond them} */
    private static long limit(FuzzInput in) {
        long base = in.u16();
        return base << (in.u8() % 40);
    }

    /**
     * {@return an ACK reaching from the newest packet the server sent (or one past it: an optimistic ACK, RFC 9000
     * §21.4) down by a fuzzer-chosen amount, or a PING if the server sent nothing yet}
     */
    private static Frame ackAround(FuzzInput in, HostileClient client) {
        int b = in.u8();
        int span = in.u8();
        if (client.received.isEmpty()) {
            return new PingFrame();
        }
        long largest = client.received.last() + (b % 8 == 7 ? 1 : 0);
        return AckFrame.of(b >>> 3, largest, Math.max(0, largest - span));
    }
}
