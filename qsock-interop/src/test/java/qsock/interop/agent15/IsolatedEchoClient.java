package qsock.interop.agent15;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import qsock.interop.support.TestPki;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;

/**
 * A qsock client whose handshake agent15 runs, made to be loaded by {@link WithoutQsockTls}'s class loader:
 * it connects, handshakes through {@link Agent15ClientHandshake}, sends one message on a new bidirectional
 * stream with FIN and reads the echo up to the server's FIN. Only JDK types cross into and out of that
 * loader, hence the constructor's and the result's types.
 */
public final class IsolatedEchoClient implements Callable<Map<String, Object>> {

    /** Result key: the ALPN protocol the socket reports, a String. */
    public static final String ALPN = "alpn";
    /** Result key: the cipher suite agent15 negotiated, the name of a qsock CipherSuite. */
    public static final String CIPHER_SUITE = "cipherSuite";
    /** Result key: the server's end-entity certificate, an X509Certificate. */
    public static final String SERVER_CERTIFICATE = "serverCertificate";
    /** Result key: the bytes that came back, a byte[]. */
    public static final String ECHO = "echo";
    /** Result key: the class loader that loaded the QuicSocket class this client used. */
    public static final String SOCKET_LOADER = "socketLoader";

    private final InetSocketAddress server;
    private final String alpn;
    private final byte[] message;
    private final Duration timeout;

    /** A client of {@code server} that offers {@code alpn} and echoes {@code message}, each step within {@code timeout}. */
    public IsolatedEchoClient(InetSocketAddress server, String alpn, byte[] message, Duration timeout) {
        this.server = server;
        this.alpn = alpn;
        this.message = message.clone();
        this.timeout = timeout;
    }

    @Override
    public Map<String, Object> call() throws IOException {
        try (QuicSocket socket = QuicSocket.open()) {
            socket.setOption(QuicSocketOptions.TIMEOUT, timeout);
            socket.connect(server);
            Agent15ClientHandshake handshake = Agent15ClientHandshake.run(socket, "localhost", List.of(alpn),
                    TestPki.trustManager(), timeout);
            byte[] echo = echo(socket);
            return Map.of(
                    ALPN, socket.applicationProtocol(),
                    CIPHER_SUITE, handshake.cipherSuite().name(),
                    SERVER_CERTIFICATE, handshake.serverCertificates().getFirst(),
                    ECHO, echo,
                    SOCKET_LOADER, QuicSocket.class.getClassLoader());
        }
    }

    private byte[] echo(QuicSocket socket) throws IOException {
        long stream = socket.openStream(0);
        ByteBuffer src = ByteBuffer.wrap(message);
        socket.send(src, stream, StreamFlags.FIN);
        if (src.hasRemaining()) {
            throw new IOException("qsock left " + src.remaining() + " of " + message.length + " bytes unsent");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length);
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        while (true) {
            buf.clear();
            StreamMessage m = socket.receive(buf);
            if (m.streamId() != stream) {
                throw new IOException("data on stream " + m.streamId() + " while only stream " + stream + " is open");
            }
            out.write(buf.array(), 0, buf.position());
            if (m.fin()) {
                return out.toByteArray();
            }
        }
    }
}
