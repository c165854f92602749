package qsock.tools.client;

import java.io.Closeable;
import java.io.IOException;
import java.io.PrintWriter;
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
import qsock.core.stream.StreamResetException;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;
import qsock.tools.TransportDefaults;
import qsock.tools.hq.HqInterop;
import qsock.tools.hq.HqRequest;
import qsock.tools.term.ProgressBar;

/**
 * An hq-interop client on one connection: {@link #fetch} sends {@code GET /path} on a new bidirectional stream
 * with FIN and saves the response until the server's FIN. Requests go one after another.
 */
public final class HqClient implements Closeable {

    private static final int BUFFER_SIZE = 256 * 1024;

    private final QuicSocket socket;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);

    private HqClient(QuicSocket socket) {
        this.socket = socket;
    }

    /**
     * Connects to {@code host:port} and runs the handshake offering hq-interop.
     *
     * @param tls the client configuration; its ALPN list is replaced by hq-interop and the server name set to
     *     {@code host} when it has none
     */
    public static HqClient connect(String host, int port, TlsClientConfig tls, Duration timeout) throws IOException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), port);
        TlsClientConfig config = new TlsClientConfig(tls.cipherSuites(), tls.groups(), tls.keyShareGroups(),
                tls.signatureSchemes(), tls.certificateSignatureSchemes(), java.util.List.of(HqInterop.ALPN),
                tls.serverName() != null ? tls.serverName() : host, tls.certificateValidator(), tls.keyLog(),
                tls.delegateTasks(), tls.quic());
        QuicSocket socket = QuicSocket.open(TransportDefaults.connectionConfig());
        try {
            socket.connect(address);
            QuicHandshake.clientHandshake(socket, config, timeout);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        return new HqClient(socket);
    }

    /** {@return the connection's socket} */
    public QuicSocket socket() {
        return socket;
    }

    /**
     * Fetches {@code url}'s path and saves the body in {@code directory} under the URL's file name.
     *
     * @param progress where to draw a progress bar, or null for none
     */
    public FetchResult fetch(HqUrl url, Path directory, PrintWriter progress) throws IOException {
        Path file = directory.resolve(url.fileName());
        MessageDigest sha256 = sha256();
        long start = System.nanoTime();
        long id = socket.openStream(StreamFlags.NEW);
        socket.send(ByteBuffer.wrap(new HqRequest(url.path()).encode()), id, StreamFlags.FIN);
        ProgressBar bar = progress == null ? null : new ProgressBar(progress, url.fileName(), -1, start);
        long received = 0;
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (true) {
                buffer.clear();
                StreamMessage message;
                try {
                    message = socket.receive(buffer);
                } catch (StreamResetException e) {
                    if (e.streamId() != id) {
                        continue;
                    }
                    out.close();
                    Files.deleteIfExists(file);
                    if (bar != null) {
                        bar.finish(received, System.nanoTime());
                    }
                    return new FetchResult(url, null, received, System.nanoTime() - start, null, e.errorCode());
                }
                if (message.streamId() != id) {
                    continue; // hq-interop servers open no streams; anything else is dropped
                }
                buffer.flip();
                sha256.update(buffer.duplicate());
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                received += message.length();
                if (bar != null) {
                    bar.update(received, System.nanoTime());
                }
                if (message.fin()) {
                    break;
                }
            }
        }
        long nanos = System.nanoTime() - start;
        if (bar != null) {
            bar.finish(received, System.nanoTime());
        }
        return new FetchResult(url, file, received, nanos, sha256.digest(), -1);
    }

    /** Closes the connection with application error 0. */
    @Override
    public void close() {
        socket.close();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
