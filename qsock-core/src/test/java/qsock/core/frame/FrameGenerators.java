package qsock.core.frame;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import qsock.core.error.TransportErrorCode;
import qsock.core.packet.PacketType;
import qsock.core.testing.Generators;
import qsock.core.wire.ConnectionId;
import qsock.core.wire.VarInt;

/** Random valid frames for property checks, biased towards encoding edges. */
final class FrameGenerators {

    /** The packet types that carry frames. */
    static final PacketType[] FRAME_PACKET_TYPES = {
        PacketType.INITIAL, PacketType.ZERO_RTT, PacketType.HANDSHAKE, PacketType.ONE_RTT,
    };

    /** How many distinct record types {@link #frame} picks from. */
    static final int KINDS = 22;

    private FrameGenerators() {}

    /** {@return a random valid frame, each record type equally likely} */
    static Frame frame(SplittableRandom r) {
        return frame(r, r.nextInt(KINDS));
    }

    /** {@return a random valid frame of record type number {@code kind} (0 to {@link #KINDS} - 1)} */
    static Frame frame(SplittableRandom r, int kind) {
        return switch (kind) {
            case 0 -> new PaddingFrame(1 + r.nextInt(r.nextBoolean() ? 3 : 80));
            case 1 -> PingFrame.INSTANCE;
            case 2 -> ack(r);
            case 3 -> new ResetStreamFrame(Generators.varint(r), Generators.varint(r), Generators.varint(r));
            case 4 -> new StopSendingFrame(Generators.varint(r), Generators.varint(r));
            case 5 -> {
                ByteBuffer data = data(r, 0);
                yield new CryptoFrame(offset(r, data.remaining()), data);
            }
            case 6 -> new NewTokenFrame(data(r, 1));
            case 7 -> {
                ByteBuffer data = data(r, 0);
                yield new StreamFrame(Generators.varint(r), offset(r, data.remaining()), data, r.nextBoolean());
            }
            case 8 -> new MaxDataFrame(Generators.varint(r));
            case 9 -> new MaxStreamDataFrame(Generators.varint(r), Generators.varint(r));
            case 10 -> new MaxStreamsFrame(r.nextBoolean(), streamCount(r));
            case 11 -> new DataBlockedFrame(Generators.varint(r));
            case 12 -> new StreamDataBlockedFrame(Generators.varint(r), Generators.varint(r));
            case 13 -> new StreamsBlockedFrame(r.nextBoolean(), streamCount(r));
            case 14 -> {
                long sequenceNumber = Generators.varint(r);
                long retirePriorTo = r.nextBoolean() ? sequenceNumber : r.nextLong(sequenceNumber + 1);
                yield new NewConnectionIdFrame(sequenceNumber, retirePriorTo,
                        ConnectionId.random(r, 1 + r.nextInt(ConnectionId.MAX_LENGTH)),
                        Generators.bytes(r, NewConnectionIdFrame.TOKEN_LENGTH));
            }
            case 15 -> new RetireConnectionIdFrame(Generators.varint(r));
            case 16 -> new PathChallengeFrame(r.nextLong());
            case 17 -> new PathResponseFrame(r.nextLong());
            case 18 -> new ConnectionCloseFrame(TransportErrorCode.of(Generators.varint(r)), Generators.varint(r),
                    data(r, 0));
            case 19 -> new ApplicationCloseFrame(Generators.varint(r), data(r, 0));
            case 20 -> HandshakeDoneFrame.INSTANCE;
            case 21 -> new DatagramFrame(data(r, 0));
            default -> throw new IllegalArgumentException("no frame kind " + kind);
        };
    }

