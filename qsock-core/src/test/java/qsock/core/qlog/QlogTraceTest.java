package qsock.core.qlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.api.CongestionAlgorithm;
import qsock.core.cc.CongestionController;
import qsock.core.error.ConnectionError;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.FrameEncoder;
import qsock.core.frame.FrameType;
import qsock.core.packet.PacketType;
import qsock.core.recovery.RttEstimator;
import qsock.core.wire.ConnectionId;

/**
 * A qlog trace without a connection: frames read back from a plaintext payload, the JSON-SEQ records qlog 0.3 wants,
 * metrics logged only when they change, and the file a trace writes through the JVM's writer.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QlogTraceTest {

    private static final ConnectionId ODCID = ConnectionId.ofHex("0102030405060708");

    @TempDir
    Path dir;

    @Test
    void framesAreReadBackFromThePlaintextPayload() {
        ByteBuffer buf = ByteBuffer.allocate(200);
        buf.position(7); // the payload need not start at 0: a header precedes it
        FrameEncoder.writeAckFrame(buf, 3, new long[] {10, 8, 5, 5}, 2);
        FrameEncoder.writeStreamHeader(buf, 4, 100, 5, true, true);
        buf.put(new byte[5]);
        FrameEncoder.writeCryptoHeader(buf, 0, 3);
        buf.put(new byte[3]);
        FrameEncoder.writeConnectionLimit(buf, 0x13, 7);
        FrameEncoder.writePathChallenge(buf, 0x1122334455667788L);
        FrameEncoder.writePadding(buf, 10);
        int end = buf.position();
        QlogTrace trace = QlogTrace.start(dir, ODCID, false, 0);

        List<QlogFrame> frames = trace.frames(PacketType.ONE_RTT, buf, 7, end);

        assertEquals(List.of(FrameType.ACK, FrameType.STREAM, FrameType.CRYPTO, FrameType.MAX_STREAMS,
                FrameType.PATH_CHALLENGE, FrameType.PADDING), frames.stream().map(QlogFrame::type).toList());
        assertArrayEquals(new long[] {10, 8, 5, 5}, frames.get(0).ackRanges());
        assertEquals(3, frames.get(0).offset(), "the ACK Delay field as sent");
        QlogFrame stream = frames.get(1);
        assertEquals(4, stream.streamId());
        assertEquals(100, stream.offset());
        assertEquals(5, stream.length());
        assertTrue(stream.fin());
        assertEquals(3, frames.get(2).length());
        assertEquals(7, frames.get(3).offset());
        assertTrue(frames.get(3).fin(), "MAX_STREAMS 0x13 is for unidirectional streams");
        assertEquals(0x1122334455667788L, frames.get(4).offset());
        assertEquals(10, frames.get(5).length());
        assertEquals(end, buf.position(), "the buffer's position is left alone");
    }

    @Test
    void aFrameTheReaderRefusesEndsTheListWithoutThrowing() {
        ByteBuffer buf = ByteBuffer.allocate(64);
        FrameEncoder.writePing(buf);
        buf.put((byte) 0x21); // no frame type of RFC 9000 or RFC 9221
        buf.put((byte) 0);
        QlogTrace trace = QlogTrace.start(dir, ODCID, true, 0);

        List<QlogFrame> frames = trace.frames(PacketType.ONE_RTT, buf, 0, buf.position());

        assertEquals(List.of(FrameType.PING), frames.stream().map(QlogFrame::type).toList());
    }

    @Test
    void recordsAreJsonSeqWithRelativeMillisecondsAndQlogFieldNames() {
        StringBuilder b = new StringBuilder();
        QlogJson.header(b, "0102", true, 1_700_000_000_123L);
        String header = b.toString();
        assertTrue(header.startsWith("\u001e{\"qlog_version\":\"0.3\",\"qlog_format\":\"JSON-SEQ\""), header);
        assertTrue(header.endsWith("\n"), header);
        assertTrue(header.contains("\"common_fields\":{\"odcid\":\"0102\",\"group_id\":\"0102\","
                + "\"protocol_type\":[\"QUIC\"],\"time_format\":\"relative\",\"reference_time\":1700000000123}"),
                header);
        assertTrue(header.contains("\"vantage_point\":{\"name\":\"qsock\",\"type\":\"server\"}"), header);

        b.setLength(0);
        QlogJson.event(b, new QlogEvent.Packet(1_500_000, true, PacketType.ONE_RTT, 42, 1200, List.of(
                new QlogFrame(FrameType.ACK, 2, 0, 3, 0, false, 0, new long[] {10, 8, 5, 5}, null),
                new QlogFrame(FrameType.STREAM, 0x0f, 4, 100, 5, true, 0, null, null))));
        assertEquals("\u001e{\"time\":1.500,\"name\":\"transport:packet_sent\",\"data\":{\"header\":{\"packet_type\":"
                + "\"1RTT\",\"packet_number\":42},\"raw\":{\"length\":1200},\"frames\":[{\"frame_type\":\"ack\","
                + "\"ack_delay_raw\":3,\"acked_ranges\":[[5],[8,10]]},{\"frame_type\":\"stream\",\"stream_id\":4,"
                + "\"offset\":100,\"length\":5,\"fin\":true}]}}\n", b.toString());

        b.setLength(0);
        QlogJson.event(b, new QlogEvent.ConnectionClosed(2_000_007, "remote", 10, -1, "bad \"frame\"\n", "error"));
        assertEquals("\u001e{\"time\":2.000,\"name\":\"connectivity:connection_closed\",\"data\":{\"owner\":\"remote\","
                + "\"connection_code\":10,\"reason\":\"bad \\\"frame\\\"\\n\",\"trigger\":\"error\"}}\n", b.toString());
    }

    @Test
    void aTraceWritesItsFileMetricsOnlyWhenTheyChangeAndEndsAtTheClose() throws Exception {
        QlogTrace trace = QlogTrace.start(dir, ODCID, false, 1_000);
        RttEstimator rtt = new RttEstimator(100_000_000L);
        CongestionController cc = CongestionController.create(CongestionAlgorithm.NEW_RENO, 1200);
        trace.metrics(rtt, cc, 2_000);
        trace.metrics(rtt, cc, 3_000);
        rtt.update(20_000_000L, 0, true, 25_000_000L);
        trace.metrics(rtt, cc, 4_000);
        trace.closed(ConnectionError.transport(TransportErrorCode.NO_ERROR, 0, "done", false));
        trace.metrics(rtt, cc, 5_000);
        Path file = dir.resolve("0102030405060708_client.sqlog");
        assertEquals(file, trace.file());

        String text = "";
        for (int i = 0; i < 200 && !text.contains("connection_closed"); i++) {
            Thread.sleep(25);
            text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        }
        String[] records = text.split("\u001e", -1);
        assertEquals("", records[0], "the file starts with RS");
        assertTrue(records[1].contains("\"qlog_format\":\"JSON-SEQ\""), records[1]);
        assertEquals(2, count(text, "recovery:metrics_updated"), "one per change, none after the close:\n" + text);
        assertEquals(1, count(text, "recovery:congestion_state_updated"), text);
        assertTrue(text.contains("\"new\":\"slow_start\""), text);
        assertTrue(records[records.length - 1].contains("\"trigger\":\"clean\""), text);
        assertEquals(0, trace.dropped());
        assertNull(trace.failure, "the writer wrote the whole trace");
        assertFalse(text.contains("generic:info"), "nothing was dropped");
    }

    @Test
    void aFullQueueDropsAndCountsEventsAndTheCloseStillEndsTheFile() throws Exception {
        // A queue of 4 behind a thread that writes a file: 20,000 events offered at once cannot all fit.
        QlogWriter small = new QlogWriter(4);
        QlogTrace trace = QlogTrace.start(dir, ODCID, true, 0, small);
        int offered = 20_000;
        for (int i = 0; i < offered; i++) {
            trace.keyUpdated("server_1rtt_secret", "local_update", i + 1, i);
        }
        trace.closed(ConnectionError.application(7, "bye", false));
        Path file = dir.resolve("0102030405060708_server.sqlog");

        String text = "";
        for (int i = 0; i < 400 && !text.contains("connection_closed"); i++) {
            Thread.sleep(25);
            text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        }
        assertTrue(text.contains("connection_closed"), "the close is written even if the queue refused it");
        long dropped = trace.dropped();
        assertTrue(dropped > 0, "the queue of 4 was full at times");
        assertEquals(offered, count(text, "security:key_updated") + dropped, "every event written or counted");
        String[] records = text.split("\u001e", -1);
        assertTrue(records[records.length - 1].contains("\"message\":\"" + dropped + " events dropped"),
                "the count ends the trace: " + records[records.length - 1]);
    }

    @Test
    void moreTracesThanOpenFilesAllowedInterleaveIntoWholeFilesWithNoMoreFilesOpenThanTheBound() throws Exception {
        // 10 traces written in turn through a writer that keeps 3 files open: each write past the third opens one
        // by closing the least recently written, which reopens in append mode for its next record.
        QlogWriter writer = new QlogWriter(QlogWriter.CAPACITY, 3);
        int traces = 10;
        int rounds = 20;
        List<QlogTrace> all = new java.util.ArrayList<>();
        for (int i = 0; i < traces; i++) {
            ConnectionId odcid = ConnectionId.ofHex(String.format("%016x", 0x1000 + i));
            QlogTrace t = QlogTrace.start(dir, odcid, i % 2 == 0, 0, writer);
            t.started(odcid, odcid, 0);
            all.add(t);
        }
        for (int r = 1; r <= rounds; r++) {
            for (QlogTrace t : all) {
                t.keyUpdated("client_1rtt_secret", "local_update", r, r);
            }
        }
        for (QlogTrace t : all) {
            t.closed(ConnectionError.transport(TransportErrorCode.NO_ERROR, 0, "done", false));
        }

        for (QlogTrace t : all) {
            String text = "";
            for (int i = 0; i < 400 && !text.contains("connection_closed"); i++) {
                Thread.sleep(25);
                text = Files.exists(t.file()) ? Files.readString(t.file(), StandardCharsets.UTF_8) : "";
            }
            String[] records = text.split("\u001e", -1);
            // "", header, connection_started, path_assigned, the rounds' key updates, connection_closed.
            assertEquals(1 + 1 + 2 + rounds + 1, records.length, t.file() + ":\n" + text);
            assertTrue(records[1].startsWith("{\"qlog_version\""), "one header, first: " + records[1]);
            assertEquals(1, count(text, "qlog_version"), "the header is not written again on reopening");
            for (int r = 1; r <= rounds; r++) {
                assertTrue(records[3 + r].contains("\"generation\":" + r + "}"), "round " + r + " in order: "
                        + records[3 + r]);
            }
            assertTrue(records[records.length - 1].contains("connection_closed"), text);
            assertNull(t.failure, "no write failed");
        }
        assertEquals(3, writer.peakOpenFiles(), "never more than 3 files open, and the bound was reached");
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
