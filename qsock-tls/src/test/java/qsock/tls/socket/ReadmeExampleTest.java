package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.socket.ClosedConnectionException;
import qsock.socket.ConnectionCloseInfo;
import qsock.socket.QuicEvent;
import qsock.socket.QuicMessage;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;

/**
 * The README's server and client (section "The socket API"), word for word but for the TLS configurations, which
 * come from the test PKI: the examples a reader copies must work.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReadmeExampleTest {

    // ---- the README's server
    static void serve(QuicSocket listener, TlsServerConfig tls) throws IOException {
        while (true) {
            QuicSocket conn = listener.accept();                        // a client's first Initial is in
            Thread.startVirtualThread(() -> {
                try (conn) {
                    QuicHandshake.serverHandshake(conn, tls, Duration.ofSeconds(10));
                    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                    while (true) {
                        QuicMessage m = conn.receive(buf.clear(), 0);  // events first, then data
                        if (m.isEvent()) {
                            if (m.event() instanceof QuicEvent.ConnectionClose) {
                                return;
                            }
                            continue;
                        }
                        // Echo on the client's stream; its FIN ends ours.
                        conn.send(buf.flip(), m.streamId(), m.fin() ? StreamFlags.FIN : 0);
                    }
                } catch (IOException e) {
                    // the client went: nothing to do
                }
            });
        }
    }

    static QuicSocket listen(SocketAddress address) throws IOException {
        QuicSocket listener = QuicSocket.open();
        listener.setOption(QuicSocketOptions.ALPN, List.of("echo"));
        listener.setOption(QuicSocketOptions.EVENT, EnumSet.of(QuicEvent.Type.CONNECTION_CLOSE));
        listener.bind(address);
        listener.listen(128);
        return listener;
    }

    // ---- the README's client
    static String ask(SocketAddress server, TlsClientConfig tls, String question) throws IOException {
        try (QuicSocket client = QuicSocket.open()) {
            client.setOption(QuicSocketOptions.ALPN, List.of("echo"));
            client.connect(server);                                     // sends nothing yet
            QuicHandshake.clientHandshake(client, tls, Duration.ofSeconds(10));
            long id = client.openStream(-1, 0);                         // STREAM_OPEN: the next bidi stream
            client.send(ByteBuffer.wrap(question.getBytes(StandardCharsets.UTF_8)), id, StreamFlags.FIN);
            ByteBuffer buf = ByteBuffer.allocate(1024);
            QuicMessage m;
            do {
                m = client.receive(buf, 0);                             // stream ID, length, FIN
            } while (!m.fin());
            client.setOption(QuicSocketOptions.CONNECTION_CLOSE, ConnectionCloseInfo.of(0, "thanks"));
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        }                                                               // close: CONNECTION_CLOSE 0 "thanks"
    }

    @Test
    void theReadmesServerAnswersTheReadmesClient() throws Exception {
        try (QuicSocket listener = listen(new InetSocketAddress("127.0.0.1", 0));
             var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> server = threads.submit(() -> {
                serve(listener, Loopback.serverTls());
                return null;
            });
            for (int i = 0; i < 3; i++) {
                assertEquals("hello " + i, ask(listener.localAddress(), Loopback.clientTls(), "hello " + i));
            }
            listener.close();
            try {
                server.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof java.nio.channels.AsynchronousCloseException
                        || e.getCause() instanceof java.nio.channels.ClosedChannelException
                        || e.getCause() instanceof ClosedConnectionException)) {
                    throw e;
                }
            }
        }
    }
}