    /** {@return a random ACK frame: 1 to 4 ranges, sometimes up to 64, with gaps and lengths at varint edges} */
    static AckFrame ack(SplittableRandom r) {
        int wanted = 1 + (r.nextInt(4) == 0 ? r.nextInt(64) : r.nextInt(4));
        // Build from the lowest range up, then store highest first.
        List<long[]> ascending = new ArrayList<>();
        long smallest = r.nextBoolean() ? r.nextLong(4) : Generators.varint(r) / 2;
        for (int i = 0; i < wanted; i++) {
            long length = smallNumber(r);
            if (smallest > VarInt.MAX_VALUE - length) {
                break;
            }
            long largest = smallest + length;
            ascending.add(new long[] {smallest, largest});
            long gap = smallNumber(r);
            if (largest > VarInt.MAX_VALUE - gap - 2) {
                break;
            }
            smallest = largest + gap + 2;
        }
        if (ascending.isEmpty()) {
            ascending.add(new long[] {VarInt.MAX_VALUE, VarInt.MAX_VALUE});
        }
        long[] ranges = new long[2 * ascending.size()];
        for (int i = 0; i < ascending.size(); i++) {
            long[] range = ascending.get(ascending.size() - 1 - i);
            ranges[2 * i] = range[1];
            ranges[2 * i + 1] = range[0];
        }
        AckFrame.EcnCounts ecn = r.nextBoolean()
                ? null
                : new AckFrame.EcnCounts(Generators.varint(r), Generators.varint(r), Generators.varint(r));
        return new AckFrame(Generators.varint(r), ranges, ecn);
    }

    /** {@return a gap or range length: mostly small, sometimes at a varint boundary} */
    private static long smallNumber(SplittableRandom r) {
        return switch (r.nextInt(6)) {
            case 0 -> 0;
            case 1 -> 63;
            case 2 -> 64;
            case 3 -> 16384;
            default -> r.nextLong(200);
        };
    }

    /** {@return an offset such that {@code length} bytes from it end at or below 2^62-1, often 0 or at the top} */
    static long offset(SplittableRandom r, int length) {
        return switch (r.nextInt(5)) {
            case 0 -> 0;
            case 1 -> VarInt.MAX_VALUE - length;
            default -> Math.min(Generators.varint(r), VarInt.MAX_VALUE - length);
        };
    }

    /** {@return a stream count for MAX_STREAMS / STREAMS_BLOCKED, 0 to 2^60} */
    static long streamCount(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> FrameChecks.MAX_STREAMS;
            case 1 -> FrameChecks.MAX_STREAMS - 1;
            default -> r.nextLong(FrameChecks.MAX_STREAMS + 1);
        };
    }

    /**
     * {@return a buffer of {@code min} to about 80 random bytes (now and then a few hundred, for two-byte
     * lengths)}, sometimes sitting inside a larger array at a non-zero position, so that frames must take
     * exactly the bytes between position and limit
     */
    static ByteBuffer data(SplittableRandom r, int min) {
        int length = min + r.nextInt(r.nextInt(10) == 0 ? 400 : 80);
        byte[] content = Generators.bytes(r, length);
        if (r.nextBoolean()) {
            return ByteBuffer.wrap(content);
        }
        int before = r.nextInt(5);
        byte[] larger = new byte[before + length + r.nextInt(5)];
        System.arraycopy(content, 0, larger, before, length);
        return ByteBuffer.wrap(larger, before, length);
    }

    /** {@return 1 to {@code max} random frames, of any type; all may share a 1-RTT packet} */
    static List<Frame> frames(SplittableRandom r, int max) {
        int count = 1 + r.nextInt(max);
        List<Frame> frames = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            frames.add(frame(r));
        }
        return frames;
    }

    /**
     * {@return {@code frames} as a decoder reports them: consecutive PADDING frames merge into one run}
     */
    static List<Frame> asDecoded(List<Frame> frames) {
        List<Frame> merged = new ArrayList<>(frames.size());
        for (Frame f : frames) {
            if (f instanceof PaddingFrame p && !merged.isEmpty()
                    && merged.getLast() instanceof PaddingFrame last) {
                merged.set(merged.size() - 1, new PaddingFrame(last.length() + p.length()));
            } else {
                merged.add(f);
            }
        }
        return merged;
    }

    /**
     * Encodes {@code frames} in order into an exactly sized array; the last one without its Length field
     * if {@code lastEndsPacket}.
     */
    static byte[] encode(List<Frame> frames, boolean lastEndsPacket) {
        int size = 0;
        for (int i = 0; i < frames.size(); i++) {
            size += FrameEncoder.encodedLength(frames.get(i), lastEndsPacket && i == frames.size() - 1);
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        for (int i = 0; i < frames.size(); i++) {
            FrameEncoder.encode(buf, frames.get(i), lastEndsPacket && i == frames.size() - 1);
        }
        if (buf.hasRemaining()) {
            throw new AssertionError("encodedLength overestimated: " + buf.remaining() + " bytes left");
        }
        return buf.array();
    }
}
