package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * qsock's Flight Recorder events (issue 17, "JFR"): a recording that enables them sees each side's handshake, with
 * its role, ALPN and time, and each side's connection end, with its cause and bytes, as {@code jfr print} would.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JfrEventsTest {

    @TempDir
    Path temp;

    @Test
    void aRecordingSeesBothHandshakesAndBothConnectionEnds() throws Exception {
        Path file = temp.resolve("qsock.jfr");
        List<RecordedEvent> events;
        try (Recording recording = new Recording()) {
            recording.enable("qsock.Handshake");
            recording.enable("qsock.ConnectionClose");
            recording.start();
            try (Loopback loopback = Loopback.listen("127.0.0.1")) {
                Loopback.Connection c = loopback.connect();
                c.client().close();
                c.server().close();
            }
            // Each side's end is recorded once its endpoint forgot the connection: after the closing or draining
            // period (three PTOs, RFC 9000 §10.2).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                recording.dump(file);
                events = RecordingFile.readAllEvents(file);
                long closes = events.stream()
                        .filter(e -> e.getEventType().getName().equals("qsock.ConnectionClose")).count();
                if (closes >= 2 || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(50);
            }
            recording.stop();
        }
        List<RecordedEvent> handshakes = events.stream()
                .filter(e -> e.getEventType().getName().equals("qsock.Handshake")).toList();
        assertEquals(2, handshakes.size(), "one handshake event per side: " + handshakes);
        assertEquals(List.of("client", "server"), handshakes.stream().map(e -> e.getString("role")).sorted().toList());
        for (RecordedEvent h : handshakes) {
            assertEquals("echo", h.getString("alpn"));
            assertEquals("V1", h.getString("version"));
            assertTrue(h.getLong("handshakeTime") > 0, "a handshake takes time: " + h);
        }
        List<RecordedEvent> closes = events.stream()
                .filter(e -> e.getEventType().getName().equals("qsock.ConnectionClose")).toList();
        assertTrue(closes.stream().anyMatch(e -> e.getString("role").equals("client")
                && e.getString("cause").equals("LOCAL_CLOSE") && e.getBoolean("established")
                && e.getLong("bytesSent") > 0), "the client's end: " + closes);
        assertTrue(closes.stream().anyMatch(e -> e.getString("role").equals("server")
                && (e.getString("cause").equals("PEER_CLOSE") || e.getString("cause").equals("LOCAL_CLOSE"))
                && e.getBoolean("established")), "the server's end: " + closes);
    }
}
