package qsock.tools.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.Credential;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tools.TransportDefaults;
import qsock.tools.cert.SelfSignedCertificate;
import qsock.tools.client.FetchResult;
import qsock.tools.client.HqClient;
import qsock.tools.client.HqUrl;
import qsock.tools.hq.HqInterop;
import qsock.tools.hq.ServedDirectory;
import qsock.tools.server.ApplicationHandler;
import qsock.tools.server.EchoHandler;
import qsock.tools.server.HqInteropHandler;
import qsock.tools.server.QsockServer;
import qsock.tools.term.Units;

/**
 * The main job in one process: a qsock server and a qsock client on loopback. The server gets a fresh
 * self-signed certificate (the client trusts exactly it) and a directory with a file of random bytes; the client
 * fetches the file over hq-interop and checks its SHA-256, asks for a missing file, then runs an echo round trip
 * on a second connection. Everything it made is deleted at the end.
 */
public final class Demo {

    private final PrintWriter out;
    private final long fileSize;
    private final int echoSize;

    /**
     * @param out where the demo tells what happens
     * @param fileSize the size of the file fetched over hq-interop
     * @param echoSize the bytes sent on the echo connection
     */
    public Demo(PrintWriter out, long fileSize, int echoSize) {
        this.out = out;
        this.fileSize = fileSize;
        this.echoSize = echoSize;
    }

    /** Runs the demo; {@return true if every byte came back intact} */
    public boolean run() throws Exception {
        Path work = Files.createTempDirectory("qsock-demo-");
        try {
            return run(work);
        } finally {
            deleteTree(work);
        }
    }

    private boolean run(Path work) throws Exception {
        Path served = Files.createDirectories(work.resolve("www"));
        Path downloads = Files.createDirectories(work.resolve("downloads"));
        long t0 = System.nanoTime();
        byte[] expected = writeRandomFile(served.resolve("random.bin"), fileSize);
        out.println("demo: wrote " + Units.bytes(fileSize) + " of random bytes to serve ("
                + Units.duration(System.nanoTime() - t0) + "), sha256 " + HexFormat.of().formatHex(expected));

        Credential credential = SelfSignedCertificate.generate(Instant.now());
        out.println("demo: generated an ECDSA P-256 certificate for localhost, 127.0.0.1, ::1");
        Map<String, ApplicationHandler> handlers = new LinkedHashMap<>();
        handlers.put(HqInterop.ALPN, new HqInteropHandler(new ServedDirectory(served)));
        handlers.put(EchoHandler.ALPN, new EchoHandler());
        TlsClientConfig trustIt = TlsClientConfig.builder()
                .certificateValidator(CertificateValidator.forTrustedCertificates(credential.chain())).build();
        boolean ok;
        try (QsockServer server = QsockServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                TlsServerConfig.builder(credential).build(), handlers, line -> out.println("server: " + line.format()))) {
            out.println("demo: server listening on " + Units.address(server.localAddress()) + " (hq-interop, echo)");
            ok = fetch(server.port(), trustIt, downloads, expected);
            ok &= echo(server.localAddress(), trustIt);
        }
        out.println(ok ? "demo: OK, every byte arrived intact" : "demo: FAILED");
        return ok;
    }

    private boolean fetch(int port, TlsClientConfig tls, Path downloads, byte[] expected) throws IOException {
        long start = System.nanoTime();
        try (HqClient client = HqClient.connect("127.0.0.1", port, tls, Duration.ofSeconds(10))) {
            out.println("client: hq-interop connection up in " + Units.duration(System.nanoTime() - start));
            FetchResult result = client.fetch(new HqUrl("127.0.0.1", port, "/random.bin"), downloads, null);
            out.println("client: GET " + result.describe());
            FetchResult missing = client.fetch(new HqUrl("127.0.0.1", port, "/no-such-file"), downloads, null);
            out.println("client: GET " + missing.describe());
            boolean same = result.ok() && result.bytes() == fileSize && Arrays.equals(result.sha256(), expected);
            out.println("client: SHA-256 " + (same ? "matches" : "DIFFERS from") + " the served file");
            return same && missing.resetCode() == HqInterop.NOT_FOUND;
        }
    }

    private boolean echo(InetSocketAddress server, TlsClientConfig tls) throws Exception {
        TlsClientConfig config = tls.withApplicationProtocols(List.of(EchoHandler.ALPN)).withServerName("localhost");
        byte[] message = new byte[echoSize];
        new SplittableRandom(1).nextBytes(message);
        try (QuicSocket socket = QuicSocket.open(TransportDefaults.connectionConfig())) {
            long start = System.nanoTime();
            socket.connect(server);
            QuicHandshake.clientHandshake(socket, config, Duration.ofSeconds(10));
            long id = socket.openStream(StreamFlags.NEW);
            // Sent from another thread: the echo comes back while we still send, and both must flow.
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    socket.send(ByteBuffer.wrap(message), id, StreamFlags.FIN);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, runnable -> Thread.ofVirtual().start(runnable));
            ByteBuffer back = ByteBuffer.allocate(echoSize + 1);
            while (true) {
                StreamMessage m = socket.receive(back);
                if (m.fin() || !back.hasRemaining()) {
                    break;
                }
            }
            sending.join();
            long nanos = System.nanoTime() - start;
            boolean same = back.position() == echoSize && Arrays.equals(Arrays.copyOf(back.array(), echoSize), message);
            out.println("client: echo of " + Units.bytes(echoSize) + " " + (same ? "came back intact" : "DIFFERS")
                    + " in " + Units.duration(nanos) + " (handshake included)");
            return same;
        }
    }

    private static byte[] writeRandomFile(Path file, long size) throws IOException {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        SplittableRandom random = new SplittableRandom();
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(chunk.capacity(), left);
                chunk.clear().limit(n);
                for (int i = 0; i + 8 <= n; i += 8) {
                    chunk.putLong(i, random.nextLong());
                }
                for (int i = n & ~7; i < n; i++) {
                    chunk.put(i, (byte) random.nextInt());
                }
                sha256.update(chunk.duplicate());
                while (chunk.hasRemaining()) {
                    channel.write(chunk);
                }
                left -= n;
            }
        }
        return sha256.digest();
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
