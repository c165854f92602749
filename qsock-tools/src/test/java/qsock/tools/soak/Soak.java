package qsock.tools.soak;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import qsock.api.ConnectionConfig;
import qsock.api.TokenStore;
import qsock.tls.ClientTickets;
import qsock.tls.TlsClientConfig;

/**
 * The soak of issue 17 ({@code scripts/soak} runs it; not a test of the default run): one {@code qsock server}
 * (echo) in its own JVM behind an {@link ImpairedRelay} that loses, corrupts, duplicates and reorders; client threads
 * opening connection after connection at a steady rate, each of a {@link Behaviour} drawn by weight (70% honest echo
 * transfers verified by SHA-256, with resumption, migration and NAT rebinding; 30% misbehaving); the server's heap
 * after GC, threads, I/O threads and counters sampled over JMX as it runs. After the load it waits for the server to
 * drop every connection, then judges: it fails on a byte lost or changed, an unexpected exception, a server that died
 * or whose I/O thread ended, an uncaught exception in the server's log, connections the server still holds, a heap or
 * thread growth ({@link SoakVerdict}) in either JVM, or honest connections failing more than 2 in 100.
 *
 * <p>Arguments ({@code --name value}): {@code minutes} (10), {@code clients} (8), {@code seed} (1), {@code loss}
 * (0.02), {@code corrupt} (0.005), {@code duplicate} (0.005), {@code reorder} (0.02), {@code interval} (seconds
 * between samples; default a 30th of the run, at least 10), {@code jar} (the qsock command's jar), {@code work} (a
 * directory for the server's output), {@code server-heap} (512m).
 */
public final class Soak {

    private static final double HONEST_FAILURES_ALLOWED = 0.02;
    private static final Duration DRAIN = Duration.ofSeconds(120);

    private Soak() {}

    /** Runs the soak; exits 0 if it passed, 1 if it failed, 2 on bad arguments. */
    public static void main(String[] args) throws Exception {
        Map<String, String> a;
        try {
            a = arguments(args);
        } catch (IllegalArgumentException e) {
            System.err.println("soak: " + e.getMessage());
            System.exit(2);
            return;
        }
        int minutes = Integer.parseInt(a.getOrDefault("minutes", "10"));
        int clients = Integer.parseInt(a.getOrDefault("clients", "8"));
        long seed = Long.parseLong(a.getOrDefault("seed", "1"));
        ImpairedRelay.Impairment impairment = new ImpairedRelay.Impairment(
                Double.parseDouble(a.getOrDefault("loss", "0.02")), Double.parseDouble(a.getOrDefault("corrupt", "0.005")),
                Double.parseDouble(a.getOrDefault("duplicate", "0.005")),
                Double.parseDouble(a.getOrDefault("reorder", "0.02")), 20);
        int interval = Integer.parseInt(a.getOrDefault("interval", Integer.toString(Math.max(10, minutes * 2))));
        Path jar = Path.of(a.getOrDefault("jar", "qsock-tools/target/qsock.jar"));
        Path work = Path.of(a.getOrDefault("work", Files.createTempDirectory("qsock-soak").toString()));
        String serverHeap = a.getOrDefault("server-heap", "512m");
        if (minutes < 1 || clients < 1 || interval < 1) {
            System.err.println("soak: minutes, clients and interval must be positive");
            System.exit(2);
        }
        boolean passed = new Soak.Run(minutes, clients, seed, impairment, interval, jar, work, serverHeap, System.out)
                .run();
        System.exit(passed ? 0 : 1);
    }

