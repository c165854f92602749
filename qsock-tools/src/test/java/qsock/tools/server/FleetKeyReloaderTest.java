package qsock.tools.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.api.FleetKeys;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.tls.ticket.TicketSealer;

/**
 * The fleet key file read again by a running server: changed keys reach the listener and the ticket sealer; an
 * unchanged file changes nothing; a malformed file or a changed stateless reset key leaves the keys as they were and is
 * logged once; the watcher thread finds a rewritten file by itself.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FleetKeyReloaderTest {

    private static final String RESET = "stateless-reset-key " + "5a".repeat(32) + "\n";

    @TempDir
    Path dir;

    private static String keys(int token, int ticketId) {
        return "token-key " + "%02x".formatted(token).repeat(16) + "\nticket-key " + "%08x".formatted(ticketId) + " "
                + "%02x".formatted(ticketId).repeat(32) + "\n";
    }

    @Test
    void changedKeysReachTheListenerAndTheSealerAndBadFilesLeaveThemAsTheyWere() throws Exception {
        Path file = dir.resolve("fleet.keys");
        Files.writeString(file, keys(1, 0x11) + RESET);
        FleetKeys first = FleetKeys.load(file);
        List<String> log = new CopyOnWriteArrayList<>();
        try (QuicSocket listener = QuicSocket.open()) {
            listener.setOption(QuicSocketOptions.FLEET_KEYS, first);
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            listener.listen(4);
            TicketSealer sealer = TicketSealer.fromFleetKeys(first, new SecureRandom());
            FleetKeyReloader reloader = new FleetKeyReloader(file, first, k -> {
                listener.setOption(QuicSocketOptions.FLEET_KEYS, k);
                sealer.setKeys(k);
            }, log::add);

            assertFalse(reloader.reloadIfChanged(), "an unchanged file changes nothing");
            assertEquals(List.of(), log);

            Files.writeString(file, keys(2, 0x22) + keys(1, 0x11) + RESET);
            assertTrue(reloader.reloadIfChanged());
            FleetKeys rotated = FleetKeys.load(file);
            assertEquals(rotated, listener.getOption(QuicSocketOptions.FLEET_KEYS));
            assertEquals(rotated.tokenKeys(), listener.getOption(QuicSocketOptions.TOKEN_KEYS));
            assertEquals(0x22, sealer.currentKey().id());
            assertEquals(0x11, sealer.previousKey().orElseThrow().id());

            Files.writeString(file, "token-key 12\n" + RESET); // half-written
            assertFalse(reloader.reloadIfChanged());
            assertFalse(reloader.reloadIfChanged());
            assertEquals(1, log.stream().filter(l -> l.contains("not read again")).count(), "logged once: " + log);
            assertTrue(log.getLast().contains("fleet.keys:1:"), log.getLast());
            assertEquals(rotated, listener.getOption(QuicSocketOptions.FLEET_KEYS), "the keys stay");

            Files.writeString(file, keys(3, 0x33) + "stateless-reset-key " + "77".repeat(32));
            assertFalse(reloader.reloadIfChanged(), "a new stateless reset key is refused while bound");
            assertTrue(log.getLast().contains("refused"), log.getLast());
            assertEquals(0x22, sealer.currentKey().id(), "the sealer keeps its keys too");
        }
    }

    @Test
    void theWatcherFindsARewrittenFileByItself() throws Exception {
        Path file = dir.resolve("fleet.keys");
        Files.writeString(file, keys(1, 0x11) + RESET);
        List<FleetKeys> applied = new CopyOnWriteArrayList<>();
        try (FleetKeyReloader reloader = new FleetKeyReloader(file, FleetKeys.load(file), applied::add, l -> { })) {
            reloader.start(Duration.ofMillis(20));
            Files.writeString(file, keys(2, 0x22) + RESET);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (applied.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(List.of(FleetKeys.load(file)), applied);
        }
    }
}
