package qsock.tools.scale;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;

/**
 * Issue 9, finding 2, as a measurement (not a test; {@code scripts/unread-responses} runs it): connections that ask
 * for large files and never read the answers, against a {@code qsock server} with a small heap. It opens
 * {@code ATTACKERS} connections, each sending {@code STREAMS} requests for {@code PATH} (hq-interop) and reading
 * nothing; waits {@code HOLD_SECONDS}; then reports the server's heap (from {@code jcmd GC.heap_info}) and fetches a
 * small file over {@code LEGIT} fresh connections, one after another, each bounded by 10 s: what a legitimate client
 * sees while the attack goes on. Every step is bounded; the attackers close at the end.
 *
 * <p>Arguments: {@code PORT SERVER_PID ATTACKERS STREAMS PATH SMALL_PATH HOLD_SECONDS LEGIT}.
 */
public final class UnreadResponses {

    private static final TlsClientConfig TLS = TlsClientConfig.builder().serverName("localhost")
            .applicationProtocols("hq-interop").insecure().build();
    private static final Duration STEP = Duration.ofSeconds(10);

    private UnreadResponses() {}

    /** Runs the measurement; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: UnreadResponses PORT SERVER_PID ATTACKERS STREAMS PATH SMALL_PATH HOLD_SECONDS LEGIT");
            System.exit(2);
        }
        InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0]));
        long pid = Long.parseLong(args[1]);
        int attackers = Integer.parseInt(args[2]);
        int streams = Integer.parseInt(args[3]);
        String path = args[4];
        String small = args[5];
        int hold = Integer.parseInt(args[6]);
        int legit = Integer.parseInt(args[7]);

        List<QuicSocket> open = new ArrayList<>();
        try {
            int requests = 0;
            for (int a = 0; a < attackers; a++) {
                try {
                    QuicSocket s = connect(server);
                    open.add(s);
                    for (int i = 0; i < streams; i++) {
                        s.setOption(QuicSocketOptions.TIMEOUT, STEP);
                        s.send(request(path), -1, StreamFlags.NEW | StreamFlags.FIN);
                        requests++;
                    }
                } catch (IOException e) {
                    System.out.println("attacker " + a + ": " + e);
                }
            }
            System.out.printf("attack: %d connections sent %d requests for %s and read nothing%n", open.size(),
                    requests, path);
            TimeUnit.SECONDS.sleep(hold);
            System.out.println("server heap after " + hold + " s: " + heapInfo(pid));
            long[] times = new long[legit];
            int ok = 0;
            for (int i = 0; i < legit; i++) {
                long t0 = System.nanoTime();
                try {
                    int got = fetch(server, small);
                    times[ok++] = System.nanoTime() - t0;
                    if (i == 0) {
                        System.out.println("legitimate fetch of " + small + ": " + got + " bytes");
                    }
                } catch (IOException e) {
                    System.out.println("legitimate fetch " + (i + 1) + " failed after "
                            + (System.nanoTime() - t0) / 1_000_000 + " ms: " + e);
                }
            }
            long[] done = Arrays.copyOf(times, ok);
            Arrays.sort(done);
            System.out.printf("legitimate clients: %d of %d fetched %s%s%n", ok, legit, small,
                    ok == 0 ? "" : String.format(", median %.1f ms, max %.1f ms", done[ok / 2] / 1e6,
                            done[ok - 1] / 1e6));
            System.out.println("server heap at the end: " + heapInfo(pid));
        } finally {
            for (QuicSocket s : open) {
                s.close();
            }
        }
    }

    private static QuicSocket connect(InetSocketAddress server) throws IOException {
        QuicSocket s = QuicSocket.open(ConnectionConfig.defaults());
        try {
            s.setOption(QuicSocketOptions.TIMEOUT, STEP);
            s.connect(server);
            QuicHandshake.clientHandshake(s, TLS, STEP);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private static ByteBuffer request(String path) {
        return ByteBuffer.wrap(("GET " + path + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** {@return the bytes of {@code path} fetched over a new connection, every step bounded by 10 s} */
    private static int fetch(InetSocketAddress server, String path) throws IOException {
        try (QuicSocket s = connect(server)) {
            long stream = s.openStream(0);
            s.send(request(path), stream, StreamFlags.FIN);
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            int got = 0;
            while (true) {
                StreamMessage m = s.receive(in.clear());
                got += m.length();
                if (m.fin()) {
                    return got;
                }
            }
        }
    }

    /** {@return the heap line of {@code jcmd PID GC.heap_info}, or why not} */
    private static String heapInfo(long pid) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(ProcessHandle.current().info().command()
                    .map(java -> java.replaceAll("java$", "jcmd")).orElse("jcmd"), Long.toString(pid), "GC.heap_info")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines().filter(l -> l.contains("used")).findFirst().orElse(out.strip()).strip();
        } catch (IOException e) {
            return "unknown (" + e + ")";
        }
    }
}
