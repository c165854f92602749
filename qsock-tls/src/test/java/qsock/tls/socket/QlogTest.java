package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicEvent;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.tls.QuicHandshake;

/**
 * qlog (issue 17): a loopback transfer with {@link QuicSocketOptions#QLOG_DIR} set on the client and the listener
 * writes one JSON-SEQ file per side, named by the original Destination Connection ID, which this test reads back
 * record by record: the header's required fields (draft-ietf-quic-qlog-main-schema), packets sent and received with
 * their numbers and frames, the stream frames covering exactly the bytes sent, metrics, keys and the close
 * (draft-ietf-quic-qlog-quic-events).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QlogTest {

    private static final int SIZE = 200_000;
    private static final int LOSSY_SIZE = 2 << 20;

    @TempDir
    Path dir;

    @Test
    void aTransferWritesOneTraceForEachSideWithPacketsFramesAndMetrics() throws Exception {
        byte[] data = new byte[SIZE];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        try (QuicSocket listener = QuicSocket.open(ConnectionConfig.defaults())
                .bind(new InetSocketAddress(Loopback.address("127.0.0.1"), 0))) {
            listener.setOption(QuicSocketOptions.QLOG_DIR, dir);
            listener.listen(16);
            try (Loopback loopback = Loopback.wrap(listener)) {
                Future<QuicSocket> accepted = loopback.background(() -> {
                    QuicSocket s = listener.accept();
                    QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                    return s;
                });
                QuicSocket client = QuicSocket.open(ConnectionConfig.defaults());
                client.setOption(QuicSocketOptions.QLOG_DIR, dir);
                client.connect(loopback.address);
                QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                QuicSocket server = accepted.get();
                assertEquals(dir, server.getOption(QuicSocketOptions.QLOG_DIR), "accepted sockets inherit QLOG_DIR");

                client.send(ByteBuffer.wrap(data), -1, StreamFlags.NEW | StreamFlags.FIN);
                ByteBuffer in = ByteBuffer.allocate(SIZE + 1);
                for (int i = 0; i < 100_000 && in.position() < SIZE; i++) {
                    if (server.receive(in).fin()) {
                        break;
                    }
                }
                assertEquals(SIZE, in.position(), "the server received every byte");
                client.close();
                server.close();
            }
        }
        Waits.until("both traces end with connection_closed", () -> closed("_client") && closed("_server"),
                this::listing);

        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        assertEquals(2, files.size(), "one file per side: " + files);
        String clientName = files.get(0).getFileName().toString();
        String serverName = files.get(1).getFileName().toString();
        assertTrue(clientName.endsWith("_client.sqlog"), clientName);
        assertTrue(serverName.endsWith("_server.sqlog"), serverName);
        String odcid = clientName.substring(0, clientName.indexOf('_'));
        assertEquals(odcid + "_server.sqlog", serverName, "both sides name the trace by the same ODCID");

        List<Map<String, Object>> client = records(files.get(0));
        List<Map<String, Object>> server = records(files.get(1));
        checkHeader(client.getFirst(), odcid, "client");
        checkHeader(server.getFirst(), odcid, "server");
        assertEquals(List.of(), QlogSchema.violations(client), "the client's trace meets the drafts' required fields");
        assertEquals(List.of(), QlogSchema.violations(server), "the server's trace meets the drafts' required fields");
        // The data's sender sends a packet per 1,200 bytes or so; its receiver acknowledges every other one at least
        // (RFC 9000 §13.2.2), or fewer with ACK frequency: a few packets the other way.
        checkPackets(client.subList(1, client.size()), "transport:packet_sent", SIZE / 1500);
        checkPackets(client.subList(1, client.size()), "transport:packet_received", 2);
        checkPackets(server.subList(1, server.size()), "transport:packet_sent", 2);
        checkPackets(server.subList(1, server.size()), "transport:packet_received", SIZE / 1500);
        for (List<Map<String, Object>> trace : List.of(client, server)) {
            List<Map<String, Object>> events = trace.subList(1, trace.size());
            Map<String, Object> metrics = named(events, "recovery:metrics_updated").getFirst();
            Map<?, ?> m = (Map<?, ?>) metrics.get("data");
            assertTrue(((BigDecimal) m.get("congestion_window")).longValue() > 0, "congestion_window: " + m);
            assertNotNull(m.get("smoothed_rtt"), "smoothed_rtt: " + m);
            assertFalse(named(events, "recovery:congestion_state_updated").isEmpty(), "congestion state");
            assertTrue(named(events, "security:key_updated").size() >= 4, "handshake and 1-RTT keys, both ways");
            assertEquals("connectivity:connection_closed", events.getLast().get("name"), "the close ends the trace");
            BigDecimal last = BigDecimal.ZERO;
            for (Map<String, Object> e : events) {
                BigDecimal t = (BigDecimal) e.get("time");
                assertTrue(t.compareTo(last) >= 0, "times never go back: " + e);
                last = t;
            }
        }
        assertEquals(SIZE, streamBytes(named(client, "transport:packet_sent")),
                "the stream frames the client sent cover the bytes sent, each once");
        assertEquals(SIZE, streamBytes(named(server, "transport:packet_received")),
                "the stream frames the server received cover the bytes sent, each once");
    }

    /**
     * A transfer from the server through a NAT that loses every 25th datagram towards the client, during which the
     * client moves to a new port (RFC 9000 §9.2): the NAT gives it a new address too, so both sides change paths. Both
     * traces meet the drafts' required fields ({@link QlogSchema}), hold recovery events, log the new path
     * (connectivity:path_assigned) with the new address, and the connection ID each side moved to
     * (connectivity:connection_id_updated, RFC 9000 §9.5).
     */
    @Test
    void aLossyTransferWithAMigrationLogsThePathChangeInBothTracesAndMeetsTheSchema() throws Exception {
        byte[] data = new byte[LOSSY_SIZE];
        new java.util.SplittableRandom(17).nextBytes(data);
        InetSocketAddress clientMovedTo;
        InetSocketAddress serverSawClientAt;
        long lost;
        try (QuicSocket listener = QuicSocket.open(ConnectionConfig.defaults())
                .bind(new InetSocketAddress(Loopback.address("127.0.0.1"), 0))) {
            listener.setOption(QuicSocketOptions.QLOG_DIR, dir);
            listener.listen(16);
            try (Loopback loopback = Loopback.wrap(listener); LossyNat nat = new LossyNat(loopback.address, 40, 25)) {
                Future<QuicSocket> accepted = loopback.background(() -> {
                    QuicSocket s = listener.accept();
                    QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                    return s;
                });
                QuicSocket client = QuicSocket.open(ConnectionConfig.defaults());
                client.setOption(QuicSocketOptions.QLOG_DIR, dir);
                client.setOption(QuicSocketOptions.EVENT, Loopback.ALL_EVENTS);
                client.connect(nat.address());
                QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                QuicSocket server = accepted.get(10, TimeUnit.SECONDS);
                server.setOption(QuicSocketOptions.EVENT, Loopback.ALL_EVENTS);
                Waits.untilConfirmed(client, server);
                InetSocketAddress before = (InetSocketAddress) client.localAddress();

                Future<Object> sent = loopback.background(() -> {
                    server.send(ByteBuffer.wrap(data), -1, StreamFlags.NEW | StreamFlags.FIN);
                    return null;
                });
                ByteBuffer in = ByteBuffer.allocate(LOSSY_SIZE + 1);
                boolean moved = false;
                for (int i = 0; i < 1_000_000 && in.position() < LOSSY_SIZE; i++) {
                    boolean fin = client.receive(in).fin();
                    if (!moved && in.position() >= LOSSY_SIZE / 4) {
                        moved = true;
                        client.setOption(QuicSocketOptions.CONNECTION_MIGRATION,
                                new InetSocketAddress(Loopback.address("127.0.0.1"), 0));
                    }
                    if (fin) {
                        break;
                    }
                }
                sent.get(20, TimeUnit.SECONDS);
                assertEquals(LOSSY_SIZE, in.position(), "the client received every byte");
                assertTrue(java.util.Arrays.equals(data, java.util.Arrays.copyOf(in.array(), LOSSY_SIZE)),
                        "the bytes arrived as sent");
                Waits.until("the client's move completed",
                        () -> drain(client).contains(new QuicEvent.ConnectionMigration(true)));
                Waits.until("the server followed the client",
                        () -> drain(server).contains(new QuicEvent.ConnectionMigration(false)));
                clientMovedTo = (InetSocketAddress) client.localAddress();
                serverSawClientAt = (InetSocketAddress) server.remoteAddress();
                assertFalse(before.equals(clientMovedTo), "the client moved: " + before);
                lost = nat.dropped();
                client.close();
                server.close();
            }
        }
        assertTrue(lost > 0, "the NAT dropped datagrams");
        Waits.until("both traces end with connection_closed", () -> closed("_client") && closed("_server"),
                this::listing);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        assertEquals(2, files.size(), "one file per side: " + files);
        List<Map<String, Object>> client = records(files.get(0));
        List<Map<String, Object>> server = records(files.get(1));
        assertEquals(List.of(), QlogSchema.violations(client), "the client's trace meets the drafts' required fields");
        assertEquals(List.of(), QlogSchema.violations(server), "the server's trace meets the drafts' required fields");

        // The client's new path: its new local port, towards the NAT.
        Map<?, ?> clientPath = lastPath(client);
        assertEquals("1", clientPath.get("path_id"), clientPath.toString());
        assertEquals(clientMovedTo.getPort(), port((Map<?, ?>) clientPath.get("path_local")), clientPath.toString());
        // The server's: the client's new address as the NAT shows it.
        Map<?, ?> serverPath = lastPath(server);
        assertEquals("1", serverPath.get("path_id"), serverPath.toString());
        Map<?, ?> remote = (Map<?, ?>) serverPath.get("path_remote");
        assertEquals(serverSawClientAt.getAddress().getHostAddress(), remote.get("ip_v4"), serverPath.toString());
        assertEquals(serverSawClientAt.getPort(), port(remote), serverPath.toString());
        for (List<Map<String, Object>> trace : List.of(client, server)) {
            // RFC 9000 §9.5: each side sends to a new connection ID of its peer on the new path.
            Map<?, ?> path = lastPath(trace);
            String pathCid = (String) ((List<?>) ((Map<?, ?>) path.get("path_remote")).get("connection_ids")).getFirst();
            assertTrue(named(trace, "connectivity:connection_id_updated").stream()
                    .map(e -> (Map<?, ?>) e.get("data"))
                    .anyMatch(d -> "remote".equals(d.get("owner")) && pathCid.equals(d.get("new"))),
                    "connection_id_updated names the ID the new path uses: " + pathCid);
            Map<?, ?> started = (Map<?, ?>) named(trace, "connectivity:connection_started").getFirst().get("data");
            assertEquals("127.0.0.1", started.get("dst_ip"), started.toString());
        }
        // The sender saw the losses: a congestion event (RFC 9002 §7.3.2).
        assertTrue(named(server, "recovery:congestion_state_updated").stream()
                .anyMatch(e -> "recovery".equals(((Map<?, ?>) e.get("data")).get("new"))),
                "the server's trace shows recovery");
    }

    private static Map<?, ?> lastPath(List<Map<String, Object>> trace) {
        List<Map<String, Object>> paths = named(trace, "connectivity:path_assigned");
        assertTrue(paths.size() >= 2, "the handshake's path and the new one: " + paths);
        assertEquals("", ((Map<?, ?>) paths.getFirst().get("data")).get("path_id"), "the first path is \"\"");
        return (Map<?, ?>) paths.getLast().get("data");
    }

    private static int port(Map<?, ?> endpoint) {
        return ((BigDecimal) endpoint.get("port_v4")).intValue();
    }

    private static List<QuicEvent> drain(QuicSocket socket) {
        List<QuicEvent> events = new ArrayList<>();
        for (QuicEvent e = socket.pollEvent(); e != null && events.size() < 1_000; e = socket.pollEvent()) {
            events.add(e);
        }
        return events;
    }

    @Test
    void aPathThatIsNoDirectoryIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        try (QuicSocket s = QuicSocket.open(ConnectionConfig.defaults())) {
            assertThrows(IllegalArgumentException.class, () -> s.setOption(QuicSocketOptions.QLOG_DIR, file));
            assertEquals(null, s.getOption(QuicSocketOptions.QLOG_DIR), "off by default");
        }
    }

    private static void checkHeader(Map<String, Object> header, String odcid, String vantage) {
        assertEquals("0.3", header.get("qlog_version"), header.toString());
        assertEquals("JSON-SEQ", header.get("qlog_format"), header.toString());
        assertTrue(header.get("title") instanceof String, header.toString());
        Map<?, ?> trace = (Map<?, ?>) header.get("trace");
        Map<?, ?> common = (Map<?, ?>) trace.get("common_fields");
        assertEquals(odcid, common.get("odcid"));
        assertEquals("relative", common.get("time_format"));
        assertTrue(((BigDecimal) common.get("reference_time")).longValue() > 1_600_000_000_000L, common.toString());
        assertEquals(vantage, ((Map<?, ?>) trace.get("vantage_point")).get("type"));
    }

    private static void checkPackets(List<Map<String, Object>> events, String name, int minimum) {
        List<Map<String, Object>> packets = named(events, name);
        assertTrue(packets.size() >= minimum, name + ": " + packets.size() + " packets, fewer than " + minimum);
        for (Map<String, Object> p : packets) {
            Map<?, ?> data = (Map<?, ?>) p.get("data");
            Map<?, ?> header = (Map<?, ?>) data.get("header");
            assertTrue(header.get("packet_number") instanceof BigDecimal, p.toString());
            assertTrue(List.of("initial", "handshake", "0RTT", "1RTT").contains(header.get("packet_type")), p.toString());
            assertTrue(((BigDecimal) ((Map<?, ?>) data.get("raw")).get("length")).intValue() > 0, p.toString());
            assertFalse(((List<?>) data.get("frames")).isEmpty(), "a packet holds a frame: " + p);
        }
        assertTrue(packets.stream().anyMatch(p -> frames(p).stream().anyMatch(f -> "ack".equals(f.get("frame_type"))
                && !((List<?>) f.get("acked_ranges")).isEmpty())), name + " carries ACK frames with ranges");
    }

    /** {@return the stream bytes the packets' STREAM frames cover, counting a byte sent twice once} */
    private static long streamBytes(List<Map<String, Object>> packets) {
        TreeMap<Long, Long> ranges = new TreeMap<>();
        boolean fin = false;
        for (Map<String, Object> p : packets) {
            for (Map<?, ?> f : frames(p)) {
                if ("stream".equals(f.get("frame_type"))) {
                    long offset = ((BigDecimal) f.get("offset")).longValue();
                    long length = ((BigDecimal) f.get("length")).longValue();
                    ranges.merge(offset, offset + length, Math::max);
                    fin |= Boolean.TRUE.equals(f.get("fin"));
                }
            }
        }
        assertTrue(fin, "the last stream frame carries FIN");
        long covered = 0;
        long end = 0;
        for (Map.Entry<Long, Long> r : ranges.entrySet()) {
            long from = Math.max(r.getKey(), end);
            if (r.getValue() > from) {
                covered += r.getValue() - from;
                end = r.getValue();
            }
        }
        assertEquals(end, covered, "no gap in the stream frames");
        return covered;
    }

    private static List<Map<?, ?>> frames(Map<String, Object> packet) {
        List<Map<?, ?>> out = new ArrayList<>();
        for (Object f : (List<?>) ((Map<?, ?>) packet.get("data")).get("frames")) {
            out.add((Map<?, ?>) f);
        }
        return out;
    }

    private static List<Map<String, Object>> named(List<Map<String, Object>> events, String name) {
        return events.stream().filter(e -> name.equals(e.get("name"))).toList();
    }

    /** {@return the records of a JSON-SEQ file (RFC 7464): each RS, one JSON text, LF} */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> records(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("\u001e"), "a record starts with RS");
        List<Map<String, Object>> out = new ArrayList<>();
        for (String record : text.substring(1).split("\u001e", -1)) {
            assertTrue(record.endsWith("\n"), "a record ends with LF: " + record);
            out.add((Map<String, Object>) Json.parse(record));
        }
        return out;
    }

    private boolean closed(String side) {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(side + ".sqlog")).toList()) {
                String text = Files.readString(p, StandardCharsets.UTF_8);
                int last = text.lastIndexOf('\u001e');
                if (last >= 0 && text.endsWith("\n") && text.substring(last).contains("connection_closed")) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private String listing() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName() + " " + p.toFile().length()).toList().toString();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