    private static Map<String, String> arguments(String[] args) {
        Map<String, String> m = new java.util.HashMap<>();
        List<String> known = List.of("minutes", "clients", "seed", "loss", "corrupt", "duplicate", "reorder",
                "interval", "jar", "work", "server-heap");
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : args[i];
            if (!known.contains(name) || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: Soak [--NAME VALUE]... with NAME one of " + known);
            }
            m.put(name, args[i + 1]);
        }
        return m;
    }

    /** One soak, from the server's start to the verdict. */
    private record Run(int minutes, int clients, long seed, ImpairedRelay.Impairment impairment, int interval,
                       Path jar, Path work, String serverHeap, PrintStream out) {

        boolean run() throws Exception {
            if (!Files.isRegularFile(jar)) {
                throw new IOException("the qsock jar is missing: " + jar + " (./mvn25 -q -B package -DskipTests)");
            }
            Files.createDirectories(work);
            int port = freeUdpPort();
            Path serverOut = work.resolve("server.out");
            Path serverErr = work.resolve("server.err");
            String java = ProcessHandle.current().info().command().orElse("java");
            Process server = new ProcessBuilder(java, "-Xms64m", "-Xmx" + serverHeap, "-XX:+HeapDumpOnOutOfMemoryError",
                    "-XX:HeapDumpPath=" + work, "-jar", jar.toString(), "server", "--bind", "127.0.0.1", "--port",
                    Integer.toString(port), "--alpn", "echo", "--idle-timeout", "10", "--dir", work.toString())
                    .redirectOutput(serverOut.toFile()).redirectError(serverErr.toFile()).start();
            List<String> failures = new ArrayList<>();
            Ledger ledger = new Ledger();
            try {
                awaitListening(server, serverOut);
                out.printf("soak: %d min, %d client threads, seed %d; qsock server pid %d on 127.0.0.1:%d (-Xmx%s); "
                                + "relay loss %.1f%%, corrupt %.1f%%, duplicate %.1f%%, reorder %.1f%% (up to %d ms); "
                                + "output in %s%n", minutes, clients, seed, server.pid(), port, serverHeap,
                        impairment.loss() * 100, impairment.corrupt() * 100, impairment.duplicate() * 100,
                        impairment.reorder() * 100, impairment.maxDelayMillis(), work);
                soak(server, port, ledger, failures);
            } finally {
                server.destroy();
                if (!server.waitFor(20, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            }
            for (String line : Files.readAllLines(serverErr, StandardCharsets.UTF_8)) {
                if (line.contains("Exception in thread") || line.contains("OutOfMemoryError")
                        || line.contains("StackOverflowError")) {
                    failures.add("server log: " + line.strip());
                }
            }
            report(ledger, failures);
            return failures.isEmpty();
        }

        private void soak(Process server, int port, Ledger ledger, List<String> failures) throws Exception {
            InetSocketAddress serverAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            List<ServerProbe.Sample> loadedServer = new ArrayList<>();
            List<SoakVerdict.Point> loadedSelf = new ArrayList<>();
            MemoryMXBean self = ManagementFactory.getMemoryMXBean();
            try (ServerProbe probe = new ServerProbe(server.pid(), port);
                 ImpairedRelay relay = new ImpairedRelay(serverAddress, impairment)) {
                ServerProbe.Sample before = probe.sample();
                out.printf("server before load: heap after GC %.1f MiB, %d threads, %d I/O thread(s)%n",
                        SoakVerdict.mib(before.heapAfterGc()), before.threads(), before.ioThreads());
                TlsClientConfig fresh = TlsClientConfig.builder().serverName("localhost").applicationProtocols("echo")
                        .insecure().build();
                TlsClientConfig resuming = TlsClientConfig.builder().serverName("localhost")
                        .applicationProtocols("echo").insecure().tickets(ClientTickets.defaults()).build();
                SoakClient client = new SoakClient(relay, ledger, fresh, resuming, TokenStore.inMemory(4),
                        ConnectionConfig.defaults());
                long start = System.nanoTime();
                long end = start + TimeUnit.MINUTES.toNanos(minutes);
                long warmUp = start + TimeUnit.MINUTES.toNanos(minutes) / 5;
                List<Thread> workers = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    SplittableRandom random = new SplittableRandom(seed * 1_000 + i);
                    workers.add(Thread.ofPlatform().name("soak-client-" + i).start(() -> {
                        while (System.nanoTime() - end < 0) {
                            client.run(Behaviour.draw(random), random);
                            sleep(random.nextInt(200));
                        }
                    }));
                }
                out.println("    t  server: heap MiB  threads  io  conns  opened  half-open |  client: heap MiB  "
                        + "threads | connections  verified MiB  failures");
                int printedDetails = 0;
                while (System.nanoTime() - end < 0 && server.isAlive()) {
                    sleep(Math.min(TimeUnit.SECONDS.toMillis(interval),
                            Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
                    if (!server.isAlive()) {
                        break;
                    }
                    ServerProbe.Sample s = probe.sample();
                    self.gc();
                    SoakVerdict.Point me = new SoakVerdict.Point(self.getHeapMemoryUsage().getUsed(),
                            platformThreads());
                    long t = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
                    out.printf("%5d  %17.1f  %7d  %2d  %5d  %6d  %9d | %17.1f  %7d | %11d  %12.1f  %8d%n", t,
                            SoakVerdict.mib(s.heapAfterGc()), s.threads(), s.ioThreads(), s.connectionsCurrent(),
                            s.connectionsOpened(), s.halfOpen(), SoakVerdict.mib(me.heapAfterGc()), me.threads(),
                            ledger.started(), SoakVerdict.mib(ledger.bytesVerified.sum()), ledger.failures());
                    List<String> details = ledger.failureDetails();
                    for (int i = printedDetails; i < details.size(); i++) {
                        out.println("       failure: " + details.get(i));
                    }
                    printedDetails = details.size();
                    if (s.ioThreads() != before.ioThreads()) {
                        failures.add("the server's I/O threads went from " + before.ioThreads() + " to "
                                + s.ioThreads() + " at " + t + " s");
                    }
                    if (System.nanoTime() - warmUp > 0) {
                        loadedServer.add(s);
                        loadedSelf.add(me);
                    }
                }
                for (Thread w : workers) {
                    w.join(SoakClient.STEP.toMillis() * 4);
                    if (w.isAlive()) {
                        failures.add("client thread " + w.getName() + " still running "
                                + SoakClient.STEP.multipliedBy(4).toSeconds() + " s after the end (a call not bounded)");
                    }
                }
                if (!server.isAlive()) {
                    failures.add("the server JVM died (exit " + server.exitValue() + ")");
                    return;
                }
                out.println("load ended; waiting for the server to drop every connection (idle timeout 10 s)");
                ServerProbe.Sample drained = drain(probe);
                out.printf("server drained: %d connections, %d half-open, heap after GC %.1f MiB, %d threads; "
                                + "opened %d in all, %d migrations, %d key updates, %d stateless resets, %d Retry, "
                                + "%d packets dropped, %d datagrams dropped before a connection%n",
                        drained.connectionsCurrent(), drained.halfOpen(), SoakVerdict.mib(drained.heapAfterGc()),
                        drained.threads(), drained.connectionsOpened(), drained.migrations(), drained.keyUpdates(),
                        drained.statelessResets(), drained.retries(), drained.packetsDropped(),
                        drained.datagramsDropped());
                if (drained.connectionsCurrent() != 0 || drained.halfOpen() != 0) {
                    failures.add("the server still holds " + drained.connectionsCurrent() + " connections and "
                            + drained.halfOpen() + " half-open ones " + DRAIN.toSeconds() + " s after the load ended");
                }
                failures.addAll(SoakVerdict.leaks("server", loadedServer.stream()
                        .map(s -> new SoakVerdict.Point(s.heapAfterGc(), s.threads())).toList(),
                        new SoakVerdict.Point(drained.heapAfterGc(), drained.threads())));
                List<String> qsockThreads = awaitClientThreadsGone();
                if (!qsockThreads.isEmpty()) {
                    failures.add("client JVM: qsock threads alive after every socket closed: " + qsockThreads);
                }
                self.gc();
                failures.addAll(SoakVerdict.leaks("client JVM", loadedSelf, new SoakVerdict.Point(
                        self.getHeapMemoryUsage().getUsed(), platformThreads())));
                out.printf("relay: %d datagrams forwarded, %d lost, %d corrupted, %d duplicated, %d reordered, "
                                + "%d swallowed by black holes, %d NAT rebinds, %d mappings (%d refused)%n",
                        relay.forwarded.sum(), relay.lost.sum(), relay.corrupted.sum(), relay.duplicated.sum(),
                        relay.reordered.sum(), relay.swallowed.sum(), relay.rebinds.sum(), relay.mappingsOpened.sum(),
                        relay.refusedMappings.sum());
            }
        }

        private ServerProbe.Sample drain(ServerProbe probe) throws IOException {
            long deadline = System.nanoTime() + DRAIN.toNanos();
            ServerProbe.Sample s = probe.sample();
            while ((s.connectionsCurrent() > 0 || s.halfOpen() > 0) && System.nanoTime() - deadline < 0) {
                sleep(2_000);
                s = probe.sample();
            }
            return s;
        }

        private void report(Ledger ledger, List<String> failures) {
            out.printf("connections: %d (honest %d, misbehaving %d); %d resumed a session, %d migrations asked, "
                            + "%d NAT rebinds asked%n", ledger.started(), ledger.started(Behaviour.HONEST),
                    ledger.started() - ledger.started(Behaviour.HONEST), ledger.resumed.sum(),
                    ledger.migrationsAsked.sum(), ledger.rebindsAsked.sum());
            out.printf("bytes verified by SHA-256: %d (%.1f MiB) in %d streams%n", ledger.bytesVerified.sum(),
                    SoakVerdict.mib(ledger.bytesVerified.sum()), ledger.streamsVerified.sum());
            out.println("outcomes by behaviour and kind:");
            ledger.outcomes().forEach((k, v) -> out.printf("  %-60s %d%n", k, v));
            List<String> notes = ledger.notes();
            if (!notes.isEmpty()) {
                out.println("noted (the first " + notes.size() + "):");
                notes.forEach(n -> out.println("  " + n));
            }
            long honest = ledger.started(Behaviour.HONEST);
            long honestFailed = ledger.notOk(Behaviour.HONEST);
            if (honest > 0 && honestFailed > honest * HONEST_FAILURES_ALLOWED) {
                failures.add(honestFailed + " of " + honest + " honest connections did not complete, more than "
                        + (int) (HONEST_FAILURES_ALLOWED * 100) + " in 100");
            }
            ledger.failureKinds().forEach((k, v) -> failures.add(v + " x " + k));
            failures.addAll(ledger.failureDetails().stream().map(d -> "  first: " + d).toList());
            if (failures.isEmpty()) {
                out.println("soak: PASSED");
            } else {
                out.println("soak: FAILED");
                failures.forEach(f -> out.println("  " + f));
            }
        }

        private static void awaitListening(Process server, Path serverOut) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() - deadline < 0) {
                if (!server.isAlive()) {
                    throw new IOException("the server exited at start: " + Files.readString(serverOut));
                }
                if (Files.exists(serverOut) && Files.readString(serverOut).contains("qsock server on")) {
                    return;
                }
                sleep(200);
            }
            throw new IOException("the server did not start listening within 60 s");
        }

        /** {@return the names of qsock's threads still alive in this JVM after at most 30 s} */
        private static List<String> awaitClientThreadsGone() {
            List<String> alive = List.of();
            for (int i = 0; i < 150; i++) {
                alive = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                        .filter(n -> n.startsWith("qsock-")).sorted().toList();
                if (alive.isEmpty()) {
                    return alive;
                }
                sleep(200);
            }
            return alive;
        }

        private static int platformThreads() {
            return ManagementFactory.getThreadMXBean().getThreadCount();
        }

        private static int freeUdpPort() throws IOException {
            try (DatagramChannel ch = DatagramChannel.open()) {
                ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                return ((InetSocketAddress) ch.getLocalAddress()).getPort();
            }
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
