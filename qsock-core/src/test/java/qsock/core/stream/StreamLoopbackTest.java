package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.StreamResetException;
import qsock.core.frame.DataBlockedFrame;
import qsock.core.frame.Frame;
import qsock.core.frame.FrameDecoder;
import qsock.core.frame.MaxDataFrame;
import qsock.core.frame.MaxStreamDataFrame;
import qsock.core.frame.MaxStreamsFrame;
import qsock.core.frame.ResetStreamFrame;
import qsock.core.frame.StopSendingFrame;
import qsock.core.frame.StreamDataBlockedFrame;
import qsock.core.frame.StreamFrame;
import qsock.core.frame.StreamsBlockedFrame;
import qsock.core.packet.PacketType;
import qsock.core.testing.Properties;

/**
 * Two stream managers joined by a lossy, reordering in-memory link in virtual time. Each packet's frames
 * are reported acknowledged or lost to its sender, some losses spurious (the packet arrived and is acked
 * later). The client sends 1 MiB over eight streams, more than the server's stream limits allow at once;
 * the server answers each bidirectional stream with the SHA-256 of what it received and sends 256 KiB of
 * its own on two unidirectional streams. Every byte must arrive intact, and every stream must close.
 */
class StreamLoopbackTest {

    private static final int PACKET = 1200;
    private static final long STEP_NANOS = 1_000_000;

    /** Small windows and buffers so that flow control, auto-tuning and stream limits all take part. */
    private static StreamConfig config() {
        return new StreamConfig(96 << 10, 32 << 10, 32 << 10, 32 << 10, 2, 2, 512 << 10, 128 << 10, 24 << 10, 1 << 20,
                64);
    }

    private record Packet(long deliverAt, byte[] bytes, List<RecordingSink.Sent> frames, boolean lost,
            boolean spurious) {}

    private record Report(long at, List<RecordingSink.Sent> frames, boolean acked) {}

    /** One side: its manager, what it must send and what it has received. */
    private static final class Side {
        final String name;
        final Role role;
        final StreamManager manager;
        final RecordingSink sink = new RecordingSink();
        final List<Packet> toPeer = new ArrayList<>();
        final List<Report> reports = new ArrayList<>();
        final Map<Long, ByteBuffer> sending = new LinkedHashMap<>();
        final List<byte[]> pendingOpens = new ArrayList<>();
        final List<Boolean> pendingOpenBidi = new ArrayList<>();
        final Map<Long, MessageDigest> receiving = new HashMap<>();
        final Map<Long, byte[]> received = new HashMap<>();
        final Map<Long, ByteArrayOutputStream> answers = new HashMap<>();
        final Map<String, Integer> seen = new HashMap<>();

        Side(String name, Role role) {
            this.name = name;
            this.role = role;
            this.manager = new StreamManager(role, config());
            manager.setPeerLimits(96 << 10, 32 << 10, 32 << 10, 32 << 10, 2, 2);
            // The link's round trip: 10 to 28 steps of 1 ms.
            manager.onRttUpdated(20 * STEP_NANOS);
        }
    }

    @Test
    @Timeout(60)
    void oneMebibyteOverSeveralStreamsArrivesIntact() throws Exception {
        for (long seed : new long[] {1, 2, 3}) {
            run(seed, 0.10);
        }
    }

    @Test
    @Timeout(60)
    void aVeryLossyLinkStillDeliversEverything() throws Exception {
        run(7, 0.35);
    }

