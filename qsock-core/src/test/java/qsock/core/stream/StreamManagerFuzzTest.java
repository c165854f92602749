package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.StreamResetException;
import qsock.core.testing.Properties;

/**
 * Arbitrary peer frames, valid or not, mixed with application calls: the manager answers only with
 * {@link QuicProtocolException}, never with another exception or a hang, and stays within its bounds.
 */
class StreamManagerFuzzTest {

    private static final long MAX_VARINT = (1L << 62) - 1;

    @Test
    void peerFramesOnlyEverRaiseProtocolErrors() {
        Properties.forAll(300, r -> r.nextLong(), seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            Role role = r.nextBoolean() ? Role.CLIENT : Role.SERVER;
            StreamConfig config = new StreamConfig(20_000, 4000, 4000, 4000, 3, 3, 80_000, 16_000, 3000, 8000, 8);
            StreamManager m = new StreamManager(role, config);
            m.setPeerLimits(r.nextLong(50_000), r.nextLong(5000), r.nextLong(5000), r.nextLong(5000), r.nextLong(5),
                    r.nextLong(5));
            RecordingSink sink = new RecordingSink();
            ByteBuffer packet = ByteBuffer.allocate(1200);
            ByteBuffer app = ByteBuffer.allocate(5000);
            long now = 0;
            List<Long> opened = new ArrayList<>();
            try {
                for (int i = 0; i < 400; i++) {
                    now += r.nextLong(5_000_000);
                    long recvId = streamId(r, m, role, opened, true);
                    long sendId = streamId(r, m, role, opened, false);
                    switch (r.nextInt(14)) {
                        case 0, 1, 2 -> {
                            long offset = r.nextInt(50) == 0 ? r.nextLong(MAX_VARINT - 2000) : r.nextLong(3200);
                            int length = r.nextInt(800);
                            RecvStream known = m.recvStream(recvId);
                            if (known != null && known.finalSize() >= 0 && r.nextInt(10) > 0) {
                                // Mostly keep to a known final size.
                                offset = Math.min(offset, known.finalSize());
                                length = (int) Math.min(length, known.finalSize() - offset);
                            }
                            m.onStreamFrame(recvId, offset, ByteBuffer.allocate(length), r.nextInt(30) == 0, now);
                        }
                        case 3 -> {
                            RecvStream known = m.recvStream(recvId);
                            long finalSize = known != null && r.nextInt(10) > 0
                                    ? Math.max(known.finalSize(), known.highestOffset()) : r.nextLong(4100);
                            m.onResetStream(recvId, r.nextLong(100), finalSize);
                        }
                        case 4 -> m.onStopSending(sendId, r.nextLong(100));
                        case 5 -> m.onMaxStreamData(sendId, r.nextLong(10_000));
                        case 6 -> m.onStreamDataBlocked(recvId, r.nextLong(10_000));
                        case 7 -> m.onMaxData(r.nextLong(100_000));
                        case 8 -> m.onMaxStreams(r.nextBoolean(), r.nextLong(10));
                        case 9 -> m.onStreamsBlocked(r.nextBoolean(), r.nextLong(10));
                        case 10 -> {
                            long id = m.openStream(r.nextBoolean());
                            if (id >= 0) {
                                opened.add(id);
                                applicationCall(m, r, id, app);
                            }
                        }
                        case 11 -> applicationCall(m, r, r.nextBoolean() ? recvId : sendId, app);
                        case 12 -> {
                            packet.clear();
                            m.writeFrames(packet, 1 + r.nextInt(1200), sink, now);
                        }
                        default -> {
                            for (RecordingSink.Sent s : sink.take()) {
                                if (r.nextBoolean()) {
                                    s.acked(m);
                                } else {
                                    s.lost(m);
                                }
                            }
                        }
                    }
                    for (StreamEvent e; (e = m.pollEvent()) != null; ) {
                        assertTrue(e.streamId() >= -1);
                    }
                    // Bounded: peer streams by the MAX_STREAMS we sent, ours by the peer's.
                    assertTrue(m.streamCount() <= m.localMaxStreams(true) + m.localMaxStreams(false)
                            + m.peerMaxStreams(true) + m.peerMaxStreams(false));
                    assertTrue(m.connectionDataReceived() <= m.localMaxData());
                    // What the application queued, by the connection's send bound.
                    assertTrue(m.sendBuffered() >= 0 && m.sendBuffered() <= config.connectionSendBufferSize(),
                            "queued " + m.sendBuffered());
                }
            } catch (QuicProtocolException expected) {
                // The connection would close here.
            }
        });
    }

    private static void applicationCall(StreamManager m, SplittableRandom r, long id, ByteBuffer app) {
        try {
            switch (r.nextInt(4)) {
                case 0 -> m.read(id, app.clear());
                case 1 -> m.write(id, app.clear().limit(r.nextInt(3000)), r.nextBoolean());
                case 2 -> m.reset(id, r.nextLong(100));
                default -> m.stopSending(id, r.nextLong(100));
            }
        } catch (IllegalStateException notApplicable) {
            // Unknown stream, wrong direction or already finished: the application's mistake, reported.
        } catch (StreamResetException reset) {
            // A stream the peer reset, or asked us to stop sending on.
        }
    }

    /**
     * Mostly a stream the frame may name: the peer's within our limits, or one we opened, in a direction
     * that can carry the frame; now and then any ID at all.
     */
    private static long streamId(SplittableRandom r, StreamManager m, Role role, List<Long> opened, boolean recv) {
        if (r.nextInt(200) == 0) {
            return r.nextLong(MAX_VARINT);
        }
        for (int tries = 0; tries < 8; tries++) {
            long id;
            if (!opened.isEmpty() && r.nextInt(3) == 0) {
                id = opened.get(r.nextInt(opened.size()));
            } else {
                boolean bidi = r.nextBoolean();
                long limit = m.localMaxStreams(bidi);
                if (limit == 0) {
                    continue;
                }
                id = StreamId.of(role.peer(), bidi, r.nextLong(limit));
            }
            if (recv ? StreamId.canReceive(id, role) : StreamId.canSend(id, role)) {
                return id;
            }
        }
        return StreamId.of(role.peer(), true, 0);
    }
}
