package qsock.interop.peer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.time.Duration;
import qsock.interop.support.HqInterop;
import qsock.interop.support.Pki;
import tech.kwik.core.QuicConnection;
import tech.kwik.core.QuicStream;
import tech.kwik.core.server.ApplicationProtocolConnection;
import tech.kwik.core.server.ApplicationProtocolConnectionFactory;
import tech.kwik.core.server.ServerConnectionConfig;
import tech.kwik.core.server.ServerConnector;

/**
 * Kwik 0.10.8 as an hq-interop and echo server on loopback, with the test PKI's localhost certificate. Each
 * stream is served on its own virtual thread (Kwik's streams are blocking streams).
 */
public final class KwikServer implements InteropServer {
    private static final char[] PASSWORD = "qsock".toCharArray();
    private static final int MAX_STREAMS = 100;
    private static final int CHUNK = 16 * 1024;
    /** How long one response may take to leave: past every test's own timeout. */
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(Kwik.IDLE_TIMEOUT_SECONDS);

    private final Path root;
    private final DatagramSocket socket;
    private final ServerConnector connector;
    private final Path log;

    private KwikServer(Path root, Pki pki) throws IOException {
        this(root, pki, java.util.List.of(), false);
    }

    private KwikServer(Path root, Pki pki, java.util.List<qsock.api.QuicVersion> versions, boolean requireRetry)
            throws IOException {
        this.root = root;
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setReceiveBufferSize(Kwik.SOCKET_BUFFER);
        socket.setSendBufferSize(Kwik.SOCKET_BUFFER);
        Path[] logFile = new Path[1];
        ServerConnectionConfig config = ServerConnectionConfig.builder()
                .maxIdleTimeoutInSeconds(Kwik.IDLE_TIMEOUT_SECONDS)
                .maxOpenPeerInitiatedBidirectionalStreams(MAX_STREAMS)
                .maxOpenPeerInitiatedUnidirectionalStreams(0)
                .maxConnectionBufferSize(Kwik.CONNECTION_BUFFER)
                .maxBidirectionalStreamBufferSize(Kwik.STREAM_BUFFER)
                .retryRequired(requireRetry)
                .build();
        try {
            ServerConnector.Builder builder = ServerConnector.builder();
            if (!versions.isEmpty()) {
                builder.withSupportedVersions(versions.stream().map(Kwik::version).toList());
            }
            this.connector = builder
                    .withSocket(socket)
                    .withKeyStore(pki.keyStore("server", PASSWORD), "server", PASSWORD, "secp256r1")
                    .withConfiguration(config)
                    .withLogger(Kwik.logger("server", logFile))
                    .build();
        } catch (CertificateException e) {
            socket.close();
            throw new IOException("Kwik refused the test certificate", e);
        }
        this.log = logFile[0];
        connector.registerApplicationProtocol(HqInterop.ALPN, new Factory(this::serveHq));
        connector.registerApplicationProtocol(HqInterop.ECHO_ALPN, new Factory(KwikServer::serveEcho));
        connector.start();
    }

    /** Starts a server that serves files under {@code root} (and generated bodies). */
    public static KwikServer start(Path root) throws IOException {
        return new KwikServer(root, Pki.standard());
    }

    /** Starts a server like {@link #start(Path)} that speaks {@code versions} (Kwik's order of preference). */
    public static KwikServer start(Path root, qsock.api.QuicVersion... versions) throws IOException {
        return new KwikServer(root, Pki.standard(), java.util.List.of(versions), false);
    }

    /** Starts a server like {@link #start(Path)} that answers every Initial without a token with a Retry. */
    public static KwikServer startRequiringRetry(Path root) throws IOException {
        return new KwikServer(root, Pki.standard(), java.util.List.of(), true);
    }

    /** Starts a server like {@link #start(Path)} that presents {@code pki}'s chain instead. */
    public static KwikServer start(Path root, Pki pki) throws IOException {
        return new KwikServer(root, pki);
    }

    @Override
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
    }

    /** Kwik's own log of this server (errors, warnings, connection info). */
    public Path log() {
        return log;
    }

    @Override
    public void close() {
        connector.close();
        socket.close();
    }

    private void serveHq(QuicStream stream) throws IOException {
        InputStream in = stream.getInputStream();
        byte[] request = new byte[HqInterop.MAX_REQUEST];
        int length = 0;
        String path = null;
        while (path == null) {
            int n = in.read(request, length, request.length - length);
            if (n < 0 || length + n == request.length && HqInterop.parseRequest(request, length + n) == null) {
                stream.resetStream(0x10);
                return;
            }
            length += n;
            path = HqInterop.parseRequest(request, length);
        }
        // Kwik gives the client a new stream credit only once this stream is done both ways: read up to the
        // request's FIN.
        in.transferTo(OutputStream.nullOutputStream());
        long generated = HqInterop.generatedLength(path);
        KwikSender out = KwikSender.of(stream, SEND_TIMEOUT);
        if (generated >= 0) {
            byte[] chunk = new byte[CHUNK];
            for (long off = 0; off < generated; ) {
                int n = (int) Math.min(chunk.length, generated - off);
                HqInterop.fill(off, chunk, 0, n);
                out.write(chunk, 0, n);
                off += n;
            }
        } else {
            Path file = HqInterop.file(root, path);
            if (file == null) {
                stream.resetStream(0x10);
                return;
            }
            byte[] body = Files.readAllBytes(file);
            out.write(body, 0, body.length);
        }
        out.finish();
    }

    private static void serveEcho(QuicStream stream) throws IOException {
        InputStream in = stream.getInputStream();
        KwikSender out = KwikSender.of(stream, SEND_TIMEOUT);
        byte[] chunk = new byte[CHUNK];
        for (int n; (n = in.read(chunk)) >= 0; ) {
            out.write(chunk, 0, n);
        }
        out.finish();
    }

    @FunctionalInterface
    private interface StreamService {
        void serve(QuicStream stream) throws IOException;
    }

    private record Factory(StreamService service) implements ApplicationProtocolConnectionFactory {
        @Override
        public ApplicationProtocolConnection createConnection(String protocol, QuicConnection connection) {
            return new ApplicationProtocolConnection() {
                @Override
                public void acceptPeerInitiatedStream(QuicStream stream) {
                    Thread.ofPlatform().daemon().name("kwik-server-stream-" + stream.getStreamId()).start(() -> {
                        try {
                            service.serve(stream);
                        } catch (IOException e) {
                            // The connection went away under the stream; the client sees that on its side.
                        }
                    });
                }
            };
        }

        @Override
        public int maxConcurrentPeerInitiatedBidirectionalStreams() {
            return MAX_STREAMS;
        }
    }
}