    private static void run(long seed, double lossRate) throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed);
        Side client = new Side("client", Role.CLIENT);
        Side server = new Side("server", Role.SERVER);
        int[] sizes = {200_000, 150_000, 1, 0, 300_000, 120_000, 180_000, 98_575};
        for (int i = 0; i < sizes.length; i++) {
            byte[] b = new byte[sizes[i]];
            rnd.nextBytes(b);
            client.pendingOpens.add(b);
            client.pendingOpenBidi.add(i % 2 == 0);
        }
        for (int i = 0; i < 2; i++) {
            byte[] b = new byte[128 << 10];
            rnd.nextBytes(b);
            server.pendingOpens.add(b);
            server.pendingOpenBidi.add(false);
        }
        Map<Long, byte[]> clientSent = new HashMap<>();
        Map<Long, byte[]> serverSent = new HashMap<>();
        long now = 0;
        for (long step = 0; ; step++) {
            if (step > 400_000) {
                fail("no progress after " + step + " steps (seed " + seed + ")");
            }
            now = step * STEP_NANOS;
            openAndWrite(client, clientSent);
            openAndWrite(server, serverSent);
            transmit(client, server, now, rnd, lossRate);
            transmit(server, client, now, rnd, lossRate);
            deliver(client, server, now, rnd);
            deliver(server, client, now, rnd);
            report(client, now);
            report(server, now);
            readAll(client, clientSent);
            readAll(server, serverSent);
            boolean idle = client.toPeer.isEmpty() && server.toPeer.isEmpty() && client.reports.isEmpty()
                    && server.reports.isEmpty() && !client.manager.hasPendingFrames()
                    && !server.manager.hasPendingFrames() && client.pendingOpens.isEmpty()
                    && server.pendingOpens.isEmpty() && client.sending.isEmpty() && server.sending.isEmpty();
            if (idle && client.manager.streamCount() == 0 && server.manager.streamCount() == 0) {
                break;
            }
            if (idle) {
                fail("stalled at step " + step + " (seed " + seed + "): client " + client.manager.streamCount()
                        + " streams, server " + server.manager.streamCount() + " streams");
            }
        }
        // Every client stream reached the server intact, and the echo of each bidirectional one matches.
        assertEquals(clientSent.size(), server.received.size());
        for (Map.Entry<Long, byte[]> e : clientSent.entrySet()) {
            assertArrayEquals(sha256(e.getValue()), server.received.get(e.getKey()), "stream " + e.getKey());
            if (StreamId.isBidirectional(e.getKey())) {
                assertArrayEquals(sha256(e.getValue()), client.received.get(e.getKey()), "echo " + e.getKey());
            }
        }
        long total = 0;
        for (byte[] b : clientSent.values()) {
            total += b.length;
        }
        assertEquals(1 << 20, total);
        for (Map.Entry<Long, byte[]> e : serverSent.entrySet()) {
            if (!StreamId.isBidirectional(e.getKey())) {
                assertArrayEquals(sha256(e.getValue()), client.received.get(e.getKey()), "stream " + e.getKey());
            }
        }
        assertEquals(8, clientSent.size());
        // The machinery this run is meant to exercise did take part.
        String where = " (seed " + seed + "): server saw " + server.seen + ", client saw " + client.seen;
        assertTrue(server.seen.getOrDefault("StreamsBlockedFrame", 0) > 0, "STREAMS_BLOCKED" + where);
        assertTrue(client.seen.getOrDefault("MaxStreamsFrame", 0) > 0, "MAX_STREAMS" + where);
        assertTrue(client.seen.getOrDefault("MaxStreamDataFrame", 0) > 0, "MAX_STREAM_DATA" + where);
        assertTrue(client.seen.getOrDefault("MaxDataFrame", 0) > 0, "MAX_DATA" + where);
        assertTrue(server.seen.getOrDefault("StreamDataBlockedFrame", 0) > 0, "STREAM_DATA_BLOCKED" + where);
        assertTrue(server.manager.connectionWindow().window() > config().initialMaxData(),
                "the connection window auto-tuned: " + server.manager.connectionWindow());
        assertTrue(server.manager.localMaxStreams(true) > 2 && server.manager.localMaxStreams(false) > 2,
                "stream limits were raised as streams closed");
    }

    /**
     * Uni streams, some reset by the sender part-way and some refused by the receiver with STOP_SENDING,
     * over a lossy link: what arrives whole is intact, every reset is reported with its code, and every
     * stream closes on both sides.
     */
    @Test
    @Timeout(60)
    void resetsAndStopSendingUnderLossStillCloseEveryStream() throws Exception {
        Properties.forAll(20, r -> r.nextLong(), seed -> {
            try {
                runResets(seed);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    private static void runResets(long seed) throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed);
        Side client = new Side("client", Role.CLIENT);
        Side server = new Side("server", Role.SERVER);
        int streams = 6 + rnd.nextInt(8);
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            byte[] b = new byte[rnd.nextInt(60_000)];
            rnd.nextBytes(b);
            payloads.add(b);
        }
        Map<Long, byte[]> sent = new HashMap<>();
        Map<Long, Long> resetCodes = new HashMap<>();
        Map<Long, Long> stopCodes = new HashMap<>();
        Map<Long, Long> resetsSeen = new HashMap<>();
        Map<Long, Long> stopsSeen = new HashMap<>();
        double lossRate = rnd.nextDouble() * 0.3;
        ByteBuffer buf = ByteBuffer.allocate(5000);
        for (long step = 0; ; step++) {
            if (step > 200_000) {
                fail("no progress (seed " + seed + ")");
            }
            long now = step * STEP_NANOS;
            while (!payloads.isEmpty()) {
                long id = client.manager.openStream(false);
                if (id < 0) {
                    break;
                }
                byte[] b = payloads.removeFirst();
                sent.put(id, b);
                client.sending.put(id, ByteBuffer.wrap(b));
            }
            for (Iterator<Map.Entry<Long, ByteBuffer>> it = client.sending.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Long, ByteBuffer> e = it.next();
                long id = e.getKey();
                ByteBuffer src = e.getValue();
                try {
                    if (src.position() > 0 && rnd.nextInt(40) == 0 && src.hasRemaining()) {
                        long code = 1000 + id;
                        client.manager.reset(id, code);
                        resetCodes.put(id, code);
                        it.remove();
                        continue;
                    }
                    client.manager.write(id, src, true);
                    if (!src.hasRemaining() && client.manager.sendStream(id).isFinished()) {
                        it.remove();
                    }
                } catch (StreamResetException ex) {
                    // The server's STOP_SENDING reached us first.
                    assertEquals(stopCodes.get(id), ex.errorCode());
                    it.remove();
                }
            }
            transmit(client, server, now, rnd, lossRate);
            transmit(server, client, now, rnd, lossRate);
            deliver(client, server, now, rnd);
            deliver(server, client, now, rnd);
            report(client, now);
            report(server, now);
            for (StreamEvent ev; (ev = client.manager.pollEvent()) != null; ) {
                if (ev instanceof StreamEvent.StopSendingReceived(long id, long code)) {
                    assertEquals(stopCodes.get(id), code);
                    stopsSeen.put(id, code);
                    client.sending.remove(id);
                }
            }
            for (StreamEvent ev; (ev = server.manager.pollEvent()) != null; ) {
                switch (ev) {
                    case StreamEvent.Opened(long id) -> {
                        server.receiving.put(id, MessageDigest.getInstance("SHA-256"));
                        if (rnd.nextInt(4) == 0) {
                            long code = 2000 + id;
                            server.manager.stopSending(id, code);
                            stopCodes.put(id, code);
                        }
                    }
                    case StreamEvent.Readable(long id) -> {
                        MessageDigest md = server.receiving.get(id);
                        try {
                            for (int n; (n = server.manager.read(id, buf.clear())) != 0; ) {
                                if (n < 0) {
                                    server.received.put(id, md.digest());
                                    break;
                                }
                                md.update(buf.flip());
                            }
                        } catch (StreamResetException ex) {
                            resetsSeen.put(id, ex.errorCode());
                        }
                    }
                    default -> {
                    }
                }
            }
            boolean idle = client.toPeer.isEmpty() && server.toPeer.isEmpty() && client.reports.isEmpty()
                    && server.reports.isEmpty() && !client.manager.hasPendingFrames()
                    && !server.manager.hasPendingFrames() && payloads.isEmpty() && client.sending.isEmpty();
            if (idle) {
                assertEquals(0, client.manager.streamCount(), "client streams left (seed " + seed + ")");
                assertEquals(0, server.manager.streamCount(), "server streams left (seed " + seed + ")");
                break;
            }
        }
        for (Map.Entry<Long, byte[]> e : sent.entrySet()) {
            long id = e.getKey();
            if (server.received.containsKey(id)) {
                assertArrayEquals(sha256(e.getValue()), server.received.get(id), "stream " + id);
                assertTrue(!resetCodes.containsKey(id), "a stream reset before its end cannot end normally");
            } else {
                Long code = resetsSeen.get(id);
                assertTrue(code != null, "stream " + id + " neither ended nor was reset (seed " + seed + ")");
                assertTrue(code.equals(resetCodes.get(id)) || code.equals(stopCodes.get(id)),
                        "reset code " + code + " of stream " + id);
            }
        }
    }

    private static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    private static void openAndWrite(Side side, Map<Long, byte[]> sent) throws Exception {
        while (!side.pendingOpens.isEmpty()) {
            long id = side.manager.openStream(side.pendingOpenBidi.getFirst());
            if (id < 0) {
                break;
            }
            byte[] payload = side.pendingOpens.removeFirst();
            side.pendingOpenBidi.removeFirst();
            sent.put(id, payload);
            side.sending.put(id, ByteBuffer.wrap(payload));
        }
        for (Iterator<Map.Entry<Long, ByteBuffer>> it = side.sending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, ByteBuffer> e = it.next();
            side.manager.write(e.getKey(), e.getValue(), true);
            if (!e.getValue().hasRemaining() && side.manager.sendStream(e.getKey()).isFinished()) {
                it.remove();
            }
        }
    }

    private static void transmit(Side from, Side to, long now, SplittableRandom rnd, double lossRate) {
        // A crude congestion window: at most 40 packets in flight.
        for (int n = 0; n < 8 && from.toPeer.size() < 40 && from.manager.hasPendingFrames(); n++) {
            ByteBuffer p = ByteBuffer.allocate(PACKET);
            int written = from.manager.writeFrames(p, PACKET, from.sink, now);
            assertTrue(written > 0, from.name + ": pending frames but nothing written");
            byte[] bytes = new byte[written];
            p.flip().get(bytes);
            boolean lost = rnd.nextDouble() < lossRate;
            boolean spurious = !lost && rnd.nextDouble() < 0.03;
            long delay = (5 + rnd.nextInt(10)) * STEP_NANOS;
            from.toPeer.add(new Packet(now + delay, bytes, from.sink.take(), lost, spurious));
        }
    }

    private static void deliver(Side from, Side to, long now, SplittableRandom rnd) throws QuicProtocolException {
        List<Packet> due = new ArrayList<>();
        for (Iterator<Packet> it = from.toPeer.iterator(); it.hasNext(); ) {
            Packet p = it.next();
            if (p.deliverAt() <= now) {
                due.add(p);
                it.remove();
            }
        }
        // Packets due in the same step arrive in any order.
        for (int i = due.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            Packet t = due.get(i);
            due.set(i, due.get(j));
            due.set(j, t);
        }
        long rtt = 20 * STEP_NANOS;
        for (Packet p : due) {
            if (p.lost()) {
                from.reports.add(new Report(now + rtt / 2, p.frames(), false));
                continue;
            }
            List<Frame> frames = new ArrayList<>();
            FrameDecoder.decodeAll(ByteBuffer.wrap(p.bytes()), PacketType.ONE_RTT, frames);
            for (Frame f : frames) {
                to.seen.merge(f.getClass().getSimpleName(), 1, Integer::sum);
                dispatch(to.manager, f, now);
            }
            if (p.spurious()) {
                // Declared lost first, acknowledged after.
                from.reports.add(new Report(now + rtt / 4, p.frames(), false));
            }
            from.reports.add(new Report(now + rtt / 2, p.frames(), true));
        }
    }

    private static void dispatch(StreamManager m, Frame f, long now) throws QuicProtocolException {
        switch (f) {
            case StreamFrame s -> m.onStreamFrame(s.streamId(), s.offset(), s.data(), s.fin(), now);
            case ResetStreamFrame r -> m.onResetStream(r.streamId(), r.applicationProtocolErrorCode(), r.finalSize());
            case StopSendingFrame s -> m.onStopSending(s.streamId(), s.applicationProtocolErrorCode());
            case MaxDataFrame d -> m.onMaxData(d.maximumData());
            case MaxStreamDataFrame d -> m.onMaxStreamData(d.streamId(), d.maximumStreamData());
            case MaxStreamsFrame d -> m.onMaxStreams(d.bidirectional(), d.maximumStreams());
            case DataBlockedFrame d -> m.onDataBlocked(d.maximumData());
            case StreamDataBlockedFrame d -> m.onStreamDataBlocked(d.streamId(), d.maximumStreamData());
            case StreamsBlockedFrame d -> m.onStreamsBlocked(d.bidirectional(), d.maximumStreams());
            default -> fail("unexpected frame " + f);
        }
    }

    private static void report(Side side, long now) {
        for (Iterator<Report> it = side.reports.iterator(); it.hasNext(); ) {
            Report r = it.next();
            if (r.at() > now) {
                continue;
            }
            it.remove();
            for (RecordingSink.Sent s : r.frames()) {
                if (r.acked()) {
                    s.acked(side.manager);
                } else {
                    s.lost(side.manager);
                }
            }
        }
    }

    /**
     * Reads what the events say is readable. The server digests what it reads and, at the end of a
     * bidirectional stream, sends the digest back; the client keeps that answer as it is.
     */
    private static void readAll(Side side, Map<Long, byte[]> sentBySide) throws Exception {
        boolean isServer = side.role == Role.SERVER;
        ByteBuffer buf = ByteBuffer.allocate(7000);
        for (StreamEvent ev; (ev = side.manager.pollEvent()) != null; ) {
            if (ev instanceof StreamEvent.Opened(long id)) {
                side.receiving.put(id, MessageDigest.getInstance("SHA-256"));
            } else if (ev instanceof StreamEvent.Readable(long id)) {
                boolean answer = !isServer && StreamId.isBidirectional(id);
                MessageDigest md = side.receiving.get(id);
                ByteArrayOutputStream raw = side.answers.computeIfAbsent(id, k -> new ByteArrayOutputStream());
                for (int n; (n = side.manager.read(id, buf.clear())) != 0; ) {
                    if (n < 0) {
                        if (answer) {
                            side.received.put(id, raw.toByteArray());
                        } else {
                            byte[] digest = md.digest();
                            side.received.put(id, digest);
                            if (isServer && StreamId.isBidirectional(id)) {
                                sentBySide.put(id, digest);
                                side.sending.put(id, ByteBuffer.wrap(digest));
                            }
                        }
                        break;
                    }
                    buf.flip();
                    if (answer) {
                        raw.write(buf.array(), 0, n);
                    } else {
                        md.update(buf);
                    }
                }
            }
        }
    }
}
